//! Every event of `events/webhook-zalo/` through the handler, with
//! in-memory stores and the outbox standing in for the OA API.

use std::sync::Arc;

use chatbot_adapters::apigw::response_body;
use chatbot_adapters::embedded::{event_file, event_names, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use webhook_zalo::{App, Config, TEST_APP_ID, TEST_OA_SECRET_KEY, handle};

/// 30 s after the events were sent (2026-11-22 10:00:00 UTC).
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

fn expected(name: &str) -> i64 {
    match name {
        "text" | "button-payload" | "location" | "location-lat-long" | "follow" | "image"
        | "sticker" | "unfollow" | "oa-echo" | "mac-prefix" | "header-timestamp" => 200,
        "bad-signature" | "stale-timestamp" => 401,
        other => panic!("no expectation for events/webhook-zalo/{other}.json: add one"),
    }
}

fn sent_text(outbox: &Outbox) -> String {
    outbox
        .items()
        .iter()
        .map(|i| {
            i.body["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_event_file_should_get_its_expected_answer() {
    for name in event_names("webhook-zalo").unwrap() {
        let (app, outbox) = new_app();
        let resp = handle(&app, event_file("webhook-zalo", &name).unwrap()).await;
        assert_eq!(
            resp.status_code,
            expected(&name),
            "{name}: {}",
            String::from_utf8_lossy(&response_body(&resp))
        );
        let text = sent_text(&outbox);
        let sent = outbox.items().len();
        match name.as_str() {
            "unfollow" | "oa-echo" | "bad-signature" | "stale-timestamp" => {
                assert_eq!(sent, 0, "{name}")
            }
            "text" => assert!(text.contains("tạm trú"), "{text}"),
            "button-payload" => assert!(text.contains("mã hồ sơ"), "{text}"),
            // Next to the Hàn market: stops with their routes.
            "location" => assert!(
                text.starts_with("Các trạm xe buýt gần Anh/Chị nhất:"),
                "{text}"
            ),
            // No running route within the default radius: said plainly.
            "location-lat-long" => assert!(
                text.starts_with("Không có trạm xe buýt nào trong bán kính 500 m"),
                "{text}"
            ),
            "follow" => assert!(text.contains("Xin chào"), "{text}"),
            "image" => assert!(text.contains("hình ảnh"), "{text}"),
            "sticker" => assert!(text.contains("chưa đọc được"), "{text}"),
            "mac-prefix" => assert!(text.contains("hộ chiếu"), "{text}"),
            "header-timestamp" => assert!(text.contains("căn cước"), "{text}"),
            other => panic!("{other}"),
        }
        for item in outbox.items() {
            assert_eq!(item.body["recipient"]["user_id"], "8840123456789012345");
            assert_eq!(sent, 1, "one combined message per event");
        }
    }
}

#[tokio::test]
async fn when_an_event_is_delivered_three_times_should_reply_once() {
    let (app, outbox) = new_app();
    for _ in 0..3 {
        assert_eq!(
            handle(&app, event_file("webhook-zalo", "text").unwrap())
                .await
                .status_code,
            200
        );
    }
    assert_eq!(outbox.items().len(), 1);
    let (app, outbox) = new_app();
    let (a, b, c) = tokio::join!(
        handle(&app, event_file("webhook-zalo", "text").unwrap()),
        handle(&app, event_file("webhook-zalo", "text").unwrap()),
        handle(&app, event_file("webhook-zalo", "text").unwrap()),
    );
    assert!([a, b, c].iter().all(|r| r.status_code == 200));
    assert_eq!(outbox.items().len(), 1);
}

#[tokio::test]
async fn when_the_clock_is_far_from_the_event_should_refuse_it() {
    let (mut app, outbox) = new_app();
    app.clock = || 1_795_341_600 + 6 * 60;
    assert_eq!(
        handle(&app, event_file("webhook-zalo", "text").unwrap())
            .await
            .status_code,
        401
    );
    app.clock = || 1_795_341_600 - 6 * 60;
    assert_eq!(
        handle(&app, event_file("webhook-zalo", "text").unwrap())
            .await
            .status_code,
        401
    );
    assert!(outbox.items().is_empty());
}
