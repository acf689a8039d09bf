//! In-memory implementations of the storage ports: the embedded default for
//! the local run and the reference the DynamoDB store is tested against.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use async_trait::async_trait;

use super::{
    BusSource, CLAIM_LEASE, CatalogueSource, Claim, ConversationKey, ConversationStore,
    DossierStore, Event, EventLog, NoticeStore, OperatorNotifier, PlatformToken, ProcedureStore,
    ProcessedEvents, RateLimiter, Snapshot, StoreError, TokenStore, Written,
};
use crate::bus::Network;
use crate::catalogue::{Procedure, ProcedureCode};
use crate::dialogue::State;
use crate::dossier::{Dossier, DossierCode};
use crate::lookup::NoticeKind;
use crate::notices::Notice;

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Unavailable("memory store lock poisoned".into())
}

/// Procedures in a map.
#[derive(Debug, Default)]
pub struct MemoryProcedures {
    by_code: RwLock<HashMap<ProcedureCode, Procedure>>,
}

fn by_code(procedures: impl IntoIterator<Item = Procedure>) -> HashMap<ProcedureCode, Procedure> {
    procedures
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect()
}

impl MemoryProcedures {
    pub fn new(procedures: impl IntoIterator<Item = Procedure>) -> Self {
        Self {
            by_code: RwLock::new(by_code(procedures)),
        }
    }

    /// Replaces every procedure (a new catalogue version).
    pub fn replace(&self, procedures: impl IntoIterator<Item = Procedure>) {
        let new = by_code(procedures);
        if let Ok(mut m) = self.by_code.write() {
            *m = new;
        }
    }
}

#[async_trait]
impl ProcedureStore for MemoryProcedures {
    async fn procedure(&self, code: &ProcedureCode) -> Result<Option<Procedure>, StoreError> {
        Ok(self.by_code.read().map_err(poisoned)?.get(code).cloned())
    }
}

/// Conversations in a map.
#[derive(Debug, Default)]
pub struct MemoryConversations {
    states: Mutex<HashMap<String, State>>,
}

impl MemoryConversations {
    /// Every stored state with its key, for inspection.
    pub fn stored(&self) -> Vec<(String, State)> {
        self.states
            .lock()
            .map(|s| s.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}

#[async_trait]
impl ConversationStore for MemoryConversations {
    async fn load(&self, key: &ConversationKey, now: i64) -> Result<Option<State>, StoreError> {
        let states = self.states.lock().map_err(poisoned)?;
        Ok(states
            .get(&key.storage_key())
            .filter(|s| s.expires_at > now)
            .cloned())
    }

    async fn save(
        &self,
        key: &ConversationKey,
        state: &State,
        expected: u64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut states = self.states.lock().map_err(poisoned)?;
        let stored = states
            .get(&key.storage_key())
            .filter(|s| s.expires_at > now)
            .map_or(0, |s| s.version);
        if stored != expected {
            return Err(StoreError::Conflict);
        }
        let mut saved = state.clone();
        saved.version = expected + 1;
        states.insert(key.storage_key(), saved);
        Ok(())
    }

    async fn delete(&self, key: &ConversationKey) -> Result<(), StoreError> {
        self.states
            .lock()
            .map_err(poisoned)?
            .remove(&key.storage_key());
        Ok(())
    }
}

/// Processed events and how far each got.
#[derive(Debug, Default)]
pub struct MemoryProcessedEvents {
    seen: Mutex<HashMap<String, Handling>>,
}

#[derive(Debug, Clone)]
struct Handling {
    expires_at: i64,
    claimed_until: i64,
    done: bool,
    /// The reply recorded to send, and how many of its parts went out.
    parts: Option<Vec<String>>,
    sent: usize,
}

impl MemoryProcessedEvents {
    /// Drops expired records (TTL deletion is lazy in DynamoDB too).
    pub fn purge(&self, now: i64) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.retain(|_, h| h.expires_at > now);
        }
    }

    /// The replies kept for resuming, for inspection.
    pub fn kept_replies(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|s| {
                s.values()
                    .filter_map(|h| h.parts.clone())
                    .flatten()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn update(&self, event_id: &str, f: impl FnOnce(&mut Handling)) -> Result<(), StoreError> {
        if let Some(h) = self.seen.lock().map_err(poisoned)?.get_mut(event_id) {
            f(h);
        }
        Ok(())
    }
}

#[async_trait]
impl ProcessedEvents for MemoryProcessedEvents {
    async fn claim(&self, event_id: &str, now: i64, expires_at: i64) -> Result<Claim, StoreError> {
        let mut seen = self.seen.lock().map_err(poisoned)?;
        let lease = now + CLAIM_LEASE;
        match seen.get_mut(event_id) {
            Some(h) if h.expires_at > now => {
                if h.done {
                    return Ok(Claim::Done);
                }
                if h.claimed_until > now {
                    return Ok(Claim::Busy);
                }
                h.claimed_until = lease;
                h.expires_at = expires_at;
                Ok(match &h.parts {
                    Some(parts) => Claim::Resume {
                        parts: parts.clone(),
                        sent: h.sent,
                    },
                    None => Claim::New,
                })
            }
            _ => {
                seen.insert(
                    event_id.to_owned(),
                    Handling {
                        expires_at,
                        claimed_until: lease,
                        done: false,
                        parts: None,
                        sent: 0,
                    },
                );
                Ok(Claim::New)
            }
        }
    }

    async fn replying(&self, event_id: &str, parts: &[String]) -> Result<(), StoreError> {
        self.update(event_id, |h| {
            h.parts = Some(parts.to_vec());
            h.sent = 0;
        })
    }

    async fn sent(&self, event_id: &str, sent: usize) -> Result<(), StoreError> {
        self.update(event_id, |h| h.sent = sent)
    }

    async fn done(&self, event_id: &str) -> Result<(), StoreError> {
        self.update(event_id, |h| {
            h.done = true;
            h.parts = None;
        })
    }

    async fn release(&self, event_id: &str) -> Result<(), StoreError> {
        self.update(event_id, |h| h.claimed_until = 0)
    }
}

/// Events kept in order.
#[derive(Debug, Default)]
pub struct MemoryEventLog {
    events: Mutex<Vec<Event>>,
}

impl MemoryEventLog {
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl EventLog for MemoryEventLog {
    async fn record(&self, event: Event) -> Result<(), StoreError> {
        self.events.lock().map_err(poisoned)?.push(event);
        Ok(())
    }

    async fn list(&self, from: i64, to: i64) -> Result<Vec<Event>, StoreError> {
        let mut out: Vec<Event> = self
            .events
            .lock()
            .map_err(poisoned)?
            .iter()
            .filter(|e| (from..to).contains(&e.at()))
            .cloned()
            .collect();
        out.sort_by_key(Event::at);
        Ok(out)
    }

    async fn forget_conversation(
        &self,
        tag: &str,
        from: i64,
        to: i64,
    ) -> Result<usize, StoreError> {
        let mut events = self.events.lock().map_err(poisoned)?;
        let before = events.len();
        events.retain(|e| {
            !(matches!(e, Event::Handover { conversation, .. } if conversation == tag)
                && (from..to).contains(&e.at()))
        });
        Ok(before - events.len())
    }
}

/// A catalogue snapshot held in memory; [`MemoryCatalogue::publish`]
/// replaces it (tests of the refresh, the local run).
#[derive(Debug, Default)]
pub struct MemoryCatalogue {
    current: Mutex<Option<Snapshot>>,
}

impl MemoryCatalogue {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            current: Mutex::new(Some(snapshot)),
        }
    }

    pub fn publish(&self, snapshot: Snapshot) {
        if let Ok(mut c) = self.current.lock() {
            *c = Some(snapshot);
        }
    }
}

#[async_trait]
impl CatalogueSource for MemoryCatalogue {
    async fn current_version(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .current
            .lock()
            .map_err(poisoned)?
            .as_ref()
            .map(|s| s.version.clone()))
    }

    async fn snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        Ok(self.current.lock().map_err(poisoned)?.clone())
    }
}

/// Remembers which conversations asked for a human (tests, local run).
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    notified: Mutex<Vec<ConversationKey>>,
}

impl MemoryNotifier {
    pub fn notified(&self) -> Vec<ConversationKey> {
        self.notified.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl OperatorNotifier for MemoryNotifier {
    async fn notify(&self, key: &ConversationKey, _at: i64) -> Result<(), StoreError> {
        self.notified.lock().map_err(poisoned)?.push(key.clone());
        Ok(())
    }
}

/// Tokens with their refresh leases.
#[derive(Debug, Default)]
pub struct MemoryTokens {
    tokens: Mutex<HashMap<String, (PlatformToken, Option<i64>)>>,
}

#[async_trait]
impl TokenStore for MemoryTokens {
    async fn token(&self, name: &str) -> Result<Option<PlatformToken>, StoreError> {
        Ok(self
            .tokens
            .lock()
            .map_err(poisoned)?
            .get(name)
            .map(|(t, _)| t.clone()))
    }

    async fn seed(&self, name: &str, token: &PlatformToken) -> Result<bool, StoreError> {
        let mut tokens = self.tokens.lock().map_err(poisoned)?;
        if tokens.contains_key(name) {
            return Ok(false);
        }
        let mut t = token.clone();
        t.version = 1;
        tokens.insert(name.to_owned(), (t, None));
        Ok(true)
    }

    async fn lease(
        &self,
        name: &str,
        version: u64,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let mut tokens = self.tokens.lock().map_err(poisoned)?;
        match tokens.get_mut(name) {
            Some((t, lease)) if t.version == version && lease.is_none_or(|l| l < now) => {
                *lease = Some(until);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn replace(
        &self,
        name: &str,
        token: &PlatformToken,
        expected: u64,
    ) -> Result<(), StoreError> {
        let mut tokens = self.tokens.lock().map_err(poisoned)?;
        match tokens.get_mut(name) {
            Some(entry) if entry.0.version == expected => {
                let mut t = token.clone();
                t.version = expected + 1;
                *entry = (t, None);
                Ok(())
            }
            _ => Err(StoreError::Conflict),
        }
    }
}

/// Dossiers in a map.
#[derive(Debug, Default)]
pub struct MemoryDossiers {
    by_code: RwLock<HashMap<DossierCode, Dossier>>,
}

impl MemoryDossiers {
    pub fn new(dossiers: impl IntoIterator<Item = Dossier>) -> Self {
        Self {
            by_code: RwLock::new(dossiers.into_iter().map(|d| (d.code.clone(), d)).collect()),
        }
    }
}

#[async_trait]
impl DossierStore for MemoryDossiers {
    async fn dossier(&self, code: &DossierCode) -> Result<Option<Dossier>, StoreError> {
        Ok(self.by_code.read().map_err(poisoned)?.get(code).cloned())
    }

    async fn put_dossier(&self, dossier: &Dossier) -> Result<Written, StoreError> {
        let mut m = self.by_code.write().map_err(poisoned)?;
        let written = match m.get(&dossier.code) {
            None => Written::Created,
            Some(old) if old == dossier => return Ok(Written::Unchanged),
            Some(old) if old.updated_at >= dossier.updated_at => return Err(StoreError::Conflict),
            Some(_) => Written::Updated,
        };
        m.insert(dossier.code.clone(), dossier.clone());
        Ok(written)
    }
}

/// Request counts in a map (one process: the local run and tests).
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    counts: Mutex<HashMap<String, (u32, i64)>>,
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, bucket: &str, limit: u32, expires_at: i64) -> Result<bool, StoreError> {
        let mut counts = self.counts.lock().map_err(poisoned)?;
        // Forget finished windows now and then, so the map stays small.
        if counts.len() > 10_000 {
            let oldest = expires_at - 3 * 60;
            counts.retain(|_, (_, exp)| *exp > oldest);
        }
        let (n, _) = counts.entry(bucket.to_owned()).or_insert((0, expires_at));
        if *n >= limit {
            return Ok(false);
        }
        *n += 1;
        Ok(true)
    }
}

/// The bus network in memory.
#[derive(Debug, Default)]
pub struct MemoryBus {
    network: RwLock<Option<Network>>,
}

impl MemoryBus {
    pub fn new(network: Network) -> Self {
        Self {
            network: RwLock::new(Some(network)),
        }
    }
}

#[async_trait]
impl BusSource for MemoryBus {
    async fn network(&self) -> Result<Option<Network>, StoreError> {
        Ok(self.network.read().map_err(poisoned)?.clone())
    }

    async fn publish_network(&self, network: &Network) -> Result<Written, StoreError> {
        let mut current = self.network.write().map_err(poisoned)?;
        let written = match current.as_ref() {
            None => Written::Created,
            Some(n) if n.version == network.version => return Ok(Written::Unchanged),
            Some(_) => Written::Updated,
        };
        *current = Some(network.clone());
        Ok(written)
    }
}

/// Notices in a map by id.
#[derive(Debug, Default)]
pub struct MemoryNotices {
    by_id: RwLock<HashMap<String, Notice>>,
}

impl MemoryNotices {
    pub fn new(notices: impl IntoIterator<Item = Notice>) -> Self {
        Self {
            by_id: RwLock::new(notices.into_iter().map(|n| (n.id.clone(), n)).collect()),
        }
    }
}

#[async_trait]
impl NoticeStore for MemoryNotices {
    async fn notices(
        &self,
        kind: Option<NoticeKind>,
        from: i64,
        to: i64,
    ) -> Result<Vec<Notice>, StoreError> {
        Ok(self
            .by_id
            .read()
            .map_err(poisoned)?
            .values()
            .filter(|n| kind.is_none_or(|k| n.kind == k) && n.overlaps(from, to))
            .cloned()
            .collect())
    }

    async fn put_notice(&self, notice: &Notice) -> Result<Written, StoreError> {
        let mut m = self.by_id.write().map_err(poisoned)?;
        let written = match m.get(&notice.id) {
            None => Written::Created,
            Some(n) if n == notice => return Ok(Written::Unchanged),
            Some(_) => Written::Updated,
        };
        m.insert(notice.id.clone(), notice.clone());
        Ok(written)
    }
}
