//! Storage ports: small traits the service talks to, implemented in memory
//! here ([`memory`]) and on DynamoDB by the deployed functions.
//!
//! Nothing stored here holds message text: conversations keep codes and
//! choices, events keep redacted queries (known words only).

#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod memory;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::bus::Network;
use crate::catalogue::{Entry, Procedure, ProcedureCode};
use crate::dialogue::State;
use crate::dossier::{Dossier, DossierCode};
use crate::lookup::NoticeKind;
use crate::notices::Notice;

/// Why a store call failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// Someone else saved a newer version first (optimistic concurrency):
    /// load again and retry.
    #[error("the conversation changed meanwhile (version conflict)")]
    Conflict,
    /// The store could not be reached or refused the call.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Which conversation: the channel and the citizen's id on it (a page-scoped
/// or app-scoped id, or the web widget's random session id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConversationKey {
    pub channel: Channel,
    pub user: String,
}

impl ConversationKey {
    pub fn new(channel: Channel, user: impl Into<String>) -> Self {
        Self {
            channel,
            user: user.into(),
        }
    }

    /// The storage key, e.g. `messenger#1234`.
    pub fn storage_key(&self) -> String {
        format!("{}#{}", self.channel.as_str(), self.user)
    }

    /// A short, stable, non-reversible tag for logs: ids are personal data
    /// enough not to be logged in clear.
    pub fn log_tag(&self) -> String {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let h = BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(self.storage_key());
        format!("{}:{:08x}", self.channel.as_str(), (h >> 32) as u32)
    }
}

/// The channels citizens reach the bot on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Messenger,
    Zalo,
    Web,
    /// The terminal (`chatbot chat`) and tests.
    Local,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Messenger => "messenger",
            Self::Zalo => "zalo",
            Self::Web => "web",
            Self::Local => "local",
        }
    }
}

/// The procedures' details, fetched when one is answered.
#[async_trait]
pub trait ProcedureStore: Send + Sync {
    async fn procedure(&self, code: &ProcedureCode) -> Result<Option<Procedure>, StoreError>;
}

/// Conversation state by key, with optimistic concurrency.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The state, unless there is none or it has expired at `now`.
    async fn load(&self, key: &ConversationKey, now: i64) -> Result<Option<State>, StoreError>;
    /// Saves `state` if the stored version is still `expected` (0: none
    /// stored yet, or only one expired at `now`); the saved state carries
    /// version `expected + 1`. Otherwise [`StoreError::Conflict`].
    async fn save(
        &self,
        key: &ConversationKey,
        state: &State,
        expected: u64,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Deletes everything kept for this conversation (a citizen's request).
    async fn delete(&self, key: &ConversationKey) -> Result<(), StoreError>;
}

/// How long a claim on an event keeps other invocations off it: longer
/// than a webhook function may run (its timeout is 6 s), so that a claim
/// outlives its holder only when the holder died without releasing it.
pub const CLAIM_LEASE: i64 = 60;

/// What a webhook is to do with a platform event it received (see
/// [`ProcessedEvents::claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Not handled yet: the caller handles it.
    New,
    /// Handled up to its reply, which was not wholly sent: the caller
    /// sends `parts[sent..]` (the platform's own message bodies, as JSON)
    /// instead of reading the message again, so that the citizen gets
    /// each part once and the conversation does not move twice.
    Resume { parts: Vec<String>, sent: usize },
    /// Handled: the caller skips it and acknowledges the delivery.
    Done,
    /// Being handled by another invocation: the caller leaves it alone and
    /// asks the platform to deliver it again later (should that invocation
    /// fail, or die without releasing its claim, a later delivery is
    /// handled; acknowledging this one would lose the event).
    Busy,
}

/// The platform events the webhooks received and how far each got: a
/// redelivered event is answered once, a failed one is handled again on
/// the platform's retry, and a reply cut short resumes where it stopped.
/// Every record carries `expires_at` (deleted by the table's TTL).
#[async_trait]
pub trait ProcessedEvents: Send + Sync {
    /// Claims `event_id` until `now + CLAIM_LEASE`: [`Claim::New`] when it
    /// was not recorded (or its record expired before `now`), or when an
    /// earlier claim lapsed or was released before a reply was recorded;
    /// [`Claim::Resume`] when a recorded reply was not wholly sent;
    /// [`Claim::Done`] when it is done; [`Claim::Busy`] while someone
    /// else's claim lasts. Of concurrent claims, one wins.
    async fn claim(&self, event_id: &str, now: i64, expires_at: i64) -> Result<Claim, StoreError>;
    /// Records the reply to send, in parts, none sent yet.
    async fn replying(&self, event_id: &str, parts: &[String]) -> Result<(), StoreError>;
    /// Records that the first `sent` parts went out.
    async fn sent(&self, event_id: &str, sent: usize) -> Result<(), StoreError>;
    /// Marks the event handled: later deliveries are skipped. The reply
    /// kept for resuming is dropped.
    async fn done(&self, event_id: &str) -> Result<(), StoreError>;
    /// Gives the claim up after a failure, so that the platform's retry is
    /// handled at once (without it, once the lease lapses).
    async fn release(&self, event_id: &str) -> Result<(), StoreError>;
}

/// A platform's OAuth tokens (Zalo OA), kept where every function reads
/// them. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct PlatformToken {
    pub access: String,
    /// Single-use: a refresh spends it and yields the next one.
    pub refresh: String,
    /// When the access token stops working (unix seconds).
    pub valid_until: i64,
    /// Optimistic-concurrency version; 0 before the first save.
    pub version: u64,
}

impl std::fmt::Debug for PlatformToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformToken")
            .field("access", &"<redacted>")
            .field("refresh", &"<redacted>")
            .field("valid_until", &self.valid_until)
            .field("version", &self.version)
            .finish()
    }
}

/// Tokens that several function instances share and refresh: a refresh
/// spends a single-use refresh token, so exactly one instance may do it.
/// It first takes a short lease with a conditional write
/// ([`TokenStore::lease`]); the others keep using the current token.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn token(&self, name: &str) -> Result<Option<PlatformToken>, StoreError>;
    /// Stores the first token (from the deployment's secret) unless one is
    /// stored already; true if this call stored it.
    async fn seed(&self, name: &str, token: &PlatformToken) -> Result<bool, StoreError>;
    /// Takes the right to refresh until `until`, if the stored token is
    /// still `version` and nobody holds an unexpired lease at `now`; true
    /// if taken.
    async fn lease(
        &self,
        name: &str,
        version: u64,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError>;
    /// Saves the refreshed token (version `expected + 1`, lease released)
    /// if the stored one is still `expected`; else [`StoreError::Conflict`].
    async fn replace(
        &self,
        name: &str,
        token: &PlatformToken,
        expected: u64,
    ) -> Result<(), StoreError>;
}

/// Something editors and operators learn from, without personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A question the bot could not answer, reduced to the words the bot
    /// knows (anything else — names, numbers — is masked).
    Unanswered {
        channel: Channel,
        query: String,
        at: i64,
    },
    /// "Hữu ích" / "Chưa đúng" after an answer.
    Feedback {
        channel: Channel,
        procedure: ProcedureCode,
        helpful: bool,
        at: i64,
    },
    /// A citizen asked for a human operator.
    Handover {
        channel: Channel,
        conversation: String,
        at: i64,
    },
}

impl Event {
    pub fn at(&self) -> i64 {
        match self {
            Self::Unanswered { at, .. } | Self::Feedback { at, .. } | Self::Handover { at, .. } => {
                *at
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unanswered { .. } => "unanswered",
            Self::Feedback { .. } => "feedback",
            Self::Handover { .. } => "handover",
        }
    }
}

/// How long events are kept (180 days): long enough for editors to learn
/// from a season of questions.
pub const EVENT_RETENTION: i64 = 180 * 24 * 3600;

/// Where events go (DynamoDB in AWS, memory and the log locally).
#[async_trait]
pub trait EventLog: Send + Sync {
    async fn record(&self, event: Event) -> Result<(), StoreError>;
    /// The events with `from <= at < to`, oldest first.
    async fn list(&self, from: i64, to: i64) -> Result<Vec<Event>, StoreError>;
    /// Deletes the events of `from <= at < to` that name one conversation
    /// (handovers, by its log tag); how many were deleted.
    async fn forget_conversation(&self, tag: &str, from: i64, to: i64)
    -> Result<usize, StoreError>;
}

/// What [`forget_citizen`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    /// The conversation state (0 or 1).
    pub conversations: usize,
    /// Events naming the conversation (handovers).
    pub events: usize,
}

/// Deletes what is kept about one citizen of one channel, on request: the
/// conversation state, and the events that name the conversation over the
/// events' whole retention. Other records hold nothing that leads to the
/// citizen: unanswered questions are masked, feedback names a procedure,
/// processed-event records hold platform message ids and expire within
/// 72 h, lookup counters within two minutes.
pub async fn forget_citizen(
    conversations: &dyn ConversationStore,
    events: &dyn EventLog,
    key: &ConversationKey,
    now: i64,
) -> Result<Forgotten, StoreError> {
    let had = conversations.load(key, now).await?.is_some();
    conversations.delete(key).await?;
    let events = events
        .forget_conversation(&key.log_tag(), now - EVENT_RETENTION, now + 86_400)
        .await?;
    Ok(Forgotten {
        conversations: usize::from(had),
        events,
    })
}

/// The catalogue's search engine, published as one versioned unit: what
/// every function loads at its cold start, ready to answer (no index to
/// build).
#[derive(Clone)]
pub struct Snapshot {
    /// Changes whenever anything in the imported catalogue changes.
    pub version: String,
    pub engine: std::sync::Arc<crate::catalogue::Engine>,
}

impl Snapshot {
    /// The engine over `entries` with the embedded lexicon.
    pub fn new(version: String, entries: Vec<Entry>) -> Result<Self, crate::Error> {
        let lexicon = crate::text::lexicon::Lexicon::embedded()?;
        Ok(Self {
            version,
            engine: std::sync::Arc::new(crate::catalogue::Engine::new(entries, lexicon)),
        })
    }

    pub fn entries(&self) -> &[Entry] {
        self.engine.entries()
    }
}

/// Two snapshots are equal when their version and entries are.
impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.entries() == other.entries()
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("version", &self.version)
            .field("entries", &self.entries().len())
            .finish()
    }
}

/// Where the current catalogue snapshot is read from.
#[async_trait]
pub trait CatalogueSource: Send + Sync {
    /// The version of the current snapshot (one small read), if any.
    async fn current_version(&self) -> Result<Option<String>, StoreError>;
    /// The current snapshot, if any.
    async fn snapshot(&self) -> Result<Option<Snapshot>, StoreError>;
}

/// Tells the operators' desk that a citizen waits for a human.
#[async_trait]
pub trait OperatorNotifier: Send + Sync {
    async fn notify(&self, key: &ConversationKey, at: i64) -> Result<(), StoreError>;
}

/// What a write of reference data did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Written {
    /// Nothing was stored under this key before.
    Created,
    /// A stored older version was replaced.
    Updated,
    /// The same version was stored already: nothing changed (a redelivered
    /// push).
    Unchanged,
}

/// Dossier status, pushed by the one-stop system and read by citizens.
#[async_trait]
pub trait DossierStore: Send + Sync {
    async fn dossier(&self, code: &DossierCode) -> Result<Option<Dossier>, StoreError>;
    /// Stores `dossier` unless a newer one (greater `updated_at`) is stored:
    /// then [`StoreError::Conflict`], as for a different dossier pushed with
    /// the same `updated_at`. The same dossier again is
    /// [`Written::Unchanged`].
    async fn put_dossier(&self, dossier: &Dossier) -> Result<Written, StoreError>;
}

/// Counts requests in fixed windows, across function instances.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request against `bucket` (a key and its window, e.g.
    /// `dossier#web#abc#29436100`); true while the count stays within
    /// `limit`. The count may be forgotten after `expires_at`.
    async fn hit(&self, bucket: &str, limit: u32, expires_at: i64) -> Result<bool, StoreError>;
}

/// Counts one request of `key` against a limit per minute: true if allowed.
pub async fn within_rate(
    limiter: &dyn RateLimiter,
    what: &str,
    key: &str,
    per_minute: u32,
    now: i64,
) -> Result<bool, StoreError> {
    let window = now.div_euclid(60);
    limiter
        .hit(
            &format!("{what}#{key}#{window}"),
            per_minute,
            (window + 2) * 60,
        )
        .await
}

/// The bus network, published as one versioned document (it is small: a
/// few hundred stops) and indexed in memory where it is read.
#[async_trait]
pub trait BusSource: Send + Sync {
    /// The published network, if any.
    async fn network(&self) -> Result<Option<Network>, StoreError>;
    /// Publishes `network`; [`Written::Unchanged`] when that version is
    /// already the published one.
    async fn publish_network(&self, network: &Network) -> Result<Written, StoreError>;
}

/// City notices, written by the city's editors through `chatbot import
/// notices`.
#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// The notices of `kind` (every kind when `None`) in force at some
    /// moment of `[from, to)`, in no particular order.
    async fn notices(
        &self,
        kind: Option<NoticeKind>,
        from: i64,
        to: i64,
    ) -> Result<Vec<Notice>, StoreError>;
    /// Stores a notice under its id (the editors' file is the truth: a
    /// changed notice replaces the stored one).
    async fn put_notice(&self, notice: &Notice) -> Result<Written, StoreError>;
}
