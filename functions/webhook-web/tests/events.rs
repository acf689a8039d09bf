//! Every event of `events/webhook-web/` through the handler, and a
//! conversation over the endpoint.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chatbot_adapters::apigw::{request, response_body};
use chatbot_adapters::embedded::{event_file, event_names, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use serde_json::Value;
use webhook_web::{App, Config, handle};

fn clock() -> i64 {
    1_795_341_630
}

fn new_app() -> App {
    let (service, _stores) =
        memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
    App {
        service,
        config: Config {
            allowed_origins: vec!["http://localhost:3000".into()],
        },
        clock,
    }
}

fn expected(name: &str) -> i64 {
    match name {
        "chat-text" | "chat-choice" | "chat-start" | "widget-js" | "html-injection" => 200,
        "preflight" => 204,
        "disallowed-origin" => 403,
        "oversized-text" => 413,
        "invalid-json" | "missing-session" => 400,
        other => panic!("no expectation for events/webhook-web/{other}.json: add one"),
    }
}

fn json(r: &ApiGatewayV2httpResponse) -> Value {
    serde_json::from_slice(&response_body(r)).unwrap_or(Value::Null)
}

fn header<'a>(r: &'a ApiGatewayV2httpResponse, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    let app = new_app();
    for name in event_names("webhook-web").unwrap() {
        let resp = handle(&app, event_file("webhook-web", &name).unwrap()).await;
        let body = json(&resp);
        assert_eq!(resp.status_code, expected(&name), "{name}: {body}");
        match name.as_str() {
            "chat-text" => {
                assert!(
                    body["messages"][0]["text"]
                        .as_str()
                        .unwrap()
                        .contains("kết hôn"),
                    "{body}"
                );
                assert!(body["choices"].as_array().unwrap().len() >= 2);
                assert_eq!(
                    header(&resp, "access-control-allow-origin"),
                    Some("http://localhost:3000")
                );
            }
            "chat-start" => assert!(
                body["messages"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("Xin chào"),
                "{body}"
            ),
            "chat-choice" => assert!(
                body["messages"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("thủ tục"),
                "{body}"
            ),
            "preflight" => {
                assert_eq!(
                    header(&resp, "access-control-allow-origin"),
                    Some("http://localhost:3000")
                );
                assert!(
                    header(&resp, "access-control-allow-methods")
                        .unwrap()
                        .contains("POST")
                );
            }
            "widget-js" => {
                assert!(
                    header(&resp, "content-type")
                        .unwrap()
                        .starts_with("application/javascript")
                );
                assert!(String::from_utf8_lossy(&response_body(&resp)).contains("textContent"));
            }
            "disallowed-origin" => assert!(header(&resp, "access-control-allow-origin").is_none()),
            "html-injection" => {
                // Answered as data: the JSON carries no raw markup of ours,
                // and the widget shows text with textContent.
                let raw = String::from_utf8_lossy(&response_body(&resp)).into_owned();
                assert!(body["messages"].as_array().is_some(), "{raw}");
                assert!(!raw.contains("<script>"), "{raw}");
            }
            _ => assert!(body["error"].is_string(), "{name}: {body}"),
        }
    }
}

async fn post(app: &App, body: &str) -> Value {
    let req = request(
        "POST",
        "/chat",
        "",
        &[
            ("content-type", "application/json"),
            ("origin", "http://localhost:3000"),
        ],
        Some(body.as_bytes()),
    );
    let resp = handle(app, req).await;
    assert_eq!(
        resp.status_code,
        200,
        "{}",
        String::from_utf8_lossy(&response_body(&resp))
    );
    json(&resp)
}

#[tokio::test]
async fn a_conversation_over_the_endpoint_keeps_its_topic() {
    let app = new_app();
    let sid = "Zt8Kq2Lm9Xp4Wv1R";
    let r = post(
        &app,
        &format!(r#"{{"session_id":"{sid}","text":"đăng ký khai sinh"}}"#),
    )
    .await;
    assert!(
        r["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Thủ tục đăng ký khai sinh"),
        "{r}"
    );
    let fee = r["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["payload"] == "ASPECT:fee")
        .unwrap()["payload"]
        .clone();
    let r = post(&app, &format!(r#"{{"session_id":"{sid}","choice":{fee}}}"#)).await;
    assert!(
        r["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Lệ phí «Thủ tục đăng ký khai sinh»"),
        "{r}"
    );
    let r = post(
        &app,
        &format!(r#"{{"session_id":"{sid}","text":"làm hộ chiếu ở đâu"}}"#),
    )
    .await;
    assert!(
        r["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("hộ chiếu"),
        "{r}"
    );
}

#[tokio::test]
async fn requests_without_an_origin_are_served_without_cors_headers() {
    let app = new_app();
    let req = request(
        "POST",
        "/chat",
        "",
        &[("content-type", "application/json")],
        Some(br#"{"session_id":"abcdefgh12","start":true}"#),
    );
    let resp = handle(&app, req).await;
    assert_eq!(resp.status_code, 200);
    assert!(resp.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn wrong_types_get_a_clear_400() {
    let app = new_app();
    for body in [
        r#"{"session_id":12345678,"text":"x"}"#,
        r#"{"session_id":"abcdefgh12","text":42}"#,
        r#"{"session_id":"abcdefgh12","text":"a","choice":"b"}"#,
        r#"{"session_id":"abcdefgh12"}"#,
        r#"[1,2,3]"#,
        r#"{"session_id":"abc def ghi","text":"x"}"#,
    ] {
        let req = request(
            "POST",
            "/chat",
            "",
            &[("origin", "http://localhost:3000")],
            Some(body.as_bytes()),
        );
        let resp = handle(&app, req).await;
        assert_eq!(resp.status_code, 400, "{body}");
        assert!(json(&resp)["error"].is_string());
    }
}
