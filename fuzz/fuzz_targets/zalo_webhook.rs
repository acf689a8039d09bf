//! Arbitrary bytes as deliveries to the Zalo OA webhook.
//!
//! The first byte picks how the rest is delivered; odd bytes (half of the
//! inputs) sign it with the test credentials, so that the JSON parsing and
//! the event handling run, not only the signature check:
//! - even: unsigned (no headers, or a wrong signature, or the rest as the
//!   signature header itself);
//! - odd, by `(b >> 1) % 4`: the raw body signed with the header timestamp
//!   (`mac=` prefix); the same base64-encoded, the signature in upper case;
//!   the rest inside a well-formed event (text, location with numbers or
//!   strings, follow, another `user_send_*`); the raw body signed with the
//!   timestamp its own JSON carries, no timestamp header.
#![no_main]

use chatbot_fuzz::{NOW, base64_body, block_on, check, coordinate, hash, request, warm, zalo_app};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use webhook_zalo::{App, TEST_APP_ID, TEST_OA_SECRET_KEY, expected_signature};

const PATH: &str = "/webhooks/zalo";

thread_local! {
    static APP: std::cell::RefCell<Option<(App, u32)>> = const { std::cell::RefCell::new(None) };
}

/// A well-formed delivery around the rest of the input.
fn event(b: u8, rest: &[u8], ts: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(rest).into_owned();
    let h = hash(rest);
    let user = format!("88401234567890{:05}", h % 4);
    let msg_id = format!("{h:016x}");
    let mut ev: Value = match (b >> 3) % 5 {
        0 => {
            json!({ "event_name": "user_send_text", "message": { "msg_id": msg_id, "text": text } })
        }
        1 => {
            let (lat, lng) = rest.split_at(rest.len().min(8));
            let (lat, lng) = (coordinate(lat), coordinate(lng));
            // Zalo sends coordinates as numbers or as strings.
            let (lat, lng) = if h & 1 == 0 {
                (json!(lat), json!(lng))
            } else {
                (json!(lat.to_string()), json!(lng.to_string()))
            };
            json!({ "event_name": "user_send_location", "message": { "msg_id": msg_id, "text": "",
                "attachments": [{ "type": "location", "payload": { "coordinates": { "latitude": lat, "longitude": lng } } }] } })
        }
        2 => json!({ "event_name": "follow", "follower": { "id": text } }),
        3 => {
            json!({ "event_name": "user_send_text", "message": { "msg_id": text, "text": "xin chào" } })
        }
        _ => json!({ "event_name": format!("user_send_{text}"), "message": { "msg_id": msg_id } }),
    };
    ev["app_id"] = json!(TEST_APP_ID);
    ev["timestamp"] = json!(ts);
    if ev.get("follower").is_none() {
        ev["sender"] = json!({ "id": user });
    }
    ev["recipient"] = json!({ "id": "4321987654321098765" });
    ev.to_string().into_bytes()
}

/// The timestamp a body carries, as the webhook reads it.
fn body_timestamp(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body)
        .ok()
        .map(|j| j["timestamp"].clone())
    {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let ts = (NOW * 1000).to_string();
    let req = if b & 1 == 0 {
        match (b >> 1) % 4 {
            0 => request("POST", PATH, "", &[], Some(rest)),
            1 => {
                let wrong = expected_signature(TEST_APP_ID, rest, &ts, "not-the-key");
                let headers = [
                    ("x-zevent-signature", wrong.as_str()),
                    ("x-zevent-timestamp", ts.as_str()),
                ];
                request("POST", PATH, "", &headers, Some(rest))
            }
            2 => {
                let header = String::from_utf8_lossy(rest);
                let headers = [
                    ("x-zevent-signature", &*header),
                    ("x-zevent-timestamp", ts.as_str()),
                ];
                request("POST", PATH, "", &headers, Some(b"{}"))
            }
            _ => request("GET", PATH, "", &[], Some(rest)),
        }
    } else {
        match (b >> 1) % 4 {
            0 | 1 => {
                let sig = expected_signature(TEST_APP_ID, rest, &ts, TEST_OA_SECRET_KEY);
                if (b >> 1) % 4 == 0 {
                    let sig = format!("mac={sig}");
                    let headers = [
                        ("x-zevent-signature", sig.as_str()),
                        ("x-zevent-timestamp", ts.as_str()),
                    ];
                    request("POST", PATH, "", &headers, Some(rest))
                } else {
                    let sig = sig.to_uppercase();
                    let headers = [
                        ("x-zevent-signature", sig.as_str()),
                        ("x-zevent-timestamp", ts.as_str()),
                    ];
                    base64_body(request("POST", PATH, "", &headers, Some(rest)), rest)
                }
            }
            2 => {
                let body = event(b, rest, &ts);
                let sig = format!(
                    "mac={}",
                    expected_signature(TEST_APP_ID, &body, &ts, TEST_OA_SECRET_KEY)
                );
                let headers = [
                    ("x-zevent-signature", sig.as_str()),
                    ("x-zevent-timestamp", ts.as_str()),
                ];
                request("POST", PATH, "", &headers, Some(&body))
            }
            _ => {
                let body_ts = body_timestamp(rest);
                let sig = expected_signature(TEST_APP_ID, rest, &body_ts, TEST_OA_SECRET_KEY);
                request(
                    "POST",
                    PATH,
                    "",
                    &[("x-zevent-signature", sig.as_str())],
                    Some(rest),
                )
            }
        }
    };
    let resp = warm(&APP, zalo_app, |app| {
        block_on(webhook_zalo::handle(app, req))
    });
    check(&resp);
});
