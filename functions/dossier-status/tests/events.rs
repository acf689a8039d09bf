//! Every event of `events/dossier-status/` through the handler, and the
//! rules around it: the per-client limit, idempotent pushes, no personal
//! data in answers.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chatbot_adapters::apigw::{request, response_body};
use chatbot_adapters::embedded::{event_file, event_names, memory_data};
use dossier_status::{App, Config, handle};
use serde_json::Value;

/// 2026-11-22 10:00 UTC, when the events were "sent".
fn clock() -> i64 {
    1_795_341_600
}

fn new_app() -> App {
    App {
        data: memory_data().unwrap(),
        config: Config {
            push_key: Some("test-dossier-push-key".into()),
        },
        clock,
    }
}

fn json(r: &ApiGatewayV2httpResponse) -> Value {
    serde_json::from_slice(&response_body(r)).unwrap_or(Value::Null)
}

fn expected(name: &str) -> i64 {
    match name {
        "get-found" | "get-loose-code" => 200,
        "put-iam" => 200,
        "put-api-key" => 200,
        "get-not-found" => 404,
        "get-malformed" | "get-look-alike" | "put-code-mismatch" | "put-malformed-json" => 400,
        "put-wrong-key" => 401,
        "put-stale" => 409,
        "put-invalid" => 422,
        other => panic!("no expectation for events/dossier-status/{other}.json: add one"),
    }
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    for name in event_names("dossier-status").unwrap() {
        // A fresh app per file: the pushes change the stored status.
        let app = new_app();
        let resp = handle(&app, event_file("dossier-status", &name).unwrap()).await;
        let body = json(&resp);
        assert_eq!(resp.status_code, expected(&name), "{name}: {body}");
        match name.as_str() {
            "get-found" | "get-loose-code" => {
                assert_eq!(body["code"], "000.00.17.H17-261120-0012");
                assert_eq!(body["status"], "processing");
                assert_eq!(body["status_label"], "Đang xử lý");
                assert_eq!(body["days_left"], 5, "due 27/11, asked 22/11");
                assert_eq!(body["sample"], true);
            }
            "put-iam" | "put-api-key" => assert_eq!(body["result"], "updated"),
            "put-invalid" => assert_eq!(body["field"], "due"),
            "get-look-alike" => {
                assert!(body["error"].as_str().unwrap().contains("look like"))
            }
            _ => assert!(body["error"].is_string(), "{name}: {body}"),
        }
    }
}

#[tokio::test]
async fn a_push_should_be_seen_by_the_next_lookup_and_never_echo_the_applicant() {
    let app = new_app();
    let put = handle(&app, event_file("dossier-status", "put-iam").unwrap()).await;
    assert_eq!(put.status_code, 200);
    let again = handle(&app, event_file("dossier-status", "put-iam").unwrap()).await;
    assert_eq!(json(&again)["result"], "unchanged", "a redelivered push");
    let got = handle(&app, event_file("dossier-status", "get-found").unwrap()).await;
    let body = json(&got);
    assert_eq!(body["status"], "result_ready");
    assert!(body.get("days_left").is_none(), "finished: no countdown");
    let text = String::from_utf8(response_body(&got)).unwrap();
    assert!(!text.contains("Nguyễn Văn Mẫu") && !text.contains("0905000000"));
}

#[tokio::test]
async fn lookups_should_be_limited_per_client_and_minute() {
    let app = new_app();
    let mut statuses = Vec::new();
    for i in 0..7 {
        // Different codes, as an enumeration would try.
        let path = format!("/dossiers/000.00.17.H17-261120-{:04}", 100 + i);
        let mut req = request("GET", &path, "", &[], None);
        req.request_context.http.source_ip = Some("198.51.100.7".into());
        statuses.push(handle(&app, req).await.status_code);
    }
    assert_eq!(statuses, vec![404, 404, 404, 404, 404, 429, 429]);
    let mut other = request("GET", "/dossiers/000.00.17.H17-261120-0012", "", &[], None);
    other.request_context.http.source_ip = Some("198.51.100.8".into());
    assert_eq!(handle(&app, other).await.status_code, 200, "another client");
}

#[tokio::test]
async fn pushes_should_need_iam_or_the_configured_key() {
    let mut app = new_app();
    app.config.push_key = None;
    let keyed = handle(&app, event_file("dossier-status", "put-api-key").unwrap()).await;
    assert_eq!(keyed.status_code, 403, "no key configured, no IAM context");
    let iam = handle(&app, event_file("dossier-status", "put-iam").unwrap()).await;
    assert_eq!(iam.status_code, 200);
    let wrong_method = request(
        "DELETE",
        "/dossiers/000.00.17.H17-261120-0012",
        "",
        &[],
        None,
    );
    assert_eq!(handle(&app, wrong_method).await.status_code, 405);
}
