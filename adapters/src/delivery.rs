//! Handling one platform event at most once, as every webhook does: claim
//! it, read the message, record the reply before sending it part by part,
//! mark it done — or release it so that the platform's retry is handled
//! (resuming a reply cut short). The store side is
//! [`ProcessedEvents`](chatbot::store::ProcessedEvents).

use async_trait::async_trait;
use chatbot::dialogue::Incoming;
use chatbot::reply::Reply;
use chatbot::service::Service;
use chatbot::store::{Claim, ConversationKey, ProcessedEvents};

use crate::PROCESSED_EVENT_TTL;
use crate::outbound::Failure;

/// One event of a platform, as a webhook received it.
pub struct Received<'a> {
    /// The event's id in the processed-event register (`messenger:<mid>`…).
    pub id: &'a str,
    pub key: &'a ConversationKey,
    pub incoming: &'a Incoming,
    pub now: i64,
}

/// How a platform's replies go out to the citizen of one event.
#[async_trait]
pub trait Outgoing: Send + Sync {
    /// The platform, for logs ("Meta", "Zalo").
    fn platform(&self) -> &'static str;
    /// The reply as the platform's messages, in order (JSON).
    fn render(&self, reply: &Reply) -> Vec<String>;
    /// Sends one of those messages.
    async fn send(&self, part: &str) -> Result<(), Failure>;
}

/// Handles `ev` at most once, its reply going out through `out`. True
/// when the delivery is to be acknowledged; false when the platform is to
/// deliver it again (a transient failure, or another invocation handling
/// it).
pub async fn handle_once(
    processed: &dyn ProcessedEvents,
    service: &Service,
    ev: Received<'_>,
    out: &dyn Outgoing,
) -> bool {
    let tag = ev.key.log_tag();
    let result = match processed
        .claim(ev.id, ev.now, ev.now + PROCESSED_EVENT_TTL)
        .await
    {
        Ok(Claim::Done) => {
            tracing::info!(conversation = %tag, "redelivered event skipped");
            return true;
        }
        Ok(Claim::Busy) => {
            // Not ours to release: should its holder fail, this delivery
            // comes back and is handled then.
            tracing::info!(conversation = %tag, "event being handled by another invocation; left for a later delivery");
            return false;
        }
        Ok(Claim::Resume { parts, sent }) => {
            tracing::info!(conversation = %tag, sent, parts = parts.len(), "resuming a reply cut short");
            deliver(processed, ev.id, &parts, sent, out).await
        }
        Ok(Claim::New) => match service.handle(ev.key, ev.incoming, ev.now).await {
            Ok(Some(reply)) => {
                let parts = out.render(&reply);
                match processed.replying(ev.id, &parts).await {
                    Ok(()) => deliver(processed, ev.id, &parts, 0, out).await,
                    Err(e) => Err(Failure::Later(e.to_string())),
                }
            }
            Ok(None) => Ok(()),
            Err(e) => Err(Failure::Later(e.to_string())),
        },
        Err(e) => {
            tracing::error!(conversation = %tag, error = %e, "cannot record the event");
            return false;
        }
    };
    match result {
        Ok(()) | Err(Failure::Never(_)) => {
            if let Err(Failure::Never(e)) = &result {
                // The platform's retry would be refused the same way.
                tracing::error!(conversation = %tag, platform = out.platform(), error = %e, "reply refused by the platform; not retried");
            }
            if let Err(e) = processed.done(ev.id).await {
                // Sent in full: a redelivery after the lease would resend
                // nothing worse than the last part.
                tracing::warn!(conversation = %tag, error = %e, "event handled but not marked done");
            }
            true
        }
        Err(Failure::Later(e)) => {
            tracing::error!(conversation = %tag, platform = out.platform(), error = %e, "event not handled; left for the platform's retry");
            // Give the claim up so that the retry is handled at once;
            // failing that, the claim lapses after its lease.
            if let Err(e) = processed.release(ev.id).await {
                tracing::warn!(conversation = %tag, error = %e, "claim not released; it lapses by itself");
            }
            false
        }
    }
}

/// Sends `parts[from..]` in order, recording each one sent.
async fn deliver(
    processed: &dyn ProcessedEvents,
    id: &str,
    parts: &[String],
    from: usize,
    out: &dyn Outgoing,
) -> Result<(), Failure> {
    for (k, part) in parts.iter().enumerate().skip(from) {
        out.send(part).await?;
        if k + 1 < parts.len()
            && let Err(e) = processed.sent(id, k + 1).await
        {
            // Not fatal: should a later part fail, this one is sent again.
            tracing::warn!(error = %e, "progress of a reply not recorded");
        }
    }
    Ok(())
}
