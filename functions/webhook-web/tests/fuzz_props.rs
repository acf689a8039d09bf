//! Outside input never breaks the web chat endpoint: 2,000 generated
//! requests (random bytes, JSON-ish text with the right and wrong shapes,
//! any text in a well-formed request, mutated event files, arbitrary
//! origins, methods and paths) all get an answer that is never a 5xx, and
//! every 4xx carries a JSON `{"error": …}`. The fast, always-run
//! counterpart of the `web_chat` fuzz target of `fuzz/` (`scripts/fuzz`).
//!
//! This crate has no property-testing dependency: the inputs come from a
//! small deterministic generator (xorshift), so every run checks the same
//! inputs and a failure names the one to replay.

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot_adapters::apigw::{body_bytes, request, response_body};
use chatbot_adapters::embedded::{event_file, event_names, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use serde_json::{Value, json};
use webhook_web::{App, Config, MAX_TEXT_CHARS, handle};

const ORIGIN: &str = "http://localhost:3000";
const INPUTS: u64 = 2_000;

fn clock() -> i64 {
    1_795_341_630
}

fn new_app() -> App {
    let (service, _stores) =
        memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
    App {
        service,
        config: Config {
            allowed_origins: vec![ORIGIN.into()],
        },
        clock,
    }
}

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// Text citizens (and attackers) type: Vietnamese letters, both
    /// spellings of tones (combining marks), full-width digits, invisible
    /// and control characters, emoji, markup, any Unicode scalar.
    fn text(&mut self, max_chars: usize) -> String {
        const POOL: &[&str] = &[
            "a",
            "đ",
            "ư",
            "ơ",
            "ậ",
            "ệ",
            "ỹ",
            "Đ",
            "Ư",
            " ",
            " ",
            "  ",
            "\n",
            "\t",
            "0",
            "9",
            "\u{0301}",
            "\u{0303}",
            "\u{0323}",
            "\u{200B}",
            "\u{FEFF}",
            "\u{202E}",
            "\u{00AD}",
            "\u{FF10}",
            "\u{FF21}",
            "\u{3000}",
            "😀",
            "<script>",
            "\"",
            "\\",
            "{",
            "}",
            "%",
            "đăng ký",
            "khai sinh",
            "hộ chiếu",
            "xe buýt",
            "000.00.17.H17-261118-0003",
            "tuyến 05",
            "ᾨ",
            "\u{0000}",
            "\u{007F}",
        ];
        let n = self.below(max_chars + 1);
        let mut s = String::new();
        while s.chars().count() < n {
            if self.chance(4) {
                let c = char::from_u32(self.below(0x11_0000) as u32).unwrap_or('?');
                s.push(c);
            } else {
                let piece = *self.pick(POOL);
                s.push_str(piece);
            }
        }
        s
    }

    /// A JSON value of any shape, keys mostly those the endpoint reads.
    fn json(&mut self, depth: usize) -> Value {
        const KEYS: &[&str] = &["session_id", "text", "choice", "start", "x", ""];
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => Value::Bool(self.chance(2)),
            2 => json!(self.next() as i64),
            3 => json!(f64::from_bits(self.next())),
            4 => Value::String(self.text(12)),
            5 => Value::Array((0..self.below(4)).map(|_| self.json(depth - 1)).collect()),
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| (self.pick(KEYS).to_string(), self.json(depth - 1)))
                    .collect(),
            ),
        }
    }

    /// A chat request with each field missing, right or of another type.
    fn chat_body(&mut self) -> Value {
        let mut m = serde_json::Map::new();
        let session = match self.below(4) {
            0 => Some(json!("fuzz-session-1")),
            1 => Some(Value::String(self.text(20))),
            2 => Some(self.json(2)),
            _ => None,
        };
        if let Some(s) = session {
            m.insert("session_id".into(), s);
        }
        for key in ["text", "choice", "start"] {
            if self.chance(2) {
                let v = match self.below(3) {
                    0 => Value::String(self.text(40)),
                    1 => Value::Bool(true),
                    _ => self.json(2),
                };
                m.insert(key.into(), v);
            }
        }
        Value::Object(m)
    }

    /// `body` with a few bytes replaced, inserted, removed or repeated.
    fn mutate(&mut self, mut body: Vec<u8>) -> Vec<u8> {
        const TOKENS: &[&[u8]] = &[b"\"", b"{", b"}", b"[", b"]", b",", b":", b"null", b"\\u"];
        for _ in 0..1 + self.below(5) {
            let at = self.below(body.len() + 1);
            match self.below(4) {
                0 if at < body.len() => body[at] = self.next() as u8,
                1 => {
                    let ins: Vec<u8> = if self.chance(2) {
                        self.pick(TOKENS).to_vec()
                    } else {
                        self.bytes(6)
                    };
                    body.splice(at..at, ins);
                }
                2 => {
                    let end = (at + 1 + self.below(16)).min(body.len());
                    body.drain(at.min(end)..end);
                }
                _ => {
                    let end = (at + 1 + self.below(48)).min(body.len());
                    let slice = body[at.min(end)..end].to_vec();
                    body.splice(at..at, slice);
                }
            }
        }
        body
    }
}

fn post(body: &[u8], origin: Option<&str>) -> ApiGatewayV2httpRequest {
    let headers: Vec<(&str, &str)> = origin.map(|o| vec![("origin", o)]).unwrap_or_default();
    request("POST", "/chat", "", &headers, Some(body))
}

/// The bodies of the POST events of `events/webhook-web/`.
fn event_bodies() -> Vec<Vec<u8>> {
    event_names("webhook-web")
        .unwrap()
        .iter()
        .map(|n| event_file("webhook-web", n).unwrap())
        .filter(|e| e.request_context.http.method == "POST")
        .filter_map(|e| body_bytes(&e).ok())
        .collect()
}

/// The request number `i` of the run: a different kind every time.
fn generate(rng: &mut Rng, i: u64, events: &[Vec<u8>]) -> ApiGatewayV2httpRequest {
    let origin = Some(ORIGIN);
    match i % 8 {
        0 => post(&rng.bytes(600), origin),
        1 => {
            let mut body = rng.json(4).to_string().into_bytes();
            if rng.chance(3) {
                body.truncate(rng.below(body.len() + 1));
            }
            post(&body, origin)
        }
        2 | 3 => post(rng.chat_body().to_string().as_bytes(), origin),
        4 => {
            // Any text in a well-formed request, up to just over the limit.
            let text = rng.text(MAX_TEXT_CHARS / 8);
            let key = if rng.chance(3) { "choice" } else { "text" };
            let mut body = json!({ "session_id": "fuzz-session-2" });
            body[key] = Value::String(text);
            post(body.to_string().as_bytes(), origin)
        }
        5 => {
            let event = rng.pick(events).clone();
            let body = rng.mutate(event);
            post(&body, if rng.chance(4) { None } else { origin })
        }
        6 => {
            let other = rng.text(30);
            match rng.below(3) {
                0 => request("OPTIONS", "/chat", "", &[("origin", &other)], None),
                1 => post(
                    br#"{"session_id":"fuzz-session-3","start":true}"#,
                    Some(&other),
                ),
                _ => post(&rng.bytes(100), Some(&other)),
            }
        }
        _ => {
            let methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"];
            let method = *rng.pick(&methods);
            let path = match rng.below(3) {
                0 => "/chat".to_owned(),
                1 => "/widget.js".to_owned(),
                _ => format!("/{}", rng.text(20)),
            };
            let mut req = request(method, &path, &rng.text(20), &[("origin", ORIGIN)], None);
            if rng.chance(2) {
                req.body = Some(String::from_utf8_lossy(&rng.bytes(64)).into_owned());
                req.is_base64_encoded = rng.chance(2);
            }
            req
        }
    }
}

/// Never a 5xx; a 4xx is a JSON object with an error message.
fn check(i: u64, resp: &ApiGatewayV2httpResponse) {
    let body = response_body(resp);
    let status = resp.status_code;
    assert!(
        (200..500).contains(&status),
        "input {i}: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    if status >= 400 {
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert!(
            json["error"].as_str().is_some_and(|m| !m.is_empty()),
            "input {i}: {status} without a JSON error: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn two_thousand_generated_requests_never_fail_the_server() {
    let app = new_app();
    let events = event_bodies();
    assert!(!events.is_empty());
    let mut rng = Rng::new(0x5EED_F022);
    let mut answered = [0usize; 6];
    for i in 0..INPUTS {
        let req = generate(&mut rng, i, &events);
        let resp = handle(&app, req).await;
        check(i, &resp);
        answered[(resp.status_code / 100) as usize] += 1;
    }
    // The generator reaches the dialogue, not only the first checks.
    assert!(answered[2] >= 300, "{answered:?}");
    assert!(answered[4] >= 300, "{answered:?}");
}

#[tokio::test]
async fn any_text_in_a_well_formed_request_is_answered_or_refused_as_too_long() {
    let app = new_app();
    let mut rng = Rng::new(7);
    for i in 0..150 {
        let text = rng.text(MAX_TEXT_CHARS + 50);
        let too_long = text.trim().chars().count() > MAX_TEXT_CHARS;
        let body = json!({ "session_id": "fuzz-session-4", "text": text }).to_string();
        let resp = handle(&app, post(body.as_bytes(), Some(ORIGIN))).await;
        check(i, &resp);
        let want = if too_long { 413 } else { 200 };
        assert_eq!(resp.status_code, want, "input {i}: {text:?}");
    }
}
