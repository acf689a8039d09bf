//! Every event of `events/webhook-messenger/` through the handler, with
//! in-memory stores and the outbox standing in for the Send API.

use std::sync::Arc;

use chatbot_adapters::apigw::response_body;
use chatbot_adapters::embedded::{event_file, event_names, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use serde_json::Value;
use webhook_messenger::{App, Config, TEST_APP_SECRET, TEST_VERIFY_TOKEN, handle};

/// The events were sent at 2026-11-22 10:00:00 UTC.
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

/// The status each event file must get.
fn expected(name: &str) -> i64 {
    match name {
        "verify" | "echo" | "delivery-read" | "batched" => 200,
        "text"
        | "text-unicode-escaped"
        | "quick-reply"
        | "postback-menu"
        | "get-started"
        | "location"
        | "image"
        | "base64-body" => 200,
        "verify-wrong-token" | "bad-signature" | "missing-signature" => 403,
        other => panic!("no expectation for events/webhook-messenger/{other}.json: add one"),
    }
}

fn texts(outbox: &Outbox) -> Vec<String> {
    outbox
        .items()
        .iter()
        .map(|i| {
            let m = &i.body["message"];
            m["text"]
                .as_str()
                .or_else(|| m["attachment"]["payload"]["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    for name in event_names("webhook-messenger").unwrap() {
        let (app, outbox) = new_app();
        let status = expected(&name);
        let resp = handle(&app, event_file("webhook-messenger", &name).unwrap()).await;
        assert_eq!(
            resp.status_code,
            status,
            "{name}: {}",
            String::from_utf8_lossy(&response_body(&resp))
        );
        let sent = outbox.items().len();
        match name.as_str() {
            "verify" => assert_eq!(response_body(&resp), b"1158201444"),
            "echo" | "delivery-read" | "bad-signature" | "missing-signature"
            | "verify-wrong-token" => {
                assert_eq!(sent, 0, "{name} should send nothing")
            }
            "batched" => {
                let recipients: Vec<String> = outbox
                    .items()
                    .iter()
                    .map(|i| {
                        i.body["recipient"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect();
                assert!(
                    recipients.iter().any(|r| r == "7398765432109876"),
                    "{recipients:?}"
                );
                let all = texts(&outbox).join("\n");
                assert!(
                    all.contains("tạm trú") && all.contains("căn cước") && all.contains("kết hôn"),
                    "{all}"
                );
            }
            "text" => assert!(
                texts(&outbox).join("\n").contains("khai sinh"),
                "{:?}",
                texts(&outbox)
            ),
            "text-unicode-escaped" => assert!(
                texts(&outbox).join("\n").contains("hộ chiếu"),
                "{:?}",
                texts(&outbox)
            ),
            "base64-body" => assert!(
                texts(&outbox).join("\n").contains("hộ chiếu"),
                "{:?}",
                texts(&outbox)
            ),
            "get-started" => assert!(
                texts(&outbox).join("\n").contains("Xin chào"),
                "{:?}",
                texts(&outbox)
            ),
            "location" => assert!(
                texts(&outbox)
                    .join("\n")
                    .contains("Các trạm xe buýt gần Anh/Chị nhất"),
                "{:?}",
                texts(&outbox)
            ),
            "image" => assert!(
                texts(&outbox).join("\n").contains("hình ảnh"),
                "{:?}",
                texts(&outbox)
            ),
            _ => assert!(sent >= 1, "{name} should be answered"),
        }
        for item in outbox.items() {
            assert_eq!(item.body["messaging_type"], "RESPONSE");
        }
    }
}

#[tokio::test]
async fn when_an_event_is_delivered_three_times_should_reply_once() {
    // Sequentially.
    let (app, outbox) = new_app();
    let resp = handle(&app, event_file("webhook-messenger", "text").unwrap()).await;
    assert_eq!(resp.status_code, 200);
    let one_reply = outbox.items();
    assert!(!one_reply.is_empty());
    for _ in 0..2 {
        let resp = handle(&app, event_file("webhook-messenger", "text").unwrap()).await;
        assert_eq!(resp.status_code, 200);
    }
    assert_eq!(outbox.items(), one_reply);
    // Concurrently.
    let (app, outbox) = new_app();
    let (a, b, c) = tokio::join!(
        handle(&app, event_file("webhook-messenger", "text").unwrap()),
        handle(&app, event_file("webhook-messenger", "text").unwrap()),
        handle(&app, event_file("webhook-messenger", "text").unwrap()),
    );
    assert!([a, b, c].iter().all(|r| r.status_code == 200));
    assert_eq!(outbox.items(), one_reply);
}

#[tokio::test]
async fn when_the_body_is_re_serialised_the_signature_should_no_longer_match() {
    let (app, outbox) = new_app();
    let mut ev = event_file("webhook-messenger", "text-unicode-escaped").unwrap();
    let body: Value = serde_json::from_str(ev.body.as_deref().unwrap()).unwrap();
    // Same JSON, written differently (raw UTF-8 instead of \u escapes).
    ev.body = Some(serde_json::to_string(&body).unwrap());
    let resp = handle(&app, ev).await;
    assert_eq!(resp.status_code, 403);
    assert!(outbox.items().is_empty());
}
