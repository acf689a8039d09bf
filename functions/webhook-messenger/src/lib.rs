//! `webhook-messenger`: the Facebook Messenger webhook of the city's Page.
//!
//! - `GET /webhooks/messenger`: Meta's subscription check (verify token,
//!   compared in constant time; the challenge echoed as plain text);
//! - `POST /webhooks/messenger`: events, accepted only with a valid
//!   `X-Hub-Signature-256` over the raw body; batched entries and messages
//!   handled one by one, each at most once (deduplicated on `mid`); replies
//!   sent through the Send API (or the local outbox).

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::dialogue::Incoming;
use chatbot::reply::{Block, Reply, shorten, split_text};
use chatbot::service::Service;
use chatbot::store::{Channel, ConversationKey, ProcessedEvents};
use chatbot_adapters::apigw::{self, BadRequest};
use chatbot_adapters::delivery::{Outgoing, Received, handle_once};
use chatbot_adapters::outbound::{Failure, Outbound, OutboundRequest};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Messenger's limits (Send API reference).
pub mod limits {
    /// Text messages: fewer than 2,000 characters.
    pub const TEXT: usize = 1_999;
    /// Quick replies: at most 13, titles of at most 20 characters.
    pub const QUICK_REPLIES: usize = 13;
    pub const QUICK_REPLY_TITLE: usize = 20;
    pub const PAYLOAD: usize = 1_000;
    /// Button template: text of at most 640 characters, 1 to 3 buttons.
    pub const TEMPLATE_TEXT: usize = 640;
    pub const BUTTONS: usize = 3;
    pub const BUTTON_TITLE: usize = 20;
}

/// Most messaging events handled from one delivery. Meta batches a few;
/// anything far larger is not a genuine delivery.
pub const MAX_EVENTS: usize = 100;
/// The Get Started button's payload (set on the Page's messenger profile).
pub const GET_STARTED: &str = "GET_STARTED";

/// The webhook's configuration, from the environment.
#[derive(Clone)]
pub struct Config {
    app_secret: String,
    verify_token: String,
    page_token: Option<String>,
    graph_url: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("app_secret", &"<redacted>")
            .field("verify_token", &"<redacted>")
            .field(
                "page_token",
                &self.page_token.as_ref().map(|_| "<redacted>"),
            )
            .field("graph_url", &self.graph_url)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0} is not set")]
pub struct ConfigError(&'static str);

/// The test credentials of `events/webhook-messenger/` (not secrets: they
/// only ever sign the repository's own test events).
pub const TEST_APP_SECRET: &str = "test-app-secret";
pub const TEST_VERIFY_TOKEN: &str = "test-verify-token";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn new(
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
        page_token: Option<String>,
        graph_url: impl Into<String>,
    ) -> Self {
        Self {
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
            page_token,
            graph_url: graph_url.into().trim_end_matches('/').to_owned(),
        }
    }

    /// `MESSENGER_APP_SECRET` and `MESSENGER_VERIFY_TOKEN` (required),
    /// `MESSENGER_PAGE_TOKEN` (without it replies go to the local outbox),
    /// `MESSENGER_GRAPH_URL` (default: the Graph API).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(
            env("MESSENGER_APP_SECRET").ok_or(ConfigError("MESSENGER_APP_SECRET"))?,
            env("MESSENGER_VERIFY_TOKEN").ok_or(ConfigError("MESSENGER_VERIFY_TOKEN"))?,
            env("MESSENGER_PAGE_TOKEN"),
            env("MESSENGER_GRAPH_URL").unwrap_or_else(|| "https://graph.facebook.com/v21.0".into()),
        ))
    }

    /// For the local run: the environment when configured, else the test
    /// credentials (logged as such).
    pub fn from_env_or_local() -> Self {
        Self::from_env().unwrap_or_else(|e| {
            tracing::warn!("{e}: the Messenger webhook uses the test credentials of events/webhook-messenger/README.md");
            Self::new(TEST_APP_SECRET, TEST_VERIFY_TOKEN, env("MESSENGER_PAGE_TOKEN"), "https://graph.facebook.com/v21.0")
        })
    }

    /// Whether replies go to Meta (a Page token is configured).
    pub fn has_token(&self) -> bool {
        self.page_token.is_some()
    }
}

/// The function's dependencies, built once per cold start.
pub struct App {
    pub service: Service,
    pub processed: Arc<dyn ProcessedEvents>,
    pub outbound: Arc<dyn Outbound>,
    pub config: Config,
    pub clock: fn() -> i64,
}

/// Handles one API Gateway event. Never panics.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    match apigw::method(&req) {
        "GET" => verify(&app.config, &req),
        "POST" => receive(app, &req).await,
        _ => apigw::error(405, "method not allowed"),
    }
}

/// Constant-time equality of two byte strings (lengths may differ).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The subscription check.
fn verify(config: &Config, req: &ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let mode = apigw::query(req, "hub.mode");
    let token = apigw::query(req, "hub.verify_token").unwrap_or_default();
    let challenge = apigw::query(req, "hub.challenge").unwrap_or_default();
    let challenge_ok = !challenge.is_empty()
        && challenge.len() <= 128
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if mode.as_deref() == Some("subscribe")
        && same(token.as_bytes(), config.verify_token.as_bytes())
        && challenge_ok
    {
        apigw::text(200, challenge)
    } else {
        apigw::error(403, "verification failed")
    }
}

/// The `X-Hub-Signature-256` header Meta sends with `body`: `sha256=` and
/// the hex HMAC-SHA256 of the raw body under the app secret.
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under the
/// app secret. Checked over the raw bytes, in constant time.
pub fn signature_valid(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// An id Meta sends as a string (sometimes as a number).
#[derive(Debug, Clone)]
struct Id(String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if !s.is_empty() && s.len() <= 64 => Ok(Id(s)),
            Value::Number(n) => Ok(Id(n.to_string())),
            _ => Err(serde::de::Error::custom("not an id")),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Party {
    id: Id,
}

#[derive(Debug, Deserialize)]
struct QuickReply {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Attachment {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    payload: Value,
}

#[derive(Debug, Deserialize)]
struct Message {
    mid: Option<String>,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    quick_reply: Option<QuickReply>,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Debug, Deserialize)]
struct Postback {
    mid: Option<String>,
    payload: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Messaging {
    sender: Party,
    timestamp: Option<Value>,
    message: Option<Message>,
    postback: Option<Postback>,
}

/// One event worth answering: who, what, and the id it is deduplicated on.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub psid: String,
    pub id: String,
    pub incoming: Incoming,
}

/// Reads one `messaging` item; `None` for what is ignored (echoes,
/// deliveries, reads, unknown shapes).
fn event(item: &Value) -> Option<Event> {
    let m: Messaging = serde_json::from_value(item.clone()).ok()?;
    let psid = m.sender.id.0;
    if let Some(msg) = m.message {
        if msg.is_echo {
            return None;
        }
        let id = msg.mid.filter(|s| !s.is_empty() && s.len() <= 256)?;
        let incoming = if let Some(qr) = msg.quick_reply {
            Incoming::Choice(qr.payload)
        } else if let Some(text) = msg.text {
            Incoming::Text(text)
        } else if let Some(a) = msg.attachments.first() {
            attachment(a)
        } else {
            return None;
        };
        return Some(Event { psid, id, incoming });
    }
    if let Some(pb) = m.postback {
        let payload = pb.payload.unwrap_or_default();
        // Older postbacks carry no mid: the timestamp stands in.
        let ts = m.timestamp.map(|t| t.to_string()).unwrap_or_default();
        let id = pb
            .mid
            .filter(|s| !s.is_empty() && s.len() <= 256)
            .unwrap_or_else(|| format!("postback:{psid}:{ts}"));
        let incoming = if payload == GET_STARTED {
            Incoming::Start
        } else {
            Incoming::Choice(payload)
        };
        return Some(Event { psid, id, incoming });
    }
    None
}

fn attachment(a: &Attachment) -> Incoming {
    let kind = a.kind.as_deref().unwrap_or("unknown");
    if kind == "location" {
        let c = &a.payload["coordinates"];
        if let (Some(lat), Some(lng)) = (c["lat"].as_f64(), c["long"].as_f64()) {
            return Incoming::Location { lat, lng };
        }
    }
    Incoming::Unsupported(kind.chars().take(20).collect())
}

/// The events of a delivery, in order, at most [`MAX_EVENTS`].
pub fn events(body: &Value) -> Vec<Event> {
    let mut out = Vec::new();
    let entries = body["entry"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for entry in entries {
        let items = entry["messaging"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for item in items {
            if out.len() == MAX_EVENTS {
                tracing::warn!(
                    limit = MAX_EVENTS,
                    "delivery holds more events than handled"
                );
                return out;
            }
            if let Some(e) = event(item) {
                out.push(e);
            }
        }
    }
    out
}

async fn receive(app: &App, req: &ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let body = match apigw::body_bytes(req) {
        Ok(b) => b,
        Err(BadRequest::TooLarge) => return apigw::error(413, "request too large"),
        Err(e) => return apigw::error(400, &e.to_string()),
    };
    if !signature_valid(
        &app.config.app_secret,
        &body,
        apigw::header(req, "x-hub-signature-256"),
    ) {
        tracing::warn!("messenger delivery refused: missing or wrong signature");
        return apigw::error(403, "invalid signature");
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return apigw::error(400, "body is not JSON");
    };
    if json["object"].as_str() != Some("page") {
        // Signed by Meta but not a Page event: nothing to do, and no retry.
        return apigw::text(200, "ignored");
    }
    let now = (app.clock)();
    let mut failed = 0;
    // A citizen's messages are answered in the order sent: once one of a
    // sender's events is left for the retry (failed, or being handled by
    // another invocation), that sender's later events of this delivery
    // wait for the retry too.
    let mut held: Vec<String> = Vec::new();
    for ev in events(&json) {
        if held.contains(&ev.psid) {
            failed += 1;
            continue;
        }
        if !handle_event(app, &ev, now).await {
            failed += 1;
            held.push(ev.psid.clone());
        }
    }
    if failed > 0 {
        // Meta retries the whole delivery; the events that succeeded are
        // skipped then (done), the failed ones handled or resumed (released).
        return apigw::error(500, "some events could not be handled; please retry");
    }
    apigw::text(200, "EVENT_RECEIVED")
}

/// Handles one event at most once; true unless it failed in a way a retry
/// may mend.
async fn handle_event(app: &App, ev: &Event, now: i64) -> bool {
    let key = ConversationKey::new(Channel::Messenger, ev.psid.clone());
    let id = format!("messenger:{}", ev.id);
    let received = Received {
        id: &id,
        key: &key,
        incoming: &ev.incoming,
        now,
    };
    let out = SendApi {
        app,
        psid: &ev.psid,
    };
    handle_once(app.processed.as_ref(), &app.service, received, &out).await
}

/// Replies to one citizen through the Send API.
struct SendApi<'a> {
    app: &'a App,
    psid: &'a str,
}

#[async_trait::async_trait]
impl Outgoing for SendApi<'_> {
    fn platform(&self) -> &'static str {
        "Meta"
    }

    fn render(&self, reply: &Reply) -> Vec<String> {
        render(reply).iter().map(Value::to_string).collect()
    }

    async fn send(&self, part: &str) -> Result<(), Failure> {
        let message: Value = serde_json::from_str(part)
            .map_err(|e| Failure::Never(format!("stored reply part unreadable: {e}")))?;
        let config = &self.app.config;
        let url = match &config.page_token {
            Some(token) => format!("{}/me/messages?access_token={token}", config.graph_url),
            None => format!("{}/me/messages", config.graph_url),
        };
        let req = OutboundRequest {
            channel: "messenger",
            url,
            headers: Vec::new(),
            body: json!({
                "recipient": { "id": self.psid },
                "messaging_type": "RESPONSE",
                "message": message,
            }),
            form: false,
        };
        self.app.outbound.send(req).await?;
        Ok(())
    }
}

/// A phone number in the international form Messenger's call button wants:
/// "02361022" → "+842361022".
pub fn international(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    if digits.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("+84{rest}")
    } else {
        format!("+84{digits}")
    }
}

/// The Send API `message` objects for one reply, in order, within
/// Messenger's limits: long text split at word boundaries, links and calls
/// as a button template, choices as quick replies on the last message.
pub fn render(reply: &Reply) -> Vec<Value> {
    let text = reply.plain_text();
    let mut pieces = split_text(&text, limits::TEXT);
    let buttons: Vec<Value> = reply
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Link { title, url }
                if url.starts_with("https://") || url.starts_with("http://") =>
            {
                Some(json!({
                    "type": "web_url",
                    "url": url,
                    "title": shorten(title, limits::BUTTON_TITLE),
                }))
            }
            Block::Call { title, phone } => Some(json!({
                "type": "phone_number",
                "payload": international(phone),
                "title": shorten(title, limits::BUTTON_TITLE),
            })),
            _ => None,
        })
        .take(limits::BUTTONS)
        .collect();
    let mut messages: Vec<Value> = Vec::new();
    if !buttons.is_empty() {
        // The last piece of text carries the buttons when it fits the
        // template; otherwise a short lead-in does.
        let template_text = match pieces.last() {
            Some(last) if last.chars().count() <= limits::TEMPLATE_TEXT => {
                pieces.pop().unwrap_or_default()
            }
            _ => "Anh/Chị xem thêm:".to_owned(),
        };
        messages.extend(pieces.drain(..).map(|t| json!({ "text": t })));
        messages.push(json!({
            "attachment": {
                "type": "template",
                "payload": { "template_type": "button", "text": template_text, "buttons": buttons }
            }
        }));
    } else {
        messages.extend(pieces.drain(..).map(|t| json!({ "text": t })));
    }
    let quick: Vec<Value> = reply
        .choices
        .iter()
        .filter(|c| !c.payload.is_empty() && c.payload.len() <= limits::PAYLOAD)
        .take(limits::QUICK_REPLIES)
        .map(|c| json!({ "content_type": "text", "title": shorten(&c.title, limits::QUICK_REPLY_TITLE), "payload": c.payload }))
        .collect();
    if !quick.is_empty() {
        if messages.is_empty() {
            messages.push(json!({ "text": "Anh/Chị chọn giúp tôi:" }));
        }
        if let Some(last) = messages.last_mut() {
            last["quick_replies"] = Value::Array(quick);
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_signature_is_accepted_and_any_change_refused() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        let sig = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        let body = b"The quick brown fox jumps over the lazy dog";
        assert!(signature_valid("key", body, Some(sig)));
        assert!(!signature_valid(
            "key",
            b"The quick brown fox jumps over the lazy cog",
            Some(sig)
        ));
        assert!(!signature_valid("other", body, Some(sig)));
        assert!(!signature_valid(
            "key",
            body,
            Some("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        ));
        assert!(!signature_valid("key", body, Some("sha256=zz")));
        assert!(!signature_valid("key", body, None));
    }

    #[test]
    fn hotline_numbers_become_international() {
        assert_eq!(international("02361022"), "+842361022");
        assert_eq!(international("+842361022"), "+842361022");
        assert_eq!(international("0236 1022"), "+842361022");
    }
}
