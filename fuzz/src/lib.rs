//! What the fuzz targets share: one single-threaded runtime, the functions'
//! apps built like their tests build them (in-memory stores, the outbox
//! instead of the platforms, a fixed clock), and the checks every response
//! must pass whatever the input.
//!
//! The apps keep state between inputs (conversations, processed events, the
//! event log), as a warm Lambda does; they are rebuilt every
//! [`REBUILD_EVERY`] inputs so that a long run neither grows without bound
//! nor drifts far from a cold start.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot_adapters::apigw::response_body;
use chatbot_adapters::embedded::{memory_data, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use serde_json::Value;

pub use chatbot_adapters::apigw::request;

/// Inputs handled by one app before it is rebuilt.
pub const REBUILD_EVERY: u32 = 5_000;

/// When the events of `events/` were "sent": 2026-11-22 10:00:30 UTC.
pub const NOW: i64 = 1_795_341_630;

pub fn clock() -> i64 {
    NOW
}

/// The runtime every target blocks on (libFuzzer runs inputs on one thread).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
    .block_on(f)
}

/// Where a target keeps its app: built on first use, rebuilt every
/// [`REBUILD_EVERY`] inputs (see [`warm`]).
pub type Slot<A> = std::thread::LocalKey<RefCell<Option<(A, u32)>>>;

/// Runs `f` on the app kept in `slot`, building it first when there is
/// none yet or it has handled [`REBUILD_EVERY`] inputs.
pub fn warm<A, R>(slot: &'static Slot<A>, build: fn() -> A, f: impl FnOnce(&A) -> R) -> R {
    slot.with(|c| {
        let mut kept = c.borrow_mut();
        if kept.as_ref().is_none_or(|(_, n)| *n >= REBUILD_EVERY) {
            *kept = Some((build(), 0));
        }
        let (app, n) = kept.as_mut().expect("built above");
        *n += 1;
        f(app)
    })
}

pub fn messenger_app() -> webhook_messenger::App {
    use webhook_messenger::{App, Config, TEST_APP_SECRET, TEST_VERIFY_TOKEN};
    let (service, stores) = memory_service(
        &shared_catalogue().expect("the shipped catalogue"),
        Arc::new(LogNotifier),
        None,
    );
    App {
        service,
        processed: stores.processed(),
        outbound: Arc::new(Outbox::default()),
        config: Config::new(
            TEST_APP_SECRET,
            TEST_VERIFY_TOKEN,
            None,
            "http://127.0.0.1:9",
        ),
        clock,
    }
}

pub fn zalo_app() -> webhook_zalo::App {
    use webhook_zalo::{App, Config, TEST_APP_ID, TEST_OA_SECRET_KEY};
    let (service, stores) = memory_service(
        &shared_catalogue().expect("the shipped catalogue"),
        Arc::new(LogNotifier),
        None,
    );
    App {
        service,
        processed: stores.processed(),
        outbound: Arc::new(Outbox::default()),
        config: Config::new(TEST_APP_ID, TEST_OA_SECRET_KEY, None, "http://127.0.0.1:9"),
        tokens: None,
        clock,
    }
}

pub const WEB_ORIGIN: &str = "http://localhost:3000";

pub fn web_app() -> webhook_web::App {
    let (service, _stores) = memory_service(
        &shared_catalogue().expect("the shipped catalogue"),
        Arc::new(LogNotifier),
        None,
    );
    webhook_web::App {
        service,
        config: webhook_web::Config {
            allowed_origins: vec![WEB_ORIGIN.into()],
        },
        clock,
    }
}

pub fn bus_app() -> bus_stops::App {
    bus_stops::App {
        data: memory_data().expect("the shipped bus network and samples"),
        clock,
    }
}

pub const DOSSIER_PUSH_KEY: &str = "test-dossier-push-key";

pub fn dossier_app() -> dossier_status::App {
    dossier_status::App {
        data: memory_data().expect("the shipped samples"),
        config: dossier_status::Config {
            push_key: Some(DOSSIER_PUSH_KEY.into()),
        },
        clock,
    }
}

pub fn notices_app() -> notices::App {
    notices::App {
        data: memory_data().expect("the shipped samples"),
        clock,
    }
}

/// What every answer to outside input must be: no 5xx (nothing the
/// client sends may look like the service failing), and every 4xx a JSON
/// object with an `error` message. Panics (a crash to libFuzzer) otherwise.
pub fn check(resp: &ApiGatewayV2httpResponse) {
    let status = resp.status_code;
    let body = response_body(resp);
    assert!(
        (100..500).contains(&status),
        "status {status} for outside input: {}",
        String::from_utf8_lossy(&body)
    );
    if (400..500).contains(&status) {
        let json: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "{status} without a JSON body ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        assert!(
            json["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{status} without an error message: {json}"
        );
    }
}

/// `body` as API Gateway passes it on, base64-encoded (what it does with a
/// binary body, and with any body under some content types).
pub fn base64_body(mut req: ApiGatewayV2httpRequest, body: &[u8]) -> ApiGatewayV2httpRequest {
    use base64::Engine as _;
    req.body = Some(base64::engine::general_purpose::STANDARD.encode(body));
    req.is_base64_encoded = true;
    req
}

/// Splits `data` in two at a point chosen by its first byte (both halves
/// may be empty).
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        None => (&[], &[]),
        Some((&k, rest)) => rest.split_at(usize::from(k).min(rest.len())),
    }
}

/// A small FNV-1a hash: ids derived from an input, so that one input
/// always makes the same event (redeliveries deduplicate, like Meta's).
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A coordinate from 8 bytes: any f64 (NaN and infinities included) or,
/// for half of the inputs, a plausible one (degrees to 1e-7).
pub fn coordinate(b: &[u8]) -> f64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    if w[0] & 1 == 0 {
        f64::from_le_bytes(w)
    } else {
        f64::from(i32::from_le_bytes([w[1], w[2], w[3], w[4]])) / 1e7
    }
}
