//! Outside input never breaks the Zalo webhook: arbitrary bytes, JSON of
//! any shape, mutated event files, any text and any coordinates, signed or
//! not, get an answer that is never a 5xx, and every 4xx carries a JSON
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
use webhook_zalo::{App, Config, TEST_APP_ID, TEST_OA_SECRET_KEY, expected_signature, handle};

const PATH: &str = "/webhooks/zalo";
/// When the events of `events/webhook-zalo/` were sent, in milliseconds.
const SENT_MS: &str = "1795341600000";

/// 30 s after the events were sent.
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
        config: Config::new(TEST_APP_ID, TEST_OA_SECRET_KEY, None, "http://127.0.0.1:9"),
        tokens: None,
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

/// `body` signed as Zalo signs it, the timestamp in a header.
fn signed(body: &[u8]) -> ApiGatewayV2httpRequest {
    let sig = format!(
        "mac={}",
        expected_signature(TEST_APP_ID, body, SENT_MS, TEST_OA_SECRET_KEY)
    );
    request(
        "POST",
        PATH,
        "",
        &[
            ("x-zevent-signature", &sig),
            ("x-zevent-timestamp", SENT_MS),
        ],
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

/// The names Zalo's deliveries use, to build JSON that gets past the first
/// checks more often than random keys would.
const KEYS: &[&str] = &[
    "app_id",
    "event_name",
    "timestamp",
    "sender",
    "recipient",
    "follower",
    "user_id_by_app",
    "id",
    "message",
    "msg_id",
    "text",
    "attachments",
    "payload",
    "coordinates",
    "latitude",
    "longitude",
    "lat",
    "long",
    "type",
    "user_send_text",
    "user_send_location",
    "follow",
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

/// A coordinate as Zalo may send it: a number, a string holding one, or
/// anything else.
fn coordinate() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f64>().prop_map(|f| json!(f)),
        (-90.0f64..180.0).prop_map(|f| json!(f)),
        any::<f64>().prop_map(|f| json!(f.to_string())),
        prop::sample::select(vec!["NaN", "inf", "-inf", "1e999", " 16.06 ", "", "16,06"])
            .prop_map(Value::from),
        json_value(),
    ]
}

/// A well-formed event around generated parts.
fn event() -> impl Strategy<Value = Value> {
    let user = prop_oneof![
        "[0-9]{1,20}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        json_value(),
    ];
    let name = prop_oneof![
        Just("user_send_text".to_owned()),
        Just("user_send_location".to_owned()),
        Just("follow".to_owned()),
        Just("unfollow".to_owned()),
        "user_send_.{0,30}",
        ".{0,20}",
    ];
    (
        name,
        user,
        prop::option::of(json_value()),
        any::<String>(),
        coordinate(),
        coordinate(),
    )
        .prop_map(|(name, user, msg_id, text, lat, lng)| {
            let mut message = json!({ "text": text, "attachments": [{
                "type": "location",
                "payload": { "coordinates": { "latitude": lat, "longitude": lng } }
            }] });
            if let Some(id) = msg_id {
                message["msg_id"] = id;
            }
            json!({
                "app_id": TEST_APP_ID,
                "event_name": name,
                "timestamp": SENT_MS,
                "sender": { "id": user.clone() },
                "follower": { "id": user },
                "recipient": { "id": "4321987654321098765" },
                "message": message,
            })
        })
}

/// The raw bodies of the event files.
fn event_bodies() -> Vec<Vec<u8>> {
    event_names("webhook-zalo")
        .unwrap()
        .iter()
        .map(|n| event_file("webhook-zalo", n).unwrap())
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
            prop::option::of(".{0,20}"),
        ),
        |app, rt, (body, sig, ts)| {
            let mut headers = Vec::new();
            if let Some(s) = sig.as_deref() {
                headers.push(("x-zevent-signature", s));
            }
            if let Some(t) = ts.as_deref() {
                headers.push(("x-zevent-timestamp", t));
            }
            let resp = send(app, rt, request("POST", PATH, "", &headers, Some(&body)));
            check(&resp)?;
            prop_assert_eq!(resp.status_code, 401);
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
fn signed_with_any_timestamp_is_answered_or_refused_cleanly() {
    run(
        500,
        (
            prop_oneof![
                ".{0,24}",
                any::<i64>().prop_map(|n| n.to_string()),
                (-400_000i64..400_000).prop_map(|d| (1_795_341_630_000 + d).to_string()),
            ],
            any::<bool>(),
        ),
        |app, rt, (ts, in_body)| {
            // The timestamp in the header, or only in the body.
            let body = json!({ "app_id": TEST_APP_ID, "event_name": "unfollow", "timestamp": ts })
                .to_string();
            let sig = expected_signature(TEST_APP_ID, body.as_bytes(), &ts, TEST_OA_SECRET_KEY);
            let mut headers = vec![("x-zevent-signature", sig.as_str())];
            if !in_body {
                headers.push(("x-zevent-timestamp", ts.as_str()));
            }
            let resp = send(
                app,
                rt,
                request("POST", PATH, "", &headers, Some(body.as_bytes())),
            );
            check(&resp)?;
            prop_assert!(matches!(resp.status_code, 200 | 401));
            Ok(())
        },
    );
}

#[test]
fn json_of_any_shape_never_fails_the_server() {
    run(600, json_value(), |app, rt, v| {
        let resp = send(app, rt, signed(v.to_string().as_bytes()));
        check(&resp)?;
        prop_assert_eq!(resp.status_code, 200);
        Ok(())
    });
}

#[test]
fn events_with_any_text_ids_and_coordinates_never_fail_the_server() {
    let outbox = run(400, event(), |app, rt, v| {
        let resp = send(app, rt, signed(v.to_string().as_bytes()));
        check(&resp)?;
        prop_assert_eq!(resp.status_code, 200);
        Ok(())
    });
    // The well-formed ones reached the dialogue and were answered.
    assert!(outbox.items().len() >= 20, "{}", outbox.items().len());
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
                request(
                    "POST",
                    PATH,
                    "",
                    &[("x-zevent-timestamp", SENT_MS)],
                    Some(&body),
                )
            };
            check(&send(app, rt, req))
        },
    );
}
