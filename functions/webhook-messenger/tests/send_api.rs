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
    let status = {
        let mut s = f.script.lock().unwrap();
        if s.is_empty() { 200 } else { s.remove(0) }
    };
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
