//! The storage ports on DynamoDB (feature `dynamodb`). The table design is
//! described in `docs/STORAGE.md`; in short:
//!
//! - **data** (`pk`, `sk`): read-mostly reference data written by
//!   `chatbot import`: `PROC#<code>`/`DETAIL` (a procedure's details as
//!   JSON), `CATALOGUE`/`CURRENT` (the published snapshot's version and
//!   chunk count) and `CATALOGUE#<version>`/`CHUNK#0000…` (the search
//!   index's input, gzip-compressed JSON split into chunks).
//! - **state** (`pk`, TTL `expires_at`): what the webhooks write per
//!   message: `CONV#<channel>#<user>` (state JSON, `version`) and
//!   `EVENT#<id>` (processed events).
//! - **events** (`pk`, `sk`, TTL `expires_at`): `DAY#<yyyy-mm-dd>` /
//!   `<at>#<kind>#<random>`: unanswered questions, feedback, handovers.
//!
//! TTL deletion is lazy (up to days late), so every read checks
//! `expires_at` itself and every conditional write treats an expired item
//! as absent.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, KeysAndAttributes,
    PutRequest, ReturnValue, ScalarAttributeType, TimeToLiveSpecification, WriteRequest,
};
use sha2::{Digest, Sha256};

use super::{
    BusSource, CatalogueSource, Claim, ConversationKey, ConversationStore, DossierStore, Event,
    EventLog, NoticeStore, PlatformToken, ProcedureStore, ProcessedEvents, RateLimiter, Snapshot,
    StoreError, TokenStore, Written,
};
use crate::bus::Network;
use crate::catalogue::{Engine, Entry, Procedure, ProcedureCode};
use crate::dialogue::State;
use crate::dossier::{Dossier, DossierCode};
use crate::lookup::NoticeKind;
use crate::notices::Notice;
use crate::text::lexicon::{Lexicon, Sources};

type Item = HashMap<String, AttributeValue>;

/// The largest chunk of a catalogue snapshot (DynamoDB items hold 400 KB).
const CHUNK_BYTES: usize = 350 * 1024;
/// The largest item DynamoDB stores, with room for the keys.
const MAX_ITEM_BYTES: usize = 390 * 1024;
/// BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys.
const BATCH_WRITE: usize = 25;
const BATCH_GET: usize = 100;
/// Unprocessed batch items are retried this many times, backing off.
const BATCH_ATTEMPTS: u32 = 8;

/// The three tables' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub data: String,
    pub state: String,
    pub events: String,
}

impl Tables {
    /// `<prefix>-data`, `<prefix>-state`, `<prefix>-events` (the names
    /// `chatbot import --create-tables` and the local run use).
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            data: format!("{prefix}-data"),
            state: format!("{prefix}-state"),
            events: format!("{prefix}-events"),
        }
    }

    /// `DATA_TABLE`, `STATE_TABLE`, `EVENTS_TABLE` (set by the SAM
    /// template); unset ones default to the `chatbot-` prefix names.
    pub fn from_env() -> Self {
        let d = Self::with_prefix("chatbot");
        let var = |name: &str, default: String| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(default)
        };
        Self {
            data: var("DATA_TABLE", d.data),
            state: var("STATE_TABLE", d.state),
            events: var("EVENTS_TABLE", d.events),
        }
    }
}

/// How long calls may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
    pub max_attempts: u32,
    /// The SDK's first retry waits up to this long (jittered, doubling).
    pub backoff: Duration,
}

impl Timeouts {
    /// For the webhooks: Zalo wants its 200 within 2 s and Meta within a
    /// few, and a message makes three to five calls; a call gets 250 ms per
    /// attempt (DynamoDB answers in single-digit ms) and 700 ms in all.
    /// Retries wait up to 25 then 50 ms: the SDK's default (up to 1 s)
    /// would spend the whole budget on one throttled call.
    pub const WEBHOOK: Self = Self {
        connect: Duration::from_millis(300),
        attempt: Duration::from_millis(250),
        operation: Duration::from_millis(700),
        max_attempts: 3,
        backoff: Duration::from_millis(25),
    };
    /// For imports and other batch work: patient.
    pub const BATCH: Self = Self {
        connect: Duration::from_secs(3),
        attempt: Duration::from_secs(10),
        operation: Duration::from_secs(60),
        max_attempts: 5,
        backoff: Duration::from_secs(1),
    };
}

/// The credentials and region used with an explicit endpoint (DynamoDB
/// Local scopes tables by access key and region: every local tool uses
/// this pair).
pub const LOCAL_ACCESS_KEY: &str = "local";
pub const LOCAL_REGION: &str = "ap-southeast-1";

/// The DynamoDB implementation of every store port.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    tables: Tables,
    /// Items per Query/Scan page (DynamoDB's 1 MB pages when `None`).
    page_size: Option<i32>,
}

fn unavailable<E, R>(what: &str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = match &e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("service error"),
                err.message().unwrap_or("")
            )
        }
        SdkError::TimeoutError(_) => "timed out".to_owned(),
        SdkError::DispatchFailure(_) => "could not connect".to_owned(),
        other => other.to_string(),
    };
    StoreError::Unavailable(format!("DynamoDB {what}: {detail}"))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn get_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("stored {what} is unreadable: {detail}"))
}

/// A day's partition of the events table.
fn day_key(at: i64) -> String {
    format!("DAY#{}", crate::calendar::Date::utc(at))
}

/// The published catalogue's pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentCatalogue {
    pub version: String,
    pub chunks: usize,
    pub count: usize,
    pub sha256: String,
    pub previous: Option<(String, usize)>,
}

/// What [`DynamoStore::publish_catalogue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub version: String,
    /// False when this version was already the current one (a re-run).
    pub changed: bool,
    pub procedures: usize,
    pub removed: usize,
    pub chunks: usize,
    pub snapshot_bytes: usize,
}

/// The version of a catalogue: a digest of every procedure as stored, of
/// the engine snapshot's layout and of the lexicon the engine is built
/// with — importing the same file after an upgrade that changed either
/// publishes the engine again.
pub fn catalogue_version(procedures: &[Procedure]) -> Result<String, StoreError> {
    let mut h = Sha256::new();
    h.update(Engine::SNAPSHOT_LAYOUT);
    h.update(Sources::EMBEDDED.digest().to_le_bytes());
    for p in procedures {
        let json = serde_json::to_vec(p).map_err(|e| corrupt("procedure", e))?;
        h.update(&json);
        h.update(b"\n");
    }
    Ok(hex::encode(&h.finalize()[..8]))
}

/// The compressed snapshot of a search engine ([`Engine::to_snapshot`]).
pub fn encode_snapshot(engine: &Engine) -> Result<Vec<u8>, StoreError> {
    let raw = engine.to_snapshot().map_err(|e| corrupt("snapshot", e))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw)
        .and_then(|()| gz.finish())
        .map_err(|e| corrupt("snapshot", e))
}

/// The engine of a compressed snapshot; `None` when it was saved in
/// another layout (by another version of the chatbot).
fn decode_snapshot(bytes: &[u8]) -> Result<Option<Engine>, StoreError> {
    let mut raw = Vec::with_capacity(bytes.len() * 4);
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut raw)
        .map_err(|e| corrupt("snapshot", e))?;
    if !Engine::is_snapshot_layout(&raw) {
        return Ok(None);
    }
    Engine::from_snapshot(&raw)
        .map(Some)
        .map_err(|e| corrupt("snapshot", e))
}

impl DynamoStore {
    /// A client for the default AWS configuration (the Lambda's role and
    /// region), or for `endpoint` (DynamoDB Local) with the local pair.
    pub async fn connect(endpoint: Option<&str>, tables: Tables, timeouts: Timeouts) -> Self {
        let timeout = TimeoutConfig::builder()
            .connect_timeout(timeouts.connect)
            .operation_attempt_timeout(timeouts.attempt)
            .operation_timeout(timeouts.operation)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeout)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(timeouts.max_attempts)
                    .with_initial_backoff(timeouts.backoff),
            );
        if let Some(endpoint) = endpoint {
            loader = loader
                .endpoint_url(endpoint)
                .region(Region::new(LOCAL_REGION))
                .credentials_provider(Credentials::new(
                    LOCAL_ACCESS_KEY,
                    LOCAL_ACCESS_KEY,
                    None,
                    None,
                    "dynamodb-local",
                ));
        }
        let config = loader.load().await;
        Self {
            client: Client::new(&config),
            tables,
            page_size: None,
        }
    }

    pub fn from_client(client: Client, tables: Tables) -> Self {
        Self {
            client,
            tables,
            page_size: None,
        }
    }

    /// Smaller Query/Scan pages (tests exercise pagination with them).
    pub fn with_page_size(mut self, items: i32) -> Self {
        self.page_size = Some(items);
        self
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens the connection (TLS handshake, credentials) during init so
    /// that the first message does not pay for it: reads the catalogue
    /// pointer, which the cold start needs anyway.
    pub async fn warm_up(&self) -> Result<Option<CurrentCatalogue>, StoreError> {
        self.current_catalogue().await
    }

    /// Creates the three tables with TTL, unless they exist (the local
    /// run and tests; in AWS the SAM template creates them).
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        let specs = [
            (&self.tables.data, true, false),
            (&self.tables.state, false, true),
            (&self.tables.events, true, true),
        ];
        for (name, with_sort, with_ttl) in specs {
            let mut req = self
                .client
                .create_table()
                .table_name(name.as_str())
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(attribute("pk")?)
                .key_schema(key("pk", KeyType::Hash)?);
            if with_sort {
                req = req
                    .attribute_definitions(attribute("sk")?)
                    .key_schema(key("sk", KeyType::Range)?);
            }
            match req.send().await {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_resource_in_use_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(unavailable("CreateTable", e)),
            }
            if with_ttl {
                let spec = TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("expires_at")
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                self.client
                    .update_time_to_live()
                    .table_name(name.as_str())
                    .time_to_live_specification(spec)
                    .send()
                    .await
                    .map_err(|e| unavailable("UpdateTimeToLive", e))?;
            }
        }
        Ok(())
    }

    /// Deletes the three tables (tests).
    pub async fn delete_tables(&self) -> Result<(), StoreError> {
        for name in [&self.tables.data, &self.tables.state, &self.tables.events] {
            match self
                .client
                .delete_table()
                .table_name(name.as_str())
                .send()
                .await
            {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) => {}
                Err(e) => return Err(unavailable("DeleteTable", e)),
            }
        }
        Ok(())
    }

    /// The published catalogue's pointer, if any.
    pub async fn current_catalogue(&self) -> Result<Option<CurrentCatalogue>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.data)
            .key("pk", s("CATALOGUE"))
            .key("sk", s("CURRENT"))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let field = |name: &str| corrupt("catalogue pointer", format!("no {name}"));
        let previous = match (get_s(item, "previous"), get_n(item, "previous_chunks")) {
            (Some(v), Some(c)) => Some((v.to_owned(), c as usize)),
            _ => None,
        };
        Ok(Some(CurrentCatalogue {
            version: get_s(item, "version")
                .ok_or_else(|| field("version"))?
                .to_owned(),
            chunks: get_n(item, "chunks").ok_or_else(|| field("chunks"))? as usize,
            count: get_n(item, "count").ok_or_else(|| field("count"))? as usize,
            sha256: get_s(item, "sha256")
                .ok_or_else(|| field("sha256"))?
                .to_owned(),
            previous,
        }))
    }

    async fn load_chunks(&self, current: &CurrentCatalogue) -> Result<Vec<u8>, StoreError> {
        let pk = format!("CATALOGUE#{}", current.version);
        let mut parts: Vec<Option<Vec<u8>>> = vec![None; current.chunks];
        let keys: Vec<Item> = (0..current.chunks)
            .map(|i| {
                HashMap::from([
                    ("pk".to_owned(), s(pk.clone())),
                    ("sk".to_owned(), s(format!("CHUNK#{i:04}"))),
                ])
            })
            .collect();
        for batch in keys.chunks(BATCH_GET) {
            for item in self.batch_get(&self.tables.data, batch.to_vec()).await? {
                let sk = get_s(&item, "sk").unwrap_or_default();
                let i: usize = sk
                    .strip_prefix("CHUNK#")
                    .and_then(|i| i.parse().ok())
                    .filter(|i| *i < current.chunks)
                    .ok_or_else(|| corrupt("catalogue chunk", sk))?;
                let Some(AttributeValue::B(data)) = item.get("data") else {
                    return Err(corrupt("catalogue chunk", "no data"));
                };
                parts[i] = Some(data.as_ref().to_vec());
            }
        }
        let mut bytes = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            bytes.extend(part.ok_or_else(|| corrupt("catalogue", format!("chunk {i} missing")))?);
        }
        if hex::encode(Sha256::digest(&bytes)) != current.sha256 {
            return Err(corrupt("catalogue", "checksum mismatch"));
        }
        Ok(bytes)
    }

    /// BatchGetItem, retrying unprocessed keys with backoff.
    async fn batch_get(&self, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        let mut pending = keys;
        for attempt in 0..BATCH_ATTEMPTS {
            if pending.is_empty() {
                return Ok(out);
            }
            if attempt > 0 {
                backoff(attempt).await;
            }
            let ka = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let res = self
                .client
                .batch_get_item()
                .request_items(table, ka)
                .send()
                .await
                .map_err(|e| unavailable("BatchGetItem", e))?;
            if let Some(items) = res.responses().and_then(|r| r.get(table)) {
                out.extend(items.iter().cloned());
            }
            if let Some(left) = res.unprocessed_keys().and_then(|u| u.get(table)) {
                pending = left.keys().to_vec();
            }
        }
        if pending.is_empty() {
            Ok(out)
        } else {
            Err(StoreError::Unavailable(format!(
                "DynamoDB BatchGetItem: {} keys still unprocessed",
                pending.len()
            )))
        }
    }

    /// BatchWriteItem of up to 25 requests, retrying unprocessed items
    /// with backoff.
    async fn batch_write(
        &self,
        table: &str,
        requests: Vec<WriteRequest>,
    ) -> Result<(), StoreError> {
        let mut pending = requests;
        for attempt in 0..BATCH_ATTEMPTS {
            if pending.is_empty() {
                return Ok(());
            }
            if attempt > 0 {
                backoff(attempt).await;
            }
            let res = self
                .client
                .batch_write_item()
                .request_items(table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(|e| unavailable("BatchWriteItem", e))?;
            if let Some(left) = res.unprocessed_items().and_then(|u| u.get(table)) {
                pending = left.clone();
            }
        }
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Unavailable(format!(
                "DynamoDB BatchWriteItem: {} items still unprocessed",
                pending.len()
            )))
        }
    }

    /// Writes items in batches of 25; `progress` gets the number written
    /// after each batch.
    pub async fn put_all(
        &self,
        table: &str,
        items: Vec<Item>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(items.len());
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        let mut rest = requests;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(BATCH_WRITE));
            let n = rest.len();
            self.batch_write(table, rest).await?;
            progress(n);
            rest = tail;
        }
        Ok(())
    }

    /// Deletes items by key in batches of 25.
    pub async fn delete_all(&self, table: &str, keys: Vec<Item>) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(keys.len());
        for key in keys {
            let del = aws_sdk_dynamodb::types::DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            requests.push(WriteRequest::builder().delete_request(del).build());
        }
        for batch in requests.chunks(BATCH_WRITE) {
            self.batch_write(table, batch.to_vec()).await?;
        }
        Ok(())
    }

    /// The item a procedure's details are stored as.
    pub fn procedure_item(p: &Procedure) -> Result<Item, StoreError> {
        let doc = serde_json::to_string(p).map_err(|e| corrupt("procedure", e))?;
        if doc.len() > MAX_ITEM_BYTES {
            return Err(StoreError::Unavailable(format!(
                "procedure {} is {} bytes, more than a DynamoDB item holds",
                p.code,
                doc.len()
            )));
        }
        Ok(HashMap::from([
            ("pk".to_owned(), s(format!("PROC#{}", p.code))),
            ("sk".to_owned(), s("DETAIL")),
            ("doc".to_owned(), s(doc)),
        ]))
    }

    /// Publishes a catalogue: every procedure's details, then the
    /// snapshot's chunks under a new version, then (last, in one write)
    /// the pointer to it, so that readers see the old catalogue or the new
    /// one, never a mix. Procedures no longer in the catalogue are deleted,
    /// and snapshot versions older than the previous one. A re-run with
    /// the same catalogue rewrites the same items and changes nothing.
    pub async fn publish_catalogue(
        &self,
        procedures: &[Procedure],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Published, StoreError> {
        let version = catalogue_version(procedures)?;
        let current = self.current_catalogue().await?;
        let items = procedures
            .iter()
            .map(Self::procedure_item)
            .collect::<Result<Vec<_>, _>>()?;
        self.put_all(&self.tables.data, items, progress).await?;

        // The functions load the engine ready to answer: it is built here.
        let lexicon = Lexicon::embedded().map_err(|e| corrupt("lexicon", e))?;
        let engine = Engine::from_procedures(procedures, lexicon);
        let bytes = encode_snapshot(&engine)?;
        let changed = current.as_ref().is_none_or(|c| c.version != version);
        let chunks: Vec<Item> = bytes
            .chunks(CHUNK_BYTES)
            .enumerate()
            .map(|(i, c)| {
                HashMap::from([
                    ("pk".to_owned(), s(format!("CATALOGUE#{version}"))),
                    ("sk".to_owned(), s(format!("CHUNK#{i:04}"))),
                    ("data".to_owned(), AttributeValue::B(Blob::new(c))),
                ])
            })
            .collect();
        let chunk_count = chunks.len();
        // The current version's chunks stay as they are: the pointer's
        // checksum is theirs.
        if changed {
            self.put_all(&self.tables.data, chunks, &|_| {}).await?;
        }

        // Procedures the old catalogue had and the new one does not.
        let mut removed = 0;
        if let Some(cur) = &current
            && cur.version != version
        {
            // What the old catalogue had: its snapshot's entries, or the
            // procedures in the table when that snapshot cannot be read
            // (another layout, or damaged: an import is how it is
            // repaired).
            let old_engine = match self
                .load_chunks(cur)
                .await
                .and_then(|b| decode_snapshot(&b))
            {
                Ok(engine) => engine,
                Err(e) => {
                    tracing::warn!(error = %e, "the current catalogue snapshot is unreadable");
                    None
                }
            };
            let old: Vec<ProcedureCode> = match old_engine {
                Some(engine) => engine.entries().iter().map(|e| e.code.clone()).collect(),
                None => self
                    .scan_procedures()
                    .await?
                    .into_iter()
                    .map(|p| p.code)
                    .collect(),
            };
            let keep: std::collections::HashSet<&ProcedureCode> =
                procedures.iter().map(|p| &p.code).collect();
            let gone: Vec<Item> = old
                .iter()
                .filter(|code| !keep.contains(code))
                .map(|code| {
                    HashMap::from([
                        ("pk".to_owned(), s(format!("PROC#{code}"))),
                        ("sk".to_owned(), s("DETAIL")),
                    ])
                })
                .collect();
            removed = gone.len();
            self.delete_all(&self.tables.data, gone).await?;
        }

        if changed {
            let mut pointer = HashMap::from([
                ("pk".to_owned(), s("CATALOGUE")),
                ("sk".to_owned(), s("CURRENT")),
                ("version".to_owned(), s(version.clone())),
                ("chunks".to_owned(), n(chunk_count)),
                ("count".to_owned(), n(procedures.len())),
                ("sha256".to_owned(), s(hex::encode(Sha256::digest(&bytes)))),
            ]);
            if let Some(cur) = &current {
                pointer.insert("previous".to_owned(), s(cur.version.clone()));
                pointer.insert("previous_chunks".to_owned(), n(cur.chunks));
            }
            self.client
                .put_item()
                .table_name(&self.tables.data)
                .set_item(Some(pointer))
                .send()
                .await
                .map_err(|e| unavailable("PutItem", e))?;
            // The version before the previous one is no longer needed:
            // functions that loaded it have had a minute to move on.
            if let Some(cur) = &current
                && let Some((old, chunks)) = &cur.previous
                && *old != version
            {
                let keys = (0..*chunks)
                    .map(|i| {
                        HashMap::from([
                            ("pk".to_owned(), s(format!("CATALOGUE#{old}"))),
                            ("sk".to_owned(), s(format!("CHUNK#{i:04}"))),
                        ])
                    })
                    .collect();
                self.delete_all(&self.tables.data, keys).await?;
            }
        }
        Ok(Published {
            version,
            changed,
            procedures: procedures.len(),
            removed,
            chunks: chunk_count,
            snapshot_bytes: bytes.len(),
        })
    }

    /// Every procedure's details, by scanning the data table: what a
    /// function reads when the published snapshot is in another layout
    /// (and what a cold start would cost without the snapshot).
    pub async fn scan_procedures(&self) -> Result<Vec<Procedure>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let res = self
                .client
                .scan()
                .table_name(&self.tables.data)
                .filter_expression("sk = :d")
                .expression_attribute_values(":d", s("DETAIL"))
                .set_exclusive_start_key(start.take())
                .set_limit(self.page_size)
                .send()
                .await
                .map_err(|e| unavailable("Scan", e))?;
            for item in res.items() {
                let doc = get_s(item, "doc").ok_or_else(|| corrupt("procedure", "no doc"))?;
                out.push(serde_json::from_str(doc).map_err(|e| corrupt("procedure", e))?);
            }
            match res.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }
}

async fn backoff(attempt: u32) {
    let ms = 25u64 << attempt.min(6);
    // Full jitter keeps parallel importers from retrying in step.
    let jitter = u64::from(rand_u32()) % ms.max(1);
    tokio::time::sleep(Duration::from_millis(ms / 2 + jitter / 2)).await;
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}

fn attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

#[async_trait]
impl ProcedureStore for DynamoStore {
    async fn procedure(&self, code: &ProcedureCode) -> Result<Option<Procedure>, StoreError> {
        self.data_doc(format!("PROC#{code}"), "DETAIL", false, "procedure")
            .await
    }
}

#[async_trait]
impl CatalogueSource for DynamoStore {
    async fn current_version(&self) -> Result<Option<String>, StoreError> {
        Ok(self.current_catalogue().await?.map(|c| c.version))
    }

    async fn snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let Some(current) = self.current_catalogue().await? else {
            return Ok(None);
        };
        match decode_snapshot(&self.load_chunks(&current).await?)? {
            Some(engine) => Ok(Some(Snapshot {
                version: current.version,
                engine: std::sync::Arc::new(engine),
            })),
            None => {
                // Published by another version of the chatbot: answer from
                // the procedures themselves (a slow start) until the
                // catalogue is imported again.
                tracing::warn!(
                    version = %current.version,
                    "catalogue snapshot in another layout; indexing the procedures instead (import the catalogue again for fast starts)"
                );
                let procedures = self.scan_procedures().await?;
                let entries = procedures.iter().map(Entry::from).collect();
                Snapshot::new(current.version, entries)
                    .map(Some)
                    .map_err(|e| corrupt("catalogue", e))
            }
        }
    }
}

fn conversation_pk(key: &ConversationKey) -> AttributeValue {
    s(format!("CONV#{}", key.storage_key()))
}

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn load(&self, key: &ConversationKey, now: i64) -> Result<Option<State>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.state)
            .key("pk", conversation_pk(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        if get_n(item, "expires_at").is_none_or(|t| t <= now) {
            return Ok(None);
        }
        let json = get_s(item, "state").ok_or_else(|| corrupt("conversation", "no state"))?;
        let mut state: State =
            serde_json::from_str(json).map_err(|e| corrupt("conversation", e))?;
        state.version = get_n(item, "version")
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| corrupt("conversation", "no version"))?;
        Ok(Some(state))
    }

    async fn save(
        &self,
        key: &ConversationKey,
        state: &State,
        expected: u64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut saved = state.clone();
        saved.version = expected + 1;
        let json = serde_json::to_string(&saved).map_err(|e| corrupt("conversation", e))?;
        let mut req = self
            .client
            .put_item()
            .table_name(&self.tables.state)
            .item("pk", conversation_pk(key))
            .item("state", s(json))
            .item("version", n(saved.version))
            .item("expires_at", n(saved.expires_at));
        req = if expected == 0 {
            req.condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
                .expression_attribute_values(":now", n(now))
        } else {
            req.condition_expression("version = :expected")
                .expression_attribute_values(":expected", n(expected))
        };
        match conditional("PutItem", req.send().await, |e| {
            e.is_conditional_check_failed_exception()
        })? {
            true => Ok(()),
            false => Err(StoreError::Conflict),
        }
    }

    async fn delete(&self, key: &ConversationKey) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.tables.state)
            .key("pk", conversation_pk(key))
            .send()
            .await
            .map_err(|e| unavailable("DeleteItem", e))?;
        Ok(())
    }
}

/// The states of an `EVENT#` record (attribute `state`).
const CLAIMED: &str = "claimed";
const REPLYING: &str = "replying";
const DONE: &str = "done";

impl DynamoStore {
    /// Updates an existing `EVENT#` record; one that is gone (expired and
    /// deleted) is left alone rather than made again without its expiry.
    async fn update_event(
        &self,
        event_id: &str,
        update: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<(), StoreError> {
        let mut call = self
            .client
            .update_item()
            .table_name(&self.tables.state)
            .key("pk", s(format!("EVENT#{event_id}")))
            .update_expression(update)
            .condition_expression("attribute_exists(pk)");
        // DynamoDB refuses names an expression does not use.
        if update.contains("#st") {
            call = call.expression_attribute_names("#st", "state");
        }
        for (k, v) in values {
            call = call.expression_attribute_values(k, v);
        }
        let res = call.send().await;
        conditional("UpdateItem", res, |e| {
            e.is_conditional_check_failed_exception()
        })
        .map(drop)
    }
}

#[async_trait]
impl ProcessedEvents for DynamoStore {
    async fn claim(&self, event_id: &str, now: i64, expires_at: i64) -> Result<Claim, StoreError> {
        let pk = format!("EVENT#{event_id}");
        let lease = now + super::CLAIM_LEASE;
        // One conditional write decides between concurrent claims; the
        // record as it was tells what the winner is to do.
        let res = self
            .client
            .update_item()
            .table_name(&self.tables.state)
            .key("pk", s(pk.clone()))
            .update_expression(
                "SET claimed_until = :lease, expires_at = :exp, #st = if_not_exists(#st, :claimed)",
            )
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at <= :now \
                 OR (#st <> :done AND claimed_until <= :now)",
            )
            .expression_attribute_names("#st", "state")
            .expression_attribute_values(":lease", n(lease))
            .expression_attribute_values(":exp", n(expires_at))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":claimed", s(CLAIMED))
            .expression_attribute_values(":done", s(DONE))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let old = match res {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                // Done, or claimed by someone else: read which.
                let item = self
                    .client
                    .get_item()
                    .table_name(&self.tables.state)
                    .key("pk", s(pk))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| unavailable("GetItem", e))?
                    .item
                    .unwrap_or_default();
                return Ok(if get_s(&item, "state") == Some(DONE) {
                    Claim::Done
                } else {
                    Claim::Busy
                });
            }
            Err(e) => return Err(unavailable("UpdateItem", e)),
        };
        let expired = get_n(&old, "expires_at").is_some_and(|at| at <= now);
        if old.is_empty() {
            return Ok(Claim::New);
        }
        if expired {
            // An old record the TTL has not deleted yet: start afresh.
            self.client
                .update_item()
                .table_name(&self.tables.state)
                .key("pk", s(pk))
                .update_expression("SET #st = :claimed REMOVE parts, sent")
                .condition_expression("claimed_until = :lease")
                .expression_attribute_names("#st", "state")
                .expression_attribute_values(":claimed", s(CLAIMED))
                .expression_attribute_values(":lease", n(lease))
                .send()
                .await
                .map_err(|e| unavailable("UpdateItem", e))?;
            return Ok(Claim::New);
        }
        if get_s(&old, "state") != Some(REPLYING) {
            return Ok(Claim::New);
        }
        let parts = match old.get("parts").map(AttributeValue::as_l) {
            Some(Ok(list)) => list
                .iter()
                .map(|v| v.as_s().cloned())
                .collect::<Result<Vec<String>, _>>()
                .map_err(|_| corrupt("reply", "a part is not a string"))?,
            _ => return Err(corrupt("reply", "no parts")),
        };
        let sent = get_n(&old, "sent")
            .unwrap_or(0)
            .clamp(0, parts.len() as i64) as usize;
        Ok(Claim::Resume { parts, sent })
    }

    async fn replying(&self, event_id: &str, parts: &[String]) -> Result<(), StoreError> {
        let list = AttributeValue::L(parts.iter().map(|p| s(p.clone())).collect());
        self.update_event(
            event_id,
            "SET #st = :replying, parts = :parts, sent = :zero",
            vec![
                (":replying", s(REPLYING)),
                (":parts", list),
                (":zero", n(0)),
            ],
        )
        .await
    }

    async fn sent(&self, event_id: &str, sent: usize) -> Result<(), StoreError> {
        self.update_event(event_id, "SET sent = :sent", vec![(":sent", n(sent))])
            .await
    }

    async fn done(&self, event_id: &str) -> Result<(), StoreError> {
        self.update_event(
            event_id,
            "SET #st = :done REMOVE parts, sent",
            vec![(":done", s(DONE))],
        )
        .await
    }

    async fn release(&self, event_id: &str) -> Result<(), StoreError> {
        self.update_event(event_id, "SET claimed_until = :zero", vec![(":zero", n(0))])
            .await
    }
}

#[async_trait]
impl EventLog for DynamoStore {
    async fn record(&self, event: Event) -> Result<(), StoreError> {
        let at = event.at();
        let json = serde_json::to_string(&event).map_err(|e| corrupt("event", e))?;
        // The random part keeps two events of the same second apart.
        let sk = format!("{at:011}#{}#{:08x}", event.kind(), rand_u32());
        self.client
            .put_item()
            .table_name(&self.tables.events)
            .item("pk", s(day_key(at)))
            .item("sk", s(sk))
            .item("kind", s(event.kind()))
            .item("event", s(json))
            .item("expires_at", n(at + super::EVENT_RETENTION))
            .send()
            .await
            .map_err(|e| unavailable("PutItem", e))?;
        Ok(())
    }

    async fn list(&self, from: i64, to: i64) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        for item in self.event_items(from, to, None).await? {
            out.push(stored_event(&item)?);
        }
        Ok(out)
    }

    async fn forget_conversation(
        &self,
        tag: &str,
        from: i64,
        to: i64,
    ) -> Result<usize, StoreError> {
        let mut deleted = 0;
        for item in self.event_items(from, to, Some("handover")).await? {
            let named = matches!(stored_event(&item)?, Event::Handover { conversation, .. } if conversation == tag);
            if !named {
                continue;
            }
            let (Some(pk), Some(sk)) = (item.get("pk"), item.get("sk")) else {
                return Err(corrupt("event", "no key"));
            };
            self.client
                .delete_item()
                .table_name(&self.tables.events)
                .key("pk", pk.clone())
                .key("sk", sk.clone())
                .send()
                .await
                .map_err(|e| unavailable("DeleteItem", e))?;
            deleted += 1;
        }
        Ok(deleted)
    }
}

/// The event an events-table item holds.
fn stored_event(item: &Item) -> Result<Event, StoreError> {
    let json = get_s(item, "event").ok_or_else(|| corrupt("event", "no event"))?;
    serde_json::from_str(json).map_err(|e| corrupt("event", e))
}

impl DynamoStore {
    /// The events table's items with `from <= at < to` (of one kind when
    /// given), oldest first: one query per day partition, page by page.
    async fn event_items(
        &self,
        from: i64,
        to: i64,
        kind: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        if to <= from {
            return Ok(out);
        }
        let mut day = from.div_euclid(86_400) * 86_400;
        while day < to {
            let mut start: Option<Item> = None;
            loop {
                let mut query = self
                    .client
                    .query()
                    .table_name(&self.tables.events)
                    .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                    .expression_attribute_values(":pk", s(day_key(day)))
                    .expression_attribute_values(":from", s(format!("{from:011}")))
                    // Every sort key of a second below `to` sorts before
                    // this bound ("#" < "~").
                    .expression_attribute_values(":to", s(format!("{:011}~", to - 1)))
                    .set_exclusive_start_key(start.take())
                    .set_limit(self.page_size);
                if let Some(kind) = kind {
                    query = query
                        .filter_expression("#kind = :kind")
                        .expression_attribute_names("#kind", "kind")
                        .expression_attribute_values(":kind", s(kind));
                }
                let res = query.send().await.map_err(|e| unavailable("Query", e))?;
                out.extend(res.items().iter().cloned());
                match res.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => break,
                }
            }
            day += 86_400;
        }
        Ok(out)
    }
}

fn conditional<T, E, R>(
    what: &str,
    res: Result<T, SdkError<E, R>>,
    failed: impl Fn(&E) -> bool,
) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match res {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(&failed) => Ok(false),
        Err(e) => Err(unavailable(what, e)),
    }
}

fn token_item(name: &str, token: &PlatformToken, version: u64) -> Item {
    // No `expires_at`: the table's TTL must never delete a token.
    HashMap::from([
        ("pk".to_owned(), s(format!("TOKEN#{name}"))),
        ("access".to_owned(), s(token.access.clone())),
        ("refresh".to_owned(), s(token.refresh.clone())),
        ("valid_until".to_owned(), n(token.valid_until)),
        ("version".to_owned(), n(version)),
    ])
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn token(&self, name: &str) -> Result<Option<PlatformToken>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.state)
            .key("pk", s(format!("TOKEN#{name}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let field = |f: &str| corrupt("token", format!("no {f}"));
        Ok(Some(PlatformToken {
            access: get_s(item, "access")
                .ok_or_else(|| field("access"))?
                .to_owned(),
            refresh: get_s(item, "refresh")
                .ok_or_else(|| field("refresh"))?
                .to_owned(),
            valid_until: get_n(item, "valid_until").ok_or_else(|| field("valid_until"))?,
            version: get_n(item, "version")
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| field("version"))?,
        }))
    }

    async fn seed(&self, name: &str, token: &PlatformToken) -> Result<bool, StoreError> {
        let res = self
            .client
            .put_item()
            .table_name(&self.tables.state)
            .set_item(Some(token_item(name, token, 1)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        conditional("PutItem", res, |e| {
            e.is_conditional_check_failed_exception()
        })
    }

    async fn lease(
        &self,
        name: &str,
        version: u64,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.tables.state)
            .key("pk", s(format!("TOKEN#{name}")))
            .update_expression("SET lease_until = :until")
            .condition_expression(
                "version = :v AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            )
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":v", n(version))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        conditional("UpdateItem", res, |e| {
            e.is_conditional_check_failed_exception()
        })
    }

    async fn replace(
        &self,
        name: &str,
        token: &PlatformToken,
        expected: u64,
    ) -> Result<(), StoreError> {
        let res = self
            .client
            .put_item()
            .table_name(&self.tables.state)
            .set_item(Some(token_item(name, token, expected + 1)))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(expected))
            .send()
            .await;
        match conditional("PutItem", res, |e| {
            e.is_conditional_check_failed_exception()
        })? {
            true => Ok(()),
            false => Err(StoreError::Conflict),
        }
    }
}

/// What a conditional `PutItem` asked for `ReturnValues::AllOld` did:
/// created or updated, or `None` when its condition failed.
fn written(
    res: Result<
        aws_sdk_dynamodb::operation::put_item::PutItemOutput,
        SdkError<
            aws_sdk_dynamodb::operation::put_item::PutItemError,
            aws_sdk_dynamodb::config::http::HttpResponse,
        >,
    >,
) -> Result<Option<Written>, StoreError> {
    match res {
        Ok(out) => Ok(Some(if out.attributes().is_some_and(|a| !a.is_empty()) {
            Written::Updated
        } else {
            Written::Created
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(unavailable("PutItem", e)),
    }
}

fn dossier_pk(code: &DossierCode) -> AttributeValue {
    s(format!("DOSSIER#{code}"))
}

impl DynamoStore {
    /// The JSON document (`doc`) of a data-table item, if the item exists.
    async fn data_doc<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
        consistent: bool,
        what: &str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.data)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let doc = get_s(item, "doc").ok_or_else(|| corrupt(what, "no doc"))?;
        serde_json::from_str(doc)
            .map(Some)
            .map_err(|e| corrupt(what, e))
    }
}

#[async_trait]
impl DossierStore for DynamoStore {
    async fn dossier(&self, code: &DossierCode) -> Result<Option<Dossier>, StoreError> {
        self.data_doc(format!("DOSSIER#{code}"), "STATUS", true, "dossier")
            .await
    }

    async fn put_dossier(&self, dossier: &Dossier) -> Result<Written, StoreError> {
        let doc = serde_json::to_string(dossier).map_err(|e| corrupt("dossier", e))?;
        let res = self
            .client
            .put_item()
            .table_name(&self.tables.data)
            .item("pk", dossier_pk(&dossier.code))
            .item("sk", s("STATUS"))
            .item("doc", s(doc.clone()))
            .item("updated_at", n(dossier.updated_at))
            .condition_expression("attribute_not_exists(pk) OR updated_at < :u")
            .expression_attribute_values(":u", n(dossier.updated_at))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        match written(res)? {
            Some(w) => Ok(w),
            // Stored with the same or a newer time: the same dossier again
            // is a redelivery, anything else a conflict.
            None => match self.dossier(&dossier.code).await? {
                Some(stored) if &stored == dossier => Ok(Written::Unchanged),
                _ => Err(StoreError::Conflict),
            },
        }
    }
}

#[async_trait]
impl RateLimiter for DynamoStore {
    async fn hit(&self, bucket: &str, limit: u32, expires_at: i64) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.tables.state)
            .key("pk", s(format!("RATE#{bucket}")))
            .update_expression("ADD hits :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(expires_at))
            .expression_attribute_values(":limit", n(limit))
            .send()
            .await;
        conditional("UpdateItem", res, |e| {
            e.is_conditional_check_failed_exception()
        })
    }
}

#[async_trait]
impl BusSource for DynamoStore {
    async fn network(&self) -> Result<Option<Network>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.data)
            .key("pk", s("BUS"))
            .key("sk", s("NETWORK"))
            .send()
            .await
            .map_err(|e| unavailable("GetItem", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let blob = item
            .get("doc")
            .and_then(|v| v.as_b().ok())
            .ok_or_else(|| corrupt("bus network", "no doc"))?;
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(blob.as_ref())
            .read_to_end(&mut json)
            .map_err(|e| corrupt("bus network", e))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| corrupt("bus network", e))
    }

    async fn publish_network(&self, network: &Network) -> Result<Written, StoreError> {
        let json = serde_json::to_vec(network).map_err(|e| corrupt("bus network", e))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&json).map_err(|e| corrupt("bus network", e))?;
        let bytes = gz.finish().map_err(|e| corrupt("bus network", e))?;
        if bytes.len() > MAX_ITEM_BYTES {
            return Err(StoreError::Unavailable(format!(
                "the bus network is {} KB compressed, more than one item holds",
                bytes.len() / 1024
            )));
        }
        let res = self
            .client
            .put_item()
            .table_name(&self.tables.data)
            .item("pk", s("BUS"))
            .item("sk", s("NETWORK"))
            .item("version", s(network.version.clone()))
            .item("doc", AttributeValue::B(Blob::new(bytes)))
            .condition_expression("attribute_not_exists(pk) OR version <> :v")
            .expression_attribute_values(":v", s(network.version.clone()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        Ok(written(res)?.unwrap_or(Written::Unchanged))
    }
}

/// Every notice lives in one partition (a city publishes hundreds a year,
/// not millions) under its id; kind and validity are filtered on.
const NOTICES_PK: &str = "NOTICES";

#[async_trait]
impl NoticeStore for DynamoStore {
    async fn notices(
        &self,
        kind: Option<NoticeKind>,
        from: i64,
        to: i64,
    ) -> Result<Vec<Notice>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.tables.data)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(NOTICES_PK))
                .filter_expression("valid_to > :from AND valid_from < :to")
                .expression_attribute_values(":from", n(from))
                .expression_attribute_values(":to", n(to))
                .set_exclusive_start_key(start.take())
                .set_limit(self.page_size);
            q = match kind {
                Some(k) => q
                    .filter_expression(
                        "notice_kind = :kind AND valid_to > :from AND valid_from < :to",
                    )
                    .expression_attribute_values(":kind", s(k.as_str())),
                None => q,
            };
            let res = q.send().await.map_err(|e| unavailable("Query", e))?;
            for item in res.items() {
                let doc = get_s(item, "doc").ok_or_else(|| corrupt("notice", "no doc"))?;
                out.push(serde_json::from_str(doc).map_err(|e| corrupt("notice", e))?);
            }
            match res.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn put_notice(&self, notice: &Notice) -> Result<Written, StoreError> {
        let doc = serde_json::to_string(notice).map_err(|e| corrupt("notice", e))?;
        let res = self
            .client
            .put_item()
            .table_name(&self.tables.data)
            .item("pk", s(NOTICES_PK))
            .item("sk", s(notice.id.clone()))
            .item("notice_kind", s(notice.kind.as_str()))
            .item("doc", s(doc.clone()))
            .item("valid_from", n(notice.valid_from))
            .item("valid_to", n(notice.valid_to))
            .condition_expression("attribute_not_exists(pk) OR doc <> :doc")
            .expression_attribute_values(":doc", s(doc))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        Ok(written(res)?.unwrap_or(Written::Unchanged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_keys_should_be_utc_dates() {
        assert_eq!(day_key(0), "DAY#1970-01-01");
        assert_eq!(day_key(1_795_341_600), "DAY#2026-11-22");
        assert_eq!(day_key(951_782_400), "DAY#2000-02-29");
        assert_eq!(day_key(-1), "DAY#1969-12-31");
    }

    #[test]
    fn snapshots_should_round_trip() {
        let entries = vec![Entry {
            code: ProcedureCode::parse("1.001193").unwrap(),
            name: "Đăng ký khai sinh".into(),
            url: "https://example.invalid/1".into(),
            levels: vec![],
            field: "Hộ tịch".into(),
            results: vec![],
            agencies: vec![],
        }];
        let engine = Engine::new(entries.clone(), Lexicon::embedded().unwrap());
        let bytes = encode_snapshot(&engine).unwrap();
        let loaded = decode_snapshot(&bytes).unwrap().unwrap();
        assert_eq!(loaded.entries(), entries);
        assert_eq!(
            loaded.search("dang ky khai sinh"),
            engine.search("dang ky khai sinh")
        );
        assert!(decode_snapshot(&bytes[..bytes.len() / 2]).is_err());
    }
}
