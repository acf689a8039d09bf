//! Every event of `events/bus-stops/` through the handler.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use bus_stops::{App, handle};
use chatbot_adapters::apigw::{request, response_body};
use chatbot_adapters::embedded::{event_file, event_names, memory_data};
use serde_json::Value;

fn clock() -> i64 {
    1_795_341_600
}

fn json(r: &ApiGatewayV2httpResponse) -> Value {
    serde_json::from_slice(&response_body(r)).unwrap_or(Value::Null)
}

fn expected(name: &str) -> i64 {
    match name {
        "stop-found"
        | "nearby-found"
        | "nearby-none"
        | "search-found"
        | "search-none"
        | "route-found"
        | "route-former-number" => 200,
        "stop-not-found" | "route-not-found" => 404,
        "stop-malformed" | "nearby-malformed" | "nearby-radius-too-large" | "search-missing" => 400,
        other => panic!("no expectation for events/bus-stops/{other}.json: add one"),
    }
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    let app = App {
        data: memory_data().unwrap(),
        clock,
    };
    for name in event_names("bus-stops").unwrap() {
        let resp = handle(&app, event_file("bus-stops", &name).unwrap()).await;
        let body = json(&resp);
        assert_eq!(resp.status_code, expected(&name), "{name}: {body}");
        match name.as_str() {
            "stop-found" => {
                assert_eq!(body["code"], "101");
                assert_eq!(body["routes"][0]["number"], "13");
            }
            "nearby-found" => {
                let stops = body["stops"].as_array().unwrap();
                assert!(!stops.is_empty() && stops.len() <= 10);
                assert_eq!(stops[0]["code"], "101", "the nearest first");
                assert!(
                    stops
                        .iter()
                        .all(|s| s["distance_m"].as_u64().unwrap() <= 300)
                );
                assert!(stops[0]["walk_minutes"].as_u64().is_some());
            }
            "nearby-none" | "search-none" => assert_eq!(body["stops"], Value::Array(vec![])),
            "search-found" => assert_eq!(body["stops"][0]["name"], "101 Nguyễn Văn Cừ"),
            "route-found" => {
                assert_eq!(body["number"], "05");
                assert_eq!(body["status"]["state"], "active");
            }
            "route-former-number" => {
                assert_eq!(body["number"], "13");
                assert!(body.get("source_note").is_none(), "{body}");
            }
            _ => assert!(body["error"].is_string(), "{name}: {body}"),
        }
    }
}

#[tokio::test]
async fn only_get_is_answered() {
    let app = App {
        data: memory_data().unwrap(),
        clock,
    };
    let r = handle(
        &app,
        request("POST", "/bus/stops/101", "", &[], Some(b"{}")),
    )
    .await;
    assert_eq!(r.status_code, 405);
    let r = handle(&app, request("GET", "/bus/elsewhere", "", &[], None)).await;
    assert_eq!(r.status_code, 404);
}
