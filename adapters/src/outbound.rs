//! Calls to the platforms' send APIs: real HTTP with explicit timeouts and a
//! bounded number of retries with exponential backoff and jitter on
//! failures worth retrying (network errors, timeouts, 5xx, rate limits);
//! and the local [`Outbox`] that stands in for the platforms when no tokens
//! are configured.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

/// One outbound call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundRequest {
    /// Which platform ("messenger", "zalo"), for logs and the outbox.
    pub channel: &'static str,
    /// The full URL. May carry a token in its query: never logged.
    #[serde(skip)]
    pub url: String,
    /// Extra headers (an access token header, …). Never logged.
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: serde_json::Value,
    /// Send `body` (an object of strings) form-encoded instead of as JSON
    /// (OAuth token endpoints).
    #[serde(skip)]
    pub form: bool,
}

/// What the platform answered.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundResponse {
    pub status: u16,
    pub body: serde_json::Value,
}

/// Why an outbound call failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("{channel}: gave up after {attempts} attempts: {last}")]
    GaveUp {
        channel: &'static str,
        attempts: u32,
        last: String,
    },
    #[error("{channel}: refused with status {status}")]
    Refused { channel: &'static str, status: u16 },
}

impl OutboundError {
    /// Whether the platform refused the request itself, so that sending it
    /// again cannot succeed (a malformed message, a citizen who cannot be
    /// messaged): 400, 404, 422… Rate limits and authorisation failures
    /// (a token to renew or to fix) are not: they may pass later.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if !matches!(status, 401 | 403 | 408 | 429))
    }
}

/// Why a reply did not reach the citizen, and whether the platform's retry
/// of the event may still deliver it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Transient (a store or the platform unavailable): ask for the retry.
    Later(String),
    /// The platform refused the message: retrying cannot help.
    Never(String),
}

impl From<OutboundError> for Failure {
    fn from(e: OutboundError) -> Self {
        if e.is_permanent() {
            Self::Never(e.to_string())
        } else {
            Self::Later(e.to_string())
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Later(e) | Self::Never(e) => f.write_str(e),
        }
    }
}

/// Sends outbound calls.
#[async_trait]
pub trait Outbound: Send + Sync {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError>;
}

/// When and how often to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Delay before the first retry; doubled each time, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Per attempt, connection and response together.
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for RetryPolicy {
    /// Fits inside the platforms' webhook deadlines: Zalo wants its 200
    /// within 2 s, so three attempts of at most 600 ms with short waits.
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(80),
            max_delay: Duration::from_millis(400),
            timeout: Duration::from_millis(600),
            connect_timeout: Duration::from_millis(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `n` (1-based): exponential, capped,
    /// with full jitter so that many functions do not retry in step.
    pub fn delay(&self, n: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << n.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let jitter: f64 = rand::random();
        cap.mul_f64(0.5 + jitter / 2.0)
    }
}

/// Whether an answer is worth another attempt: server errors and rate
/// limits are; other client errors are not (the request itself is wrong).
pub fn retryable(status: u16) -> bool {
    status == 429 || status >= 500
}

/// Real HTTP, with the retry policy.
#[derive(Debug, Clone)]
pub struct HttpOutbound {
    client: reqwest::Client,
    policy: RetryPolicy,
}

impl HttpOutbound {
    pub fn new(policy: RetryPolicy) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()?;
        Ok(Self { client, policy })
    }
}

#[async_trait]
impl Outbound for HttpOutbound {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let mut last = String::new();
        for attempt in 1..=self.policy.attempts.max(1) {
            if attempt > 1 {
                tokio::time::sleep(self.policy.delay(attempt - 1)).await;
            }
            let mut call = if req.form {
                let pairs: Vec<(&str, &str)> = req
                    .body
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                            .collect()
                    })
                    .unwrap_or_default();
                self.client.post(&req.url).form(&pairs)
            } else {
                self.client.post(&req.url).json(&req.body)
            };
            for (k, v) in &req.headers {
                call = call.header(k, v);
            }
            match call.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .json::<serde_json::Value>()
                        .await
                        .unwrap_or(serde_json::Value::Null);
                    if (200..300).contains(&status) {
                        return Ok(OutboundResponse { status, body });
                    }
                    if !retryable(status) {
                        tracing::warn!(channel = req.channel, status, "outbound call refused");
                        return Err(OutboundError::Refused {
                            channel: req.channel,
                            status,
                        });
                    }
                    last = format!("status {status}");
                }
                // The error text may hold the URL and its token: keep only
                // its kind.
                Err(e) if e.is_timeout() => last = "timeout".into(),
                Err(e) if e.is_connect() => last = "connection failed".into(),
                Err(_) => last = "transport error".into(),
            }
            tracing::warn!(channel = req.channel, attempt, reason = %last, "outbound call failed");
        }
        Err(OutboundError::GaveUp {
            channel: req.channel,
            attempts: self.policy.attempts.max(1),
            last,
        })
    }
}

/// What was sent, kept instead of calling a platform (local run, tests).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub channel: &'static str,
    pub body: serde_json::Value,
}

/// Keeps outbound calls in memory (listed at `GET /dev/outbox` by the local
/// server) and answers like a platform that accepted them.
#[derive(Debug, Default)]
pub struct Outbox {
    items: Mutex<Vec<OutboxItem>>,
}

/// The outbox keeps at most this many items (oldest dropped).
const OUTBOX_LIMIT: usize = 500;

impl Outbox {
    pub fn items(&self) -> Vec<OutboxItem> {
        self.items.lock().map(|i| i.clone()).unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut i) = self.items.lock() {
            i.clear();
        }
    }
}

#[async_trait]
impl Outbound for Outbox {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        if let Ok(mut items) = self.items.lock() {
            if items.len() >= OUTBOX_LIMIT {
                items.remove(0);
            }
            items.push(OutboxItem {
                channel: req.channel,
                body: req.body,
            });
        }
        Ok(OutboundResponse {
            status: 200,
            body: serde_json::json!({ "outbox": true }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_and_stay_capped() {
        let p = RetryPolicy::default();
        for n in 1..10 {
            let d = p.delay(n);
            assert!(d <= p.max_delay, "{d:?}");
            assert!(d >= p.base_delay / 2, "{d:?}");
        }
    }

    #[test]
    fn refusals_are_permanent_unless_they_may_pass() {
        let refused = |status| OutboundError::Refused {
            channel: "messenger",
            status,
        };
        assert!(refused(400).is_permanent() && refused(404).is_permanent());
        assert!(!refused(401).is_permanent() && !refused(403).is_permanent());
        assert!(!refused(429).is_permanent());
        let gave_up = OutboundError::GaveUp {
            channel: "zalo",
            attempts: 3,
            last: "timeout".into(),
        };
        assert!(!gave_up.is_permanent());
        assert_eq!(
            Failure::from(refused(400)),
            Failure::Never("messenger: refused with status 400".into())
        );
    }

    #[test]
    fn only_server_errors_and_rate_limits_are_retried() {
        assert!(retryable(500) && retryable(503) && retryable(429));
        assert!(!retryable(400) && !retryable(403) && !retryable(404));
    }
}
