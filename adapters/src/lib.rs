//! `chatbot-adapters`: what the Lambda functions and the local server share
//! at the edge — never business rules (those live in the `chatbot` crate).
//!
//! - [`apigw`]: reading API Gateway HTTP API (payload v2) requests and
//!   building responses, bounded and without panics on hostile input;
//! - [`delivery`]: one platform event handled at most once, its reply
//!   resumed when cut short;
//! - [`outbound`]: calls to the platforms' send APIs with timeouts and
//!   retries, and the local outbox that stands in for them;
//! - [`routes`]: the one route table (local server, SAM template);
//! - [`lambda`]: the Lambda runtime loop around a function's handler;
//! - [`embedded`]: the embedded default — the catalogue shipped in `data/`
//!   and in-memory stores;
//! - [`stores`]: the choice between the embedded default and DynamoDB;
//! - [`logging`]: structured logs without citizens' text.

pub mod apigw;
pub mod delivery;
pub mod embedded;
pub mod lambda;
pub mod logging;
pub mod outbound;
pub mod routes;
pub mod stores;

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// How long processed platform events are remembered: longer than any
/// platform retries (Messenger up to 36 h, Zalo about 12 h).
pub const PROCESSED_EVENT_TTL: i64 = 72 * 3600;
