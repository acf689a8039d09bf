//! The conversation service: loads the state, asks the dialogue, fetches
//! what it needs, saves the new state (retrying version conflicts) and
//! carries out the effects. Channel adapters call [`Service::handle`].

use std::sync::Arc;

use crate::dialogue::{Dialogue, Effect, Fetched, Incoming, State};
use crate::lookup::Lookups;
use crate::reply::Reply;
use crate::store::{
    ConversationKey, ConversationStore, Event, EventLog, OperatorNotifier, ProcedureStore,
    StoreError,
};

/// How many times a message is re-applied when another message of the
/// same citizen saved the conversation meanwhile.
const MAX_ATTEMPTS: usize = 5;

/// Everything a channel needs to answer a message.
#[derive(Clone)]
pub struct Service {
    pub dialogue: Arc<Dialogue>,
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
        let mut attempt = 0;
        let turn = loop {
            attempt += 1;
            let state = self
                .conversations
                .load(key, now)
                .await?
                .unwrap_or_else(|| State::new(now));
            let plan = self.dialogue.plan(&state, incoming, now);
            let looked = match &plan.need {
                Some(need) => Some(self.lookups.lookup(need, now).await?),
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
            let turn = self
                .dialogue
                .respond(&state, plan, Fetched { looked, procedure }, now);
            match self
                .conversations
                .save(key, &turn.state, state.version)
                .await
            {
                Ok(()) => break turn,
                Err(StoreError::Conflict) if attempt < MAX_ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        };
        for effect in &turn.effects {
            match effect {
                Effect::Unanswered { query } => {
                    self.events
                        .record(Event::Unanswered {
                            channel: key.channel,
                            query: query.clone(),
                            at: now,
                        })
                        .await?
                }
                Effect::Feedback { procedure, helpful } => {
                    self.events
                        .record(Event::Feedback {
                            channel: key.channel,
                            procedure: procedure.clone(),
                            helpful: *helpful,
                            at: now,
                        })
                        .await?
                }
                Effect::Handover => {
                    self.events
                        .record(Event::Handover {
                            channel: key.channel,
                            conversation: key.log_tag(),
                            at: now,
                        })
                        .await?;
                    self.notifier.notify(key, now).await?;
                }
            }
        }
        Ok(turn.reply)
    }
}
