//! The conversation service: loads the state, asks the dialogue, fetches
//! what it needs, saves the new state (retrying version conflicts) and
//! carries out the effects. Channel adapters call [`Service::handle`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arc_swap::ArcSwap;

use crate::dialogue::{Dialogue, Effect, Fetched, Incoming, State, Texts};
use crate::lookup::{Looked, Lookups};
use crate::reply::Reply;
use crate::store::{
    CatalogueSource, ConversationKey, ConversationStore, Event, EventLog, OperatorNotifier,
    ProcedureStore, Snapshot, StoreError,
};
use crate::text::lexicon::Sources;

/// How often (seconds) a warm function asks whether editors published a new
/// catalogue: a new version is answered from within a minute.
pub const CATALOGUE_CHECK_INTERVAL: i64 = 60;

/// The dialogue over the current catalogue. Fixed, or refreshed from a
/// [`CatalogueSource`]: at most once per [`CATALOGUE_CHECK_INTERVAL`] a
/// message first reads the current version (one small read) and, when it
/// changed, loads the new snapshot and swaps the engine. Messages being
/// answered keep the engine they started with.
pub struct LiveDialogue {
    current: ArcSwap<Dialogue>,
    version: ArcSwap<String>,
    next_check: AtomicI64,
    source: Option<Arc<dyn CatalogueSource>>,
    texts: Texts,
}

impl LiveDialogue {
    /// A dialogue that never changes (the embedded catalogue, tests).
    pub fn fixed(dialogue: Dialogue) -> Self {
        Self {
            texts: dialogue.texts().clone(),
            current: ArcSwap::from_pointee(dialogue),
            version: ArcSwap::from_pointee(String::new()),
            next_check: AtomicI64::new(i64::MAX),
            source: None,
        }
    }

    /// Loads the current snapshot from `source` (the cold start) and keeps
    /// following it.
    pub async fn load(
        source: Arc<dyn CatalogueSource>,
        texts: Texts,
        now: i64,
    ) -> Result<Self, crate::Error> {
        let snapshot = source
            .snapshot()
            .await
            .map_err(|e| crate::Error::Store(e.to_string()))?
            .ok_or_else(|| {
                crate::Error::Store(
                    "no catalogue has been imported yet (chatbot import catalogue …)".into(),
                )
            })?;
        let version = snapshot.version.clone();
        let dialogue = build(snapshot, texts.clone())?;
        Ok(Self {
            current: ArcSwap::from_pointee(dialogue),
            version: ArcSwap::from_pointee(version),
            next_check: AtomicI64::new(now + CATALOGUE_CHECK_INTERVAL),
            source: Some(source),
            texts,
        })
    }

    /// The dialogue to answer with now.
    pub fn get(&self) -> Arc<Dialogue> {
        self.current.load_full()
    }

    /// The catalogue version answered from (empty when fixed).
    pub fn version(&self) -> Arc<String> {
        self.version.load_full()
    }

    /// Checks for a new catalogue when the interval has passed. Failures
    /// are logged and leave the current catalogue in place (checked again
    /// at the next interval): answering goes on.
    pub async fn refresh_if_due(&self, now: i64) {
        let Some(source) = &self.source else { return };
        let due = self.next_check.load(Ordering::Acquire);
        if now < due
            || self
                .next_check
                .compare_exchange(
                    due,
                    now + CATALOGUE_CHECK_INTERVAL,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_err()
        {
            return;
        }
        match source.current_version().await {
            Ok(Some(v)) if v != *self.version.load_full() => {}
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "catalogue version check failed");
                return;
            }
        }
        match source.snapshot().await {
            Ok(Some(snapshot)) => {
                let version = snapshot.version.clone();
                match build(snapshot, self.texts.clone()) {
                    Ok(d) => {
                        self.current.store(Arc::new(d));
                        tracing::info!(version = %version, "catalogue refreshed");
                        self.version.store(Arc::new(version));
                    }
                    Err(e) => tracing::error!(error = %e, "new catalogue rejected"),
                }
            }
            Ok(None) => {
                tracing::warn!("the catalogue snapshot disappeared; keeping the current one")
            }
            Err(e) => tracing::warn!(error = %e, "catalogue snapshot load failed"),
        }
    }
}

fn build(snapshot: Snapshot, texts: Texts) -> Result<Dialogue, crate::Error> {
    if snapshot.entries().is_empty() {
        return Err(crate::Error::Store(format!(
            "catalogue version {} has no procedures",
            snapshot.version
        )));
    }
    // A catalogue imported before this function's lexicon changed was
    // indexed with the old one: index its entries again with ours.
    let engine = if snapshot.engine.lexicon().source_digest == Sources::EMBEDDED.digest() {
        snapshot.engine
    } else {
        tracing::info!(
            version = %snapshot.version,
            "catalogue indexed with another lexicon; indexing it again"
        );
        Snapshot::new(snapshot.version.clone(), snapshot.entries().to_vec())?.engine
    };
    Ok(Dialogue::new(engine, texts))
}

/// How many times a message is re-applied when another message of the
/// same citizen saved the conversation meanwhile.
const MAX_ATTEMPTS: usize = 5;

/// Everything a channel needs to answer a message.
#[derive(Clone)]
pub struct Service {
    pub dialogue: Arc<LiveDialogue>,
    pub procedures: Arc<dyn ProcedureStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub events: Arc<dyn EventLog>,
    pub notifier: Arc<dyn OperatorNotifier>,
    pub lookups: Arc<dyn Lookups>,
}

impl Service {
    /// Answers one message; `None` means stay silent (an operator has the
    /// conversation).
    pub async fn handle(
        &self,
        key: &ConversationKey,
        incoming: &Incoming,
        now: i64,
    ) -> Result<Option<Reply>, StoreError> {
        self.dialogue.refresh_if_due(now).await;
        let dialogue = self.dialogue.get();
        let mut attempt = 0;
        let turn = loop {
            attempt += 1;
            let state = self
                .conversations
                .load(key, now)
                .await?
                .unwrap_or_else(|| State::new(now));
            let plan = dialogue.plan(&state, incoming, now);
            let looked = match &plan.need {
                // A failed lookup is answered ("try again later"), not
                // retried by the platform: the citizen hears back now.
                Some(need) => Some(match self.lookups.lookup(key, need, now).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "lookup failed");
                        Looked::Failed
                    }
                }),
                None => None,
            };
            // Without a procedure's details the dialogue still answers
            // (the portal link and the hotline): a store hiccup must not
            // leave the citizen without a reply.
            let procedure = match &plan.procedure {
                Some(code) => match self.procedures.procedure(code).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e, "procedure details unavailable");
                        None
                    }
                },
                None => None,
            };
            let turn = dialogue.respond(&state, plan, Fetched { looked, procedure }, now);
            match self
                .conversations
                .save(key, &turn.state, state.version, now)
                .await
            {
                Ok(()) => break turn,
                Err(StoreError::Conflict) if attempt < MAX_ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        };
        // The conversation is saved: what follows must not fail the
        // message (a retry would read it again on the saved state). A
        // failed record is logged for the operators instead.
        for effect in &turn.effects {
            let (kind, result) = match effect {
                Effect::Unanswered { query } => (
                    "unanswered",
                    self.events
                        .record(Event::Unanswered {
                            channel: key.channel,
                            query: query.clone(),
                            at: now,
                        })
                        .await,
                ),
                Effect::Feedback { procedure, helpful } => (
                    "feedback",
                    self.events
                        .record(Event::Feedback {
                            channel: key.channel,
                            procedure: procedure.clone(),
                            helpful: *helpful,
                            at: now,
                        })
                        .await,
                ),
                Effect::Handover => {
                    let recorded = self
                        .events
                        .record(Event::Handover {
                            channel: key.channel,
                            conversation: key.log_tag(),
                            at: now,
                        })
                        .await;
                    let notified = self.notifier.notify(key, now).await;
                    ("handover", recorded.and(notified))
                }
            };
            if let Err(e) = result {
                tracing::error!(conversation = %key.log_tag(), effect = kind, error = %e, "effect of a message not recorded");
            }
        }
        tracing::info!(
            conversation = %key.log_tag(),
            incoming = incoming.kind(),
            replied = turn.reply.is_some(),
            effects = turn.effects.len(),
            "message handled"
        );
        Ok(turn.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Engine, Entry};
    use crate::text::lexicon::Lexicon;

    fn entries() -> Vec<Entry> {
        vec![
            serde_json::from_str(
                r#"{"code":"1.001193","name":"Thủ tục đăng ký khai sinh","url":"https://dichvucong.gov.vn/p?ma=1.001193","levels":["commune"],"field":"Hộ tịch"}"#,
            )
            .unwrap(),
        ]
    }

    #[test]
    fn a_snapshot_indexed_with_another_lexicon_should_be_indexed_again() {
        let other = Lexicon::parse(Sources {
            chat: "ko\tkhông\n",
            ..Sources::EMBEDDED
        })
        .unwrap();
        assert_ne!(other.source_digest, Sources::EMBEDDED.digest());
        let snapshot = Snapshot {
            version: "v1".into(),
            engine: Arc::new(Engine::new(entries(), other)),
        };
        let dialogue = build(snapshot, Texts::default()).unwrap();
        assert_eq!(
            dialogue.engine().lexicon().source_digest,
            Sources::EMBEDDED.digest()
        );
        assert_eq!(dialogue.engine().entries(), entries());

        // With the same lexicon, the published engine is used as it is.
        let snapshot = Snapshot::new("v2".into(), entries()).unwrap();
        let engine = snapshot.engine.clone();
        let dialogue = build(snapshot, Texts::default()).unwrap();
        assert!(std::ptr::eq(dialogue.engine(), &*engine));
    }
}
