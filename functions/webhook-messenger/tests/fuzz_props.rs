//! Outside input never breaks the Messenger webhook: arbitrary bytes,
//! JSON of any shape, mutated event files and any text, signed or not,
//! get an answer that is never a 5xx, and every 4xx carries a JSON
//! `{"error": …}`. The fast, always-run counterpart of the fuzz targets of
//! `fuzz/` (`scripts/fuzz`).

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot_adapters::apigw::{body_bytes, request, response_body};
use chatbot_adapters::embedded::{event_file, event_names, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestCaseError, TestRunner};
use serde_json::{Value, json};
use webhook_messenger::{App, Config, TEST_APP_SECRET, TEST_VERIFY_TOKEN, handle, signature};

const PATH: &str = "/webhooks/messenger";

fn clock() -> i64 {
    1_795_341_630
}

fn new_app() -> (App, Arc<Outbox>) {
    let (service, stores) =
        memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
    let outbox = Arc::new(Outbox::default());
    let app = App {
        service,
        processed: stores.processed(),
        outbound: outbox.clone(),
        config: Config::new(
            TEST_APP_SECRET,
            TEST_VERIFY_TOKEN,
            None,
            "http://127.0.0.1:9",
        ),
        clock,
    };
    (app, outbox)
}

/// Runs `cases` generated inputs through `test`, on one app and one
/// runtime (a warm function), without regression files; the replies sent
/// are kept in the outbox returned (at most its last 500).
fn run<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(&App, &tokio::runtime::Runtime, S::Value) -> Result<(), TestCaseError>,
) -> Arc<Outbox> {
    let (app, outbox) = new_app();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Cases {
        cases,
        failure_persistence: None,
        ..Cases::default()
    });
    if let Err(e) = runner.run(&strategy, |v| test(&app, &rt, v)) {
        panic!("{e}");
    }
    outbox
}

/// Never a 5xx; a 4xx is a JSON object with an error message.
fn check(resp: &ApiGatewayV2httpResponse) -> Result<(), TestCaseError> {
    let body = response_body(resp);
    let status = resp.status_code;
    prop_assert!(
        (200..500).contains(&status),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    if status >= 400 {
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        prop_assert!(
            json["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{status} without a JSON error: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(())
}

fn signed(body: &[u8]) -> ApiGatewayV2httpRequest {
    let sig = signature(TEST_APP_SECRET, body);
    request(
        "POST",
        PATH,
        "",
        &[("x-hub-signature-256", &sig)],
        Some(body),
    )
}

fn send(
    app: &App,
    rt: &tokio::runtime::Runtime,
    req: ApiGatewayV2httpRequest,
) -> ApiGatewayV2httpResponse {
    rt.block_on(handle(app, req))
}

/// The names and shapes Meta's deliveries use, to build JSON that gets past
/// the first checks more often than random keys would.
const KEYS: &[&str] = &[
    "object",
    "page",
    "entry",
    "messaging",
    "sender",
    "recipient",
    "id",
    "timestamp",
    "message",
    "mid",
    "text",
    "is_echo",
    "quick_reply",
    "payload",
    "postback",
    "attachments",
    "type",
    "location",
    "coordinates",
    "lat",
    "long",
    "GET_STARTED",
    "title",
    "image",
    "url",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(KEYS).prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS).prop_map(str::to_owned),
                        "[a-z_]{1,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A field that is absent (most often), well-typed or of any shape.
fn maybe(good: impl Strategy<Value = Value> + 'static) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![3 => Just(None), 3 => good.prop_map(Some), 2 => json_value().prop_map(Some)]
}

/// A messaging item with each field missing, right or of the wrong shape.
fn messaging_item() -> impl Strategy<Value = Value> {
    (
        maybe("[0-9]{1,20}".prop_map(Value::from)),
        maybe("m_[a-zA-Z0-9]{1,30}".prop_map(Value::from)),
        maybe(".{0,80}".prop_map(Value::from)),
        maybe(any::<bool>().prop_map(Value::from)),
        maybe(".{0,40}".prop_map(|p| json!({ "payload": p }))),
        maybe(
            (any::<f64>(), any::<f64>(), "location|image|audio|[a-z]{0,8}").prop_map(
                |(lat, lng, kind)| {
                    json!([{ "type": kind, "payload": { "coordinates": { "lat": lat, "long": lng } } }])
                },
            ),
        ),
        maybe(".{0,40}".prop_map(|p| json!({ "payload": p, "title": "x" }))),
        maybe(any::<i64>().prop_map(Value::from)),
    )
        .prop_map(|(sender, mid, text, echo, qr, attachments, postback, ts)| {
            let mut message = serde_json::Map::new();
            for (k, v) in [
                ("mid", mid),
                ("text", text),
                ("is_echo", echo),
                ("quick_reply", qr),
                ("attachments", attachments),
            ] {
                if let Some(v) = v {
                    message.insert(k.into(), v);
                }
            }
            let mut item = json!({ "recipient": { "id": "104000000000001" } });
            if let Some(s) = sender {
                item["sender"] = json!({ "id": s });
            }
            if !message.is_empty() {
                item["message"] = Value::Object(message);
            }
            if let Some(p) = postback {
                item["postback"] = p;
            }
            if let Some(t) = ts {
                item["timestamp"] = t;
            }
            item
        })
}

fn delivery(items: Vec<Value>) -> Vec<u8> {
    json!({ "object": "page", "entry": [{ "id": "104000000000001", "time": 1, "messaging": items }] })
        .to_string()
        .into_bytes()
}

/// The raw bodies of the event files (POST deliveries).
fn event_bodies() -> Vec<Vec<u8>> {
    event_names("webhook-messenger")
        .unwrap()
        .iter()
        .map(|n| event_file("webhook-messenger", n).unwrap())
        .filter(|e| e.request_context.http.method == "POST")
        .filter_map(|e| body_bytes(&e).ok())
        .collect()
}

/// Mutations of a body: a byte replaced, bytes inserted or removed, a
/// slice duplicated.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8),
                prop::sample::select(vec![
                    "\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "\\u", "-0"
                ])
                .prop_map(|s| s.as_bytes().to_vec()),
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

fn mutate(mut body: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = body.len().max(1);
        match m {
            Mutation::Set(i, b) => {
                if let Some(x) = body.get_mut(i % len) {
                    *x = *b;
                }
            }
            Mutation::Insert(i, bytes) => {
                let at = (i % len).min(body.len());
                body.splice(at..at, bytes.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = (i % len).min(body.len());
                let end = (at + n).min(body.len());
                body.drain(at..end);
            }
            Mutation::Repeat(i, n) => {
                let at = (i % len).min(body.len());
                let end = (at + n).min(body.len());
                let slice = body[at..end].to_vec();
                body.splice(at..at, slice);
            }
        }
    }
    body
}

#[test]
fn arbitrary_unsigned_bodies_are_refused_with_a_json_error() {
    run(
        800,
        (
            prop::collection::vec(any::<u8>(), 0..1024),
            prop::option::of(".{0,80}"),
        ),
        |app, rt, (body, header)| {
            let headers: Vec<(&str, &str)> = header
                .as_deref()
                .map(|h| vec![("x-hub-signature-256", h)])
                .unwrap_or_default();
            let resp = send(app, rt, request("POST", PATH, "", &headers, Some(&body)));
            check(&resp)?;
            prop_assert_eq!(resp.status_code, 403);
            Ok(())
        },
    );
}

#[test]
fn arbitrary_signed_bodies_never_fail_the_server() {
    run(
        800,
        prop::collection::vec(any::<u8>(), 0..1024),
        |app, rt, body| {
            let resp = send(app, rt, signed(&body));
            check(&resp)?;
            // Not JSON (400) or nothing to answer (200).
            prop_assert!(
                matches!(resp.status_code, 200 | 400),
                "{}",
                resp.status_code
            );
            Ok(())
        },
    );
}

#[test]
fn json_of_any_shape_never_fails_the_server() {
    run(
        600,
        prop_oneof![
            json_value(),
            json_value().prop_map(|v| json!({ "object": "page", "entry": v })),
            json_value().prop_map(|v| json!({ "object": "page", "entry": [{ "messaging": v }] })),
        ],
        |app, rt, v| {
            let resp = send(app, rt, signed(v.to_string().as_bytes()));
            check(&resp)?;
            prop_assert_eq!(resp.status_code, 200);
            Ok(())
        },
    );
}

#[test]
fn deliveries_with_fields_missing_or_misshapen_never_fail_the_server() {
    let outbox = run(
        500,
        prop::collection::vec(messaging_item(), 0..4),
        |app, rt, items| {
            let resp = send(app, rt, signed(&delivery(items)));
            check(&resp)?;
            prop_assert_eq!(resp.status_code, 200);
            Ok(())
        },
    );
    // Some are well-formed enough to be answered.
    assert!(!outbox.items().is_empty());
}

#[test]
fn mutated_event_files_never_fail_the_server() {
    let bodies = event_bodies();
    assert!(!bodies.is_empty());
    run(
        800,
        (
            prop::sample::select(bodies),
            prop::collection::vec(mutation(), 1..6),
            any::<bool>(),
        ),
        |app, rt, (body, mutations, sign)| {
            let body = mutate(body, &mutations);
            let req = if sign {
                signed(&body)
            } else {
                request("POST", PATH, "", &[], Some(&body))
            };
            check(&send(app, rt, req))
        },
    );
}

#[test]
fn any_text_message_is_answered() {
    let outbox = run(
        300,
        (any::<String>(), any::<u32>()),
        |app, rt, (text, n)| {
            let item = json!({
                "sender": { "id": format!("{}", 7_398_765_432_109_800u64 + u64::from(n % 4)) },
                "recipient": { "id": "104000000000001" },
                "timestamp": 1_795_341_600_000i64,
                "message": { "mid": format!("m_{n}_{}", text.len()), "text": text },
            });
            let resp = send(app, rt, signed(&delivery(vec![item])));
            check(&resp)?;
            prop_assert_eq!(resp.status_code, 200);
            Ok(())
        },
    );
    // Every message reached the dialogue and got a reply.
    assert!(outbox.items().len() >= 300, "{}", outbox.items().len());
}

#[test]
fn arbitrary_subscription_checks_are_answered_or_refused_cleanly() {
    run(
        800,
        prop_oneof![
            ".{0,120}",
            (".{0,20}", ".{0,40}").prop_map(|(token, challenge)| format!(
                "hub.mode=subscribe&hub.verify_token={token}&hub.challenge={challenge}"
            )),
            "[a-zA-Z0-9_-]{0,140}".prop_map(|c| format!(
                "hub.mode=subscribe&hub.verify_token={TEST_VERIFY_TOKEN}&hub.challenge={c}"
            )),
        ],
        |app, rt, query| {
            let resp = send(app, rt, request("GET", PATH, &query, &[], None));
            check(&resp)?;
            prop_assert!(matches!(resp.status_code, 200 | 403));
            Ok(())
        },
    );
}
