//! `webhook-zalo`: the webhook of the city's Zalo Official Account.
//!
//! `POST /webhooks/zalo`: events accepted only with a valid
//! `X-ZEvent-Signature` (SHA-256 of app id + raw body + timestamp + OA
//! secret key; the documented variants accepted) and a timestamp within
//! five minutes; each message handled at most once (deduplicated on
//! `msg_id`); one combined reply sent through the OA customer-service API
//! (or the local outbox).

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::dialogue::Incoming;
use chatbot::reply::{Block, Reply, shorten};
use chatbot::service::Service;
use chatbot::store::{Channel, ConversationKey, ProcessedEvents};
use chatbot_adapters::apigw::{self, BadRequest};
use chatbot_adapters::delivery::{Outgoing, Received, handle_once};
use chatbot_adapters::outbound::{Failure, Outbound, OutboundRequest};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub mod tokens;

/// Zalo's limits for a customer-service message.
pub mod limits {
    pub const TEXT: usize = 2_000;
    pub const BUTTONS: usize = 5;
    pub const BUTTON_TITLE: usize = 100;
    pub const PAYLOAD: usize = 1_000;
}

/// How far an event's timestamp may be from now, in milliseconds.
pub const TIMESTAMP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The webhook's configuration, from the environment.
#[derive(Clone)]
pub struct Config {
    app_id: String,
    oa_secret_key: String,
    access_token: Option<String>,
    api_url: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("app_id", &self.app_id)
            .field("oa_secret_key", &"<redacted>")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("api_url", &self.api_url)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0} is not set")]
pub struct ConfigError(&'static str);

/// The test credentials of `events/webhook-zalo/` (not secrets: they only
/// ever sign the repository's own test events).
pub const TEST_APP_ID: &str = "1234567890123456789";
pub const TEST_OA_SECRET_KEY: &str = "test-oa-secret-key";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn new(
        app_id: impl Into<String>,
        oa_secret_key: impl Into<String>,
        access_token: Option<String>,
        api_url: impl Into<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            oa_secret_key: oa_secret_key.into(),
            access_token,
            api_url: api_url.into().trim_end_matches('/').to_owned(),
        }
    }

    /// `ZALO_APP_ID` and `ZALO_OA_SECRET_KEY` (required),
    /// `ZALO_ACCESS_TOKEN` (without it replies go to the local outbox),
    /// `ZALO_API_URL` (default: Zalo's Open API).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(
            env("ZALO_APP_ID").ok_or(ConfigError("ZALO_APP_ID"))?,
            env("ZALO_OA_SECRET_KEY").ok_or(ConfigError("ZALO_OA_SECRET_KEY"))?,
            env("ZALO_ACCESS_TOKEN"),
            env("ZALO_API_URL").unwrap_or_else(|| "https://openapi.zalo.me".into()),
        ))
    }

    /// For the local run: the environment when configured, else the test
    /// credentials (logged as such).
    pub fn from_env_or_local() -> Self {
        Self::from_env().unwrap_or_else(|e| {
            tracing::warn!(
                "{e}: the Zalo webhook uses the test credentials of events/webhook-zalo/README.md"
            );
            Self::new(
                TEST_APP_ID,
                TEST_OA_SECRET_KEY,
                env("ZALO_ACCESS_TOKEN"),
                "https://openapi.zalo.me",
            )
        })
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Whether replies go to Zalo (an access token is configured).
    pub fn has_token(&self) -> bool {
        self.access_token.is_some()
    }
}

/// The function's dependencies, built once per cold start.
pub struct App {
    pub service: Service,
    pub processed: Arc<dyn ProcessedEvents>,
    pub outbound: Arc<dyn Outbound>,
    pub config: Config,
    /// Tokens kept in the store and refreshed there (deployed); without
    /// them the configured access token is used as it is.
    pub tokens: Option<Arc<tokens::Tokens>>,
    /// Unix seconds now (tests fix it to the events' timestamps).
    pub clock: fn() -> i64,
}

/// The expected signature of a delivery: hex SHA-256 of app id, raw body,
/// timestamp and OA secret key, concatenated.
pub fn expected_signature(
    app_id: &str,
    body: &[u8],
    timestamp: &str,
    oa_secret_key: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(app_id.as_bytes());
    h.update(body);
    h.update(timestamp.as_bytes());
    h.update(oa_secret_key.as_bytes());
    hex::encode(h.finalize())
}

/// Whether the signature header matches, with or without the `mac=`
/// prefix, in any hex case; compared in constant time.
pub fn signature_valid(
    config: &Config,
    body: &[u8],
    timestamp: &str,
    header: Option<&str>,
) -> bool {
    let Some(h) = header.map(str::trim) else {
        return false;
    };
    let given = h.strip_prefix("mac=").unwrap_or(h).to_ascii_lowercase();
    let expected = expected_signature(&config.app_id, body, timestamp, &config.oa_secret_key);
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// A value Zalo sends as a string or a number, as text.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A coordinate given as a number or a string.
fn coordinate(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One event worth answering.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub user: String,
    pub id: String,
    pub incoming: Incoming,
}

/// Reads a delivery; `None` for what is ignored (unfollow, the OA's own
/// messages, unknown events).
pub fn event(body: &Value) -> Option<Event> {
    let name = body["event_name"].as_str()?;
    let ts = text_of(&body["timestamp"]).unwrap_or_default();
    if name == "follow" {
        let user = text_of(&body["follower"]["id"]).or_else(|| text_of(&body["user_id_by_app"]))?;
        return Some(Event {
            id: format!("follow:{user}:{ts}"),
            user,
            incoming: Incoming::Start,
        });
    }
    if !name.starts_with("user_send_") {
        return None;
    }
    let user = text_of(&body["sender"]["id"])?;
    let msg = &body["message"];
    let id = text_of(&msg["msg_id"]).unwrap_or_else(|| format!("{name}:{user}:{ts}"));
    let incoming = match name {
        "user_send_text" => Incoming::Text(msg["text"].as_str()?.to_owned()),
        "user_send_location" => {
            let c = &msg["attachments"][0]["payload"]["coordinates"];
            let lat = coordinate(&c["latitude"]).or_else(|| coordinate(&c["lat"]));
            let lng = coordinate(&c["longitude"]).or_else(|| coordinate(&c["long"]));
            match (lat, lng) {
                (Some(lat), Some(lng)) => Incoming::Location { lat, lng },
                _ => Incoming::Unsupported("location".into()),
            }
        }
        other => Incoming::Unsupported(
            other
                .trim_start_matches("user_send_")
                .chars()
                .take(20)
                .collect(),
        ),
    };
    Some(Event { user, id, incoming })
}

/// Handles one API Gateway event. Never panics.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    if apigw::method(&req) != "POST" {
        return apigw::error(405, "method not allowed");
    }
    let body = match apigw::body_bytes(&req) {
        Ok(b) => b,
        Err(BadRequest::TooLarge) => return apigw::error(413, "request too large"),
        Err(e) => return apigw::error(400, &e.to_string()),
    };
    // The timestamp is part of what is signed: read it before trusting
    // anything else, from the header or the body.
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let timestamp = apigw::header(&req, "x-zevent-timestamp")
        .map(str::to_owned)
        .or_else(|| json.as_ref().and_then(|j| text_of(&j["timestamp"])))
        .unwrap_or_default();
    if !signature_valid(
        &app.config,
        &body,
        &timestamp,
        apigw::header(&req, "x-zevent-signature"),
    ) {
        tracing::warn!("zalo delivery refused: missing or wrong signature");
        return apigw::error(401, "invalid signature");
    }
    let now = (app.clock)();
    match timestamp.trim().parse::<i64>() {
        Ok(ms) if (ms - now * 1000).abs() <= TIMESTAMP_WINDOW_MS => {}
        _ => {
            tracing::warn!("zalo delivery refused: timestamp outside the window");
            return apigw::error(401, "stale or missing timestamp");
        }
    }
    let Some(json) = json else {
        return apigw::error(400, "body is not JSON");
    };
    let Some(ev) = event(&json) else {
        return apigw::text(200, "ignored");
    };
    if handle_event(app, &ev, now).await {
        apigw::text(200, "ok")
    } else {
        apigw::error(500, "event could not be handled; please retry")
    }
}

/// Handles one event at most once; true unless it failed in a way a retry
/// may mend (then its claim is released, so that Zalo's retry is handled).
async fn handle_event(app: &App, ev: &Event, now: i64) -> bool {
    let key = ConversationKey::new(Channel::Zalo, ev.user.clone());
    let id = format!("zalo:{}", ev.id);
    let received = Received {
        id: &id,
        key: &key,
        incoming: &ev.incoming,
        now,
    };
    let out = OaApi {
        app,
        user: &ev.user,
    };
    handle_once(app.processed.as_ref(), &app.service, received, &out).await
}

/// Replies to one citizen through the OA customer-service API.
struct OaApi<'a> {
    app: &'a App,
    user: &'a str,
}

#[async_trait::async_trait]
impl Outgoing for OaApi<'_> {
    fn platform(&self) -> &'static str {
        "Zalo"
    }

    /// One combined message per reply.
    fn render(&self, reply: &Reply) -> Vec<String> {
        vec![render(reply).to_string()]
    }

    /// Sends one rendered `message` object (JSON) to the citizen.
    async fn send(&self, message: &str) -> Result<(), Failure> {
        let message: Value = serde_json::from_str(message)
            .map_err(|e| Failure::Never(format!("stored reply unreadable: {e}")))?;
        let mut headers = Vec::new();
        let token = match &self.app.tokens {
            Some(tokens) => tokens
                .access_token((self.app.clock)())
                .await
                .map_err(Failure::Later)?,
            None => self.app.config.access_token.clone(),
        };
        if let Some(token) = token {
            headers.push(("access_token".to_owned(), token));
        }
        let req = OutboundRequest {
            channel: "zalo",
            url: format!("{}/v3.0/oa/message/cs", self.app.config.api_url),
            headers,
            body: json!({ "recipient": { "user_id": self.user }, "message": message }),
            form: false,
        };
        let resp = self.app.outbound.send(req).await?;
        // Zalo answers 200 with its own error code; 0 is success. Its codes
        // do not tell a lasting refusal from a passing one reliably: retried.
        match resp.body.get("error").and_then(Value::as_i64) {
            Some(0) | None => Ok(()),
            Some(code) => Err(Failure::Later(format!(
                "zalo refused the message (error {code})"
            ))),
        }
    }
}

/// The one `message` object for a reply, within Zalo's limits: text of at
/// most 2,000 characters (cut at a word boundary; links stay reachable as
/// buttons) and at most 5 buttons — links and calls first (the portal page,
/// the hotline), then the choices in the order offered.
pub fn render(reply: &Reply) -> Value {
    let text = shorten(&reply.plain_text(), limits::TEXT);
    let mut buttons: Vec<Value> = Vec::new();
    for b in &reply.blocks {
        match b {
            Block::Link { title, url }
                if url.starts_with("https://") || url.starts_with("http://") =>
            {
                buttons.push(json!({
                    "title": shorten(title, limits::BUTTON_TITLE),
                    "type": "oa.open.url",
                    "payload": { "url": url },
                }))
            }
            Block::Call { title, phone } => buttons.push(json!({
                "title": shorten(title, limits::BUTTON_TITLE),
                "type": "oa.open.phone",
                "payload": { "phone_code": phone },
            })),
            _ => {}
        }
    }
    buttons.truncate(2);
    for c in &reply.choices {
        if buttons.len() == limits::BUTTONS {
            break;
        }
        if c.payload.is_empty() || c.payload.len() > limits::PAYLOAD {
            continue;
        }
        buttons.push(json!({
            "title": shorten(&c.title, limits::BUTTON_TITLE),
            "type": "oa.query.hide",
            "payload": c.payload,
        }));
    }
    let mut message = json!({ "text": if text.is_empty() { "…".to_owned() } else { text } });
    if !buttons.is_empty() {
        message["attachment"] = json!({ "type": "template", "payload": { "buttons": buttons } });
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_signature_is_accepted_in_every_documented_form() {
        let c = Config::new("app", "key", None, "http://x");
        // sha256("app" + "body" + "1700000000000" + "key"), computed apart.
        let actual = expected_signature("app", b"body", "1700000000000", "key");
        assert_eq!(
            actual,
            "ebb98b7394729d41366736b5c398c568ba7778d0bfe52fae33a83e6d56ae676d"
        );
        assert!(signature_valid(&c, b"body", "1700000000000", Some(&actual)));
        assert!(signature_valid(
            &c,
            b"body",
            "1700000000000",
            Some(&format!("mac={actual}"))
        ));
        assert!(signature_valid(
            &c,
            b"body",
            "1700000000000",
            Some(&actual.to_uppercase())
        ));
        assert!(!signature_valid(
            &c,
            b"body!",
            "1700000000000",
            Some(&actual)
        ));
        assert!(!signature_valid(
            &c,
            b"body",
            "1700000000001",
            Some(&actual)
        ));
        assert!(!signature_valid(&c, b"body", "1700000000000", None));
    }
}
