//! Replies go to the OA customer-service API over real HTTP (a fake Zalo on
//! loopback), with retries on server errors and Zalo's own error codes
//! honoured.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chatbot_adapters::embedded::{event_file, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::{HttpOutbound, RetryPolicy};
use serde_json::{Value, json};
use webhook_zalo::{App, Config, TEST_APP_ID, TEST_OA_SECRET_KEY, handle};

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(Option<String>, Value)>>,
    /// (HTTP status, Zalo error code) to answer, in order; (200, 0) after.
    script: Mutex<Vec<(u16, i64)>>,
}

async fn cs(
    State(f): State<Arc<Fake>>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    let token = headers
        .get("access_token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    f.calls.lock().unwrap().push((token, body.0));
    let (status, error) = {
        let mut s = f.script.lock().unwrap();
        if s.is_empty() { (200, 0) } else { s.remove(0) }
    };
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": error, "message": "Success", "data": {"message_id": "abc"}})),
    )
}

async fn fake_zalo(script: Vec<(u16, i64)>) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        script: Mutex::new(script),
        ..Fake::default()
    });
    let app = Router::new()
        .route("/v3.0/oa/message/cs", post(cs))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn clock() -> i64 {
    1_795_341_630
}

fn app(api: String) -> App {
    let (service, stores) =
        memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
    App {
        service,
        processed: stores.processed(),
        outbound: Arc::new(HttpOutbound::new(RetryPolicy::default()).unwrap()),
        config: Config::new(
            TEST_APP_ID,
            TEST_OA_SECRET_KEY,
            Some("OA-TOKEN".into()),
            api,
        ),
        tokens: None,
        clock,
    }
}

#[tokio::test]
async fn the_reply_should_be_posted_with_the_access_token_header() {
    let (api, fake) = fake_zalo(vec![]).await;
    assert_eq!(
        handle(&app(api), event_file("webhook-zalo", "text").unwrap())
            .await
            .status_code,
        200
    );
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0.as_deref(), Some("OA-TOKEN"));
    assert_eq!(calls[0].1["recipient"]["user_id"], "8840123456789012345");
    assert!(
        calls[0].1["message"]["text"]
            .as_str()
            .unwrap()
            .contains("tạm trú")
    );
}

#[tokio::test]
async fn when_zalo_answers_503_once_should_retry() {
    let (api, fake) = fake_zalo(vec![(503, 0)]).await;
    assert_eq!(
        handle(&app(api), event_file("webhook-zalo", "follow").unwrap())
            .await
            .status_code,
        200
    );
    assert_eq!(fake.calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn when_zalo_refuses_with_its_own_error_code_should_leave_the_event_for_the_retry() {
    let (api, fake) = fake_zalo(vec![(200, -216)]).await;
    let app = app(api);
    assert_eq!(
        handle(&app, event_file("webhook-zalo", "text").unwrap())
            .await
            .status_code,
        500
    );
    assert_eq!(
        handle(&app, event_file("webhook-zalo", "text").unwrap())
            .await
            .status_code,
        200
    );
    assert_eq!(fake.calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_retry_of_a_failed_send_should_send_the_same_reply_once() {
    // The OA API fails every attempt, then recovers.
    let (api, fake) = fake_zalo(vec![(503, 0), (503, 0), (503, 0)]).await;
    let app = app(api);
    let deliver = || handle(&app, event_file("webhook-zalo", "text").unwrap());
    assert_eq!(deliver().await.status_code, 500, "Zalo must retry");
    for _ in 0..3 {
        assert_eq!(deliver().await.status_code, 200);
    }
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 4, "three failed attempts, then one message");
    // The message read once: the retry sends the reply recorded for it.
    assert!(calls.windows(2).all(|w| w[0].1 == w[1].1));
}
