//! Every event of `events/notices/` through the handler.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use chatbot_adapters::apigw::response_body;
use chatbot_adapters::embedded::{event_file, event_names, memory_data};
use notices::{App, handle};
use serde_json::Value;

/// 2026-11-22 17:00 in Đà Nẵng.
fn clock() -> i64 {
    1_795_341_600
}

fn json(r: &ApiGatewayV2httpResponse) -> Value {
    serde_json::from_slice(&response_body(r)).unwrap_or(Value::Null)
}

fn ids(body: &Value) -> Vec<String> {
    body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

fn expected(name: &str) -> i64 {
    match name {
        "all-current" | "kind-and-area" | "old-district" | "date-window" => 200,
        "unknown-kind" | "malformed-date" => 400,
        "unknown-area" => 404,
        other => panic!("no expectation for events/notices/{other}.json: add one"),
    }
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    let app = App {
        data: memory_data().unwrap(),
        clock,
    };
    for name in event_names("notices").unwrap() {
        let resp = handle(&app, event_file("notices", &name).unwrap()).await;
        let body = json(&resp);
        assert_eq!(resp.status_code, expected(&name), "{name}: {body}");
        match name.as_str() {
            "all-current" => {
                let ids = ids(&body);
                assert_eq!(body["total"], 10, "{ids:?}");
                assert!(
                    !ids.iter()
                        .any(|i| i.contains("2026-10") || i.contains("2026-07")),
                    "expired ones left out: {ids:?}"
                );
                let starts: Vec<i64> = body["notices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["valid_from"].as_i64().unwrap())
                    .collect();
                assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
            }
            "kind-and-area" => {
                assert_eq!(ids(&body), ["sample-power-2026-12-02-hai-chau-thanh-khe"]);
                assert_eq!(body["area"]["label"], "phường Hải Châu");
            }
            "old-district" => assert_eq!(
                ids(&body),
                [
                    "sample-flood-2026-11-29-hoa-vang-ba-na-hoa-tien",
                    "sample-storm-2026-11-28-ap-thap"
                ]
            ),
            "date-window" => assert_eq!(
                ids(&body),
                [
                    "sample-reception-2026-12-city",
                    "sample-reception-2026-11-30-hoa-cuong"
                ]
            ),
            _ => assert!(body["error"].is_string(), "{name}: {body}"),
        }
    }
}
