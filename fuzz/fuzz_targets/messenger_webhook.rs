//! Arbitrary bytes as deliveries to the Messenger webhook.
//!
//! The first byte picks how the rest is delivered; odd bytes (half of the
//! inputs) sign it with the test app secret, so that the JSON parsing and
//! the event handling run, not only the signature check:
//! - even: unsigned (no header, a malformed one, or a wrong one), or, for
//!   `6 mod 8`, the rest as the raw query of the subscription check (GET);
//! - odd, by `(b >> 1) % 4`: the raw body; the raw body base64-encoded;
//!   the rest as the text of a message in a well-formed delivery; the rest
//!   as a quick reply, postback, attachment type or location coordinates.
#![no_main]

use chatbot_fuzz::{block_on, check, coordinate, hash, messenger_app, request, warm};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use webhook_messenger::{App, TEST_APP_SECRET, signature};

const PATH: &str = "/webhooks/messenger";

thread_local! {
    static APP: std::cell::RefCell<Option<(App, u32)>> = const { std::cell::RefCell::new(None) };
}

/// A well-formed Page delivery of one messaging item.
fn delivery(b: u8, rest: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(rest).into_owned();
    let h = hash(rest);
    // A few citizens, so that conversations go on across inputs.
    let sender = format!("73987654321{:05}", h % 4);
    let mid = format!("m_{h:016x}");
    let item: Value = match (b >> 1) % 4 {
        2 => json!({ "message": { "mid": mid, "text": text } }),
        _ => match (b >> 3) % 4 {
            0 => {
                json!({ "message": { "mid": mid, "text": "x", "quick_reply": { "payload": text } } })
            }
            1 => json!({ "postback": { "title": "x", "payload": text } }),
            2 => {
                json!({ "message": { "mid": mid, "attachments": [{ "type": text, "payload": {} }] } })
            }
            _ => {
                let (lat, lng) = rest.split_at(rest.len().min(8));
                json!({ "message": { "mid": mid, "attachments": [{
                    "type": "location",
                    "payload": { "coordinates": { "lat": coordinate(lat), "long": coordinate(lng) } }
                }] } })
            }
        },
    };
    let mut item = item;
    item["sender"] = json!({ "id": sender });
    item["recipient"] = json!({ "id": "104000000000001" });
    item["timestamp"] = json!(1_795_341_600_000i64 + (h % 1000) as i64);
    json!({
        "object": "page",
        "entry": [{ "id": "104000000000001", "time": 1_795_341_600_000i64, "messaging": [item] }]
    })
    .to_string()
    .into_bytes()
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let req = if b & 1 == 0 {
        match b % 8 {
            6 => request("GET", PATH, &String::from_utf8_lossy(rest), &[], None),
            0 => request("POST", PATH, "", &[], Some(rest)),
            2 => request(
                "POST",
                PATH,
                "",
                &[("x-hub-signature-256", "sha256=zz")],
                Some(rest),
            ),
            _ => {
                let wrong = signature("not-the-secret", rest);
                request(
                    "POST",
                    PATH,
                    "",
                    &[("x-hub-signature-256", &wrong)],
                    Some(rest),
                )
            }
        }
    } else {
        let body = match (b >> 1) % 4 {
            0 | 1 => rest.to_vec(),
            _ => delivery(b, rest),
        };
        let sig = signature(TEST_APP_SECRET, &body);
        let req = request(
            "POST",
            PATH,
            "",
            &[("x-hub-signature-256", &sig)],
            Some(&body),
        );
        if (b >> 1) % 4 == 1 {
            chatbot_fuzz::base64_body(req, &body)
        } else {
            req
        }
    };
    let resp = warm(&APP, messenger_app, |app| {
        block_on(webhook_messenger::handle(app, req))
    });
    check(&resp);
});
