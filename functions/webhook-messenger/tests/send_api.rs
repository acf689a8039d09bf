//! Replies go to the Send API over real HTTP (a fake Graph API on
//! loopback), with retries on server errors.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use chatbot_adapters::embedded::{event_file, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::{HttpOutbound, RetryPolicy};
use serde_json::Value;
use webhook_messenger::{App, Config, TEST_APP_SECRET, TEST_VERIFY_TOKEN, handle};

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(Option<String>, Value)>>,
    /// The status answered to each call, in order.
    answered: Mutex<Vec<u16>>,
    /// Milliseconds to wait before answering, per call in order; none after.
    delays: Mutex<Vec<u64>>,
    /// Status codes to answer, in order; 200 once they run out.
    script: Mutex<Vec<u16>>,
}

async fn messages(
    State(f): State<Arc<Fake>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    f.calls
        .lock()
        .unwrap()
        .push((q.get("access_token").cloned(), body.0));
    let delay = {
        let mut d = f.delays.lock().unwrap();
        if d.is_empty() { 0 } else { d.remove(0) }
    };
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    let status = {
        let mut s = f.script.lock().unwrap();
        if s.is_empty() { 200 } else { s.remove(0) }
    };
    f.answered.lock().unwrap().push(status);
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(serde_json::json!({"recipient_id": "1", "message_id": "m_1"})),
    )
}

async fn fake_graph(script: Vec<u16>) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        script: Mutex::new(script),
        ..Fake::default()
    });
    let app = Router::new()
        .route("/v21.0/me/messages", post(messages))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v21.0"), fake)
}

fn clock() -> i64 {
    1_795_341_630
}

async fn app(graph: String) -> App {
    let (service, stores) =
        memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
    App {
        service,
        processed: stores.processed(),
        outbound: Arc::new(HttpOutbound::new(RetryPolicy::default()).unwrap()),
        config: Config::new(
            TEST_APP_SECRET,
            TEST_VERIFY_TOKEN,
            Some("PAGE-TOKEN".into()),
            graph,
        ),
        clock,
    }
}

#[tokio::test]
async fn replies_should_be_posted_to_the_send_api_with_the_page_token() {
    let (graph, fake) = fake_graph(vec![]).await;
    let resp = handle(
        &app(graph).await,
        event_file("webhook-messenger", "text").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    let calls = fake.calls.lock().unwrap().clone();
    assert!(!calls.is_empty());
    for (token, body) in &calls {
        assert_eq!(token.as_deref(), Some("PAGE-TOKEN"));
        assert_eq!(body["recipient"]["id"], "7312345678901234");
        assert_eq!(body["messaging_type"], "RESPONSE");
    }
}

#[tokio::test]
async fn when_the_send_api_fails_once_should_retry_and_succeed() {
    let (graph, fake) = fake_graph(vec![500]).await;
    let resp = handle(
        &app(graph).await,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "one failed attempt, one success");
    assert_eq!(calls[0].1, calls[1].1);
}

#[tokio::test]
async fn when_the_send_api_keeps_failing_should_ask_meta_to_retry_and_handle_the_retry() {
    let (graph, fake) = fake_graph(vec![503, 503, 503]).await;
    let app = app(graph).await;
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 500, "Meta must retry");
    // Meta's retry is handled, not skipped as a duplicate.
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    assert_eq!(fake.calls.lock().unwrap().len(), 4);
}

/// The message bodies the fake accepted, in order.
fn accepted(fake: &Fake) -> Vec<Value> {
    let calls = fake.calls.lock().unwrap().clone();
    let answered = fake.answered.lock().unwrap().clone();
    calls
        .into_iter()
        .zip(answered)
        .filter(|(_, status)| *status == 200)
        .map(|((_, body), _)| body)
        .collect()
}

#[tokio::test]
async fn when_a_reply_is_cut_short_the_retry_should_send_only_the_rest() {
    // The reply as a healthy Send API receives it.
    let (graph, healthy) = fake_graph(vec![]).await;
    let resp = handle(
        &app(graph).await,
        event_file("webhook-messenger", "text").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    let whole = accepted(&healthy);
    assert!(
        whole.len() >= 2,
        "the test needs a reply of several messages: {whole:?}"
    );

    // The first message goes out, the second fails on every attempt.
    let (graph, fake) = fake_graph(vec![200, 503, 503, 503]).await;
    let app = app(graph).await;
    let resp = handle(&app, event_file("webhook-messenger", "text").unwrap()).await;
    assert_eq!(resp.status_code, 500, "Meta must retry");
    assert_eq!(accepted(&fake), whole[..1]);
    // Meta's retry sends the rest, without reading the message again (the
    // same reply, not one to the message read twice); later retries send
    // nothing.
    for _ in 0..3 {
        let resp = handle(&app, event_file("webhook-messenger", "text").unwrap()).await;
        assert_eq!(resp.status_code, 200);
    }
    assert_eq!(accepted(&fake), whole, "every message once, in order");
}

#[tokio::test]
async fn concurrent_redeliveries_should_be_answered_once() {
    let (graph, fake) = fake_graph(vec![]).await;
    let shared = Arc::new(app(graph).await);
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let app = shared.clone();
            tokio::spawn(async move {
                handle(&app, event_file("webhook-messenger", "text").unwrap())
                    .await
                    .status_code
            })
        })
        .collect();
    let mut busy = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => {}
            // Came while another delivery was being handled: asked back.
            500 => busy += 1,
            other => panic!("status {other}"),
        }
    }
    assert!(busy < 3);
    for _ in 0..busy {
        let resp = handle(&shared, event_file("webhook-messenger", "text").unwrap()).await;
        assert_eq!(resp.status_code, 200, "the retry finds it done");
    }
    let (graph, healthy) = fake_graph(vec![]).await;
    handle(
        &app(graph).await,
        event_file("webhook-messenger", "text").unwrap(),
    )
    .await;
    assert_eq!(
        accepted(&fake),
        accepted(&healthy),
        "one reply, each message once"
    );
}

#[tokio::test]
async fn when_the_send_api_rate_limits_should_back_off_and_deliver_once() {
    let (graph, fake) = fake_graph(vec![429, 429]).await;
    let app = app(graph).await;
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3, "two refusals, then the message");
    assert!(calls.windows(2).all(|w| w[0].1 == w[1].1));
    assert_eq!(accepted(&fake).len(), 1);
}

#[tokio::test]
async fn when_the_send_api_refuses_the_message_should_not_ask_for_retries() {
    // 400: the message itself is refused (e.g. the citizen cannot be
    // messaged); Meta's retries would be refused the same way.
    let (graph, fake) = fake_graph(vec![400]).await;
    let app = app(graph).await;
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200, "no retry is asked for");
    assert_eq!(
        fake.calls.lock().unwrap().len(),
        1,
        "not retried by us either"
    );
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    assert_eq!(
        fake.calls.lock().unwrap().len(),
        1,
        "a redelivery sends nothing"
    );
}

#[tokio::test]
async fn when_the_send_api_hangs_should_give_up_in_bounded_time_and_ask_for_the_retry() {
    let (graph, fake) = fake_graph(vec![]).await;
    *fake.delays.lock().unwrap() = vec![5_000; 3];
    let app = app(graph).await;
    let policy = RetryPolicy::default();
    let started = std::time::Instant::now();
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(resp.status_code, 500, "Meta must retry");
    assert_eq!(
        fake.calls.lock().unwrap().len(),
        3,
        "three attempts, no more"
    );
    let bound = policy.timeout * policy.attempts + policy.max_delay * (policy.attempts - 1);
    assert!(
        took < bound + std::time::Duration::from_millis(500),
        "{took:?}"
    );
    // The platform's retry, once the API answers again, delivers once.
    let resp = handle(
        &app,
        event_file("webhook-messenger", "get-started").unwrap(),
    )
    .await;
    assert_eq!(resp.status_code, 200);
    assert_eq!(accepted(&fake).len(), 1);
}
