//! `webhook-web`: the chat endpoint of the web widget on the city's
//! public-service portal, and the widget script itself.
//!
//! - `POST /chat` with `{"session_id": "<guest id>", "text": "<message>"}`,
//!   or `"choice": "<payload>"` for a tapped button, or `"start": true` on a
//!   first visit → the reply as JSON;
//! - `OPTIONS /chat`: CORS preflight for the portal's origins;
//! - `GET /widget.js`: the embeddable widget.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::dialogue::Incoming;
use chatbot::reply::{Block, Reply};
use chatbot::service::Service;
use chatbot::store::{Channel, ConversationKey};
use chatbot_adapters::apigw::{self, BadRequest};
use http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde_json::{Value, json};

/// The widget, served at `GET /widget.js`.
pub const WIDGET_JS: &str = include_str!("../assets/widget.js");
/// A demo of the city portal with the widget, served at `/` by the local
/// server.
pub const PORTAL_HTML: &str = include_str!("../assets/portal.html");

/// Longest message a citizen may send, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Longest choice payload.
pub const MAX_CHOICE_CHARS: usize = 200;

/// Where the widget may be embedded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Origins allowed to call `/chat` from a browser (`PORTAL_ORIGIN`,
    /// comma-separated).
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("PORTAL_ORIGIN holds an origin that is not http(s)://host[:port]: {0:?}")]
pub struct ConfigError(String);

impl Config {
    /// From `PORTAL_ORIGIN`; the local server's own origin when unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        let raw = std::env::var("PORTAL_ORIGIN")
            .unwrap_or_else(|_| "http://localhost:3000,http://127.0.0.1:3000".into());
        let mut allowed_origins = Vec::new();
        for o in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && !o.contains(char::is_whitespace);
            if !ok {
                return Err(ConfigError(o.to_owned()));
            }
            allowed_origins.push(o.to_owned());
        }
        Ok(Self { allowed_origins })
    }
}

/// The function's dependencies, built once per cold start.
pub struct App {
    pub service: Service,
    pub config: Config,
    pub clock: fn() -> i64,
}

#[derive(Debug, Deserialize)]
struct ChatRequest {
    session_id: Option<Value>,
    text: Option<Value>,
    choice: Option<Value>,
    #[serde(default)]
    start: Option<Value>,
}

/// Why a chat request was refused, with a message for the widget.
#[derive(Debug)]
struct Refused(u16, &'static str);

/// Handles one API Gateway event. Never panics; bad input gets a 4xx with
/// a clear message.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let method = apigw::method(&req).to_owned();
    let path = req.raw_path.clone().unwrap_or_default();
    let origin = apigw::header(&req, "origin").map(str::to_owned);
    let cors = cors_headers(&app.config, origin.as_deref());
    match (method.as_str(), path.as_str()) {
        ("GET", "/widget.js") => {
            let mut r = apigw::response(200, "application/javascript; charset=utf-8", WIDGET_JS);
            r.headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            apigw::with_headers(r, cors)
        }
        ("OPTIONS", "/chat") => {
            if cors.is_empty() {
                return apigw::error(403, "origin not allowed");
            }
            let mut r = apigw::empty(204);
            r.headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST, OPTIONS"),
            );
            r.headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            );
            r.headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            apigw::with_headers(r, cors)
        }
        ("POST", "/chat") => {
            // A browser on another site must not talk to the city's bot in
            // its citizens' name; requests without an Origin (server to
            // server, curl) are allowed.
            if origin.is_some() && cors.is_empty() {
                return apigw::error(403, "origin not allowed");
            }
            let r = match chat(app, &req).await {
                Ok(r) => r,
                Err(Refused(status, message)) => apigw::error(status, message),
            };
            apigw::with_headers(r, cors)
        }
        _ => apigw::error(404, "not found"),
    }
}

/// CORS headers for an allowed origin; none for any other.
fn cors_headers(config: &Config, origin: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(o) = origin
        && config.allowed_origins.iter().any(|a| a == o)
        && let Ok(v) = HeaderValue::from_str(o)
    {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    h
}

fn session_ok(s: &str) -> bool {
    (8..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn chat(
    app: &App,
    req: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, Refused> {
    let body = apigw::body_bytes(req).map_err(|e| match e {
        BadRequest::TooLarge => Refused(413, "request too large"),
        BadRequest::NotBase64 => Refused(400, "body is not valid base64"),
        BadRequest::Missing => Refused(
            400,
            "missing body: send {\"session_id\": \"…\", \"text\": \"…\"}",
        ),
    })?;
    let parsed: ChatRequest = serde_json::from_slice(&body).map_err(|_| {
        Refused(
            400,
            "body must be a JSON object: {\"session_id\": \"…\", \"text\": \"…\"}",
        )
    })?;
    let session = match &parsed.session_id {
        Some(Value::String(s)) if session_ok(s) => s.clone(),
        _ => {
            return Err(Refused(
                400,
                "session_id must be 8 to 64 letters, digits, '-' or '_'",
            ));
        }
    };
    let incoming = match (&parsed.text, &parsed.choice, &parsed.start) {
        (Some(Value::String(t)), None, _) => {
            let t = t.trim();
            if t.chars().count() > MAX_TEXT_CHARS {
                return Err(Refused(
                    413,
                    "message too long: 1000 characters at most (tin nhắn quá dài: tối đa 1000 ký tự)",
                ));
            }
            Incoming::Text(t.to_owned())
        }
        (None, Some(Value::String(c)), _) => {
            if c.chars().count() > MAX_CHOICE_CHARS {
                return Err(Refused(400, "choice too long"));
            }
            Incoming::Choice(c.trim().to_owned())
        }
        (None, None, Some(Value::Bool(true))) => Incoming::Start,
        (Some(_), Some(_), _) => return Err(Refused(400, "send either text or choice, not both")),
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(Refused(400, "text and choice must be strings"));
        }
        (None, None, _) => return Err(Refused(400, "send text, choice, or start: true")),
    };
    let key = ConversationKey::new(Channel::Web, session);
    match app.service.handle(&key, &incoming, (app.clock)()).await {
        Ok(reply) => Ok(apigw::json(200, &render(reply.as_ref()))),
        Err(e) => {
            tracing::error!(conversation = %key.log_tag(), error = %e, "chat message not handled");
            Err(Refused(
                503,
                "the assistant is busy, please try again (trợ lý ảo đang bận, Anh/Chị vui lòng thử lại)",
            ))
        }
    }
}

/// The reply as the widget reads it. Silence (an operator has the
/// conversation) is an empty reply.
pub fn render(reply: Option<&Reply>) -> Value {
    let Some(reply) = reply else {
        return json!({ "messages": [], "choices": [] });
    };
    let messages: Vec<Value> = reply
        .blocks
        .iter()
        .map(|b| match b {
            Block::Text { text } => json!({ "type": "text", "text": text }),
            Block::Link { title, url } => json!({ "type": "link", "title": title, "url": url }),
            Block::Call { title, phone } => {
                json!({ "type": "call", "title": title, "phone": phone })
            }
        })
        .collect();
    let choices: Vec<Value> = reply
        .choices
        .iter()
        .map(|c| json!({ "title": c.title, "payload": c.payload }))
        .collect();
    json!({ "messages": messages, "choices": choices })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_bounded_and_plain() {
        assert!(session_ok("abcDEF12-_"));
        assert!(!session_ok("short"));
        assert!(!session_ok(&"a".repeat(65)));
        assert!(!session_ok("abc def 123"));
        assert!(!session_ok("<script>x</script>"));
    }

    #[test]
    fn silence_renders_as_an_empty_reply() {
        assert_eq!(render(None), json!({ "messages": [], "choices": [] }));
    }
}
