//! Arbitrary bytes as requests to the web widget's chat endpoint.
//!
//! The first byte picks how the rest is sent (`b % 4`): the raw body of
//! `POST /chat` from the portal's origin; the same base64-encoded; the rest
//! as the text (or, for some inputs, the choice or session id) of a
//! well-formed request; the rest as the `Origin` of a preflight or a chat
//! request, or the raw body of a request without an `Origin`.
#![no_main]

use chatbot_fuzz::{WEB_ORIGIN, base64_body, block_on, check, request, split, warm, web_app};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use webhook_web::App;

thread_local! {
    static APP: std::cell::RefCell<Option<(App, u32)>> = const { std::cell::RefCell::new(None) };
}

const SESSIONS: [&str; 3] = ["fuzz-session-1", "fuzz_session_2", "FUZZSESSION3"];

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let origin = [("origin", WEB_ORIGIN)];
    let req = match b % 4 {
        0 => request("POST", "/chat", "", &origin, Some(rest)),
        1 => base64_body(request("POST", "/chat", "", &origin, Some(rest)), rest),
        2 => {
            let text = String::from_utf8_lossy(rest);
            let session = SESSIONS[usize::from(b >> 2) % SESSIONS.len()];
            let body = match (b >> 2) % 8 {
                0..=3 => json!({ "session_id": session, "text": text }),
                4 | 5 => json!({ "session_id": session, "choice": text }),
                6 => json!({ "session_id": text, "start": true }),
                _ => {
                    let (s, t) = split(rest);
                    json!({ "session_id": String::from_utf8_lossy(s), "text": String::from_utf8_lossy(t) })
                }
            };
            request(
                "POST",
                "/chat",
                "",
                &origin,
                Some(body.to_string().as_bytes()),
            )
        }
        _ => {
            let other = String::from_utf8_lossy(rest);
            let headers = [("origin", &*other)];
            match (b >> 2) % 4 {
                0 => request("OPTIONS", "/chat", "", &headers, None),
                1 => request(
                    "POST",
                    "/chat",
                    "",
                    &headers,
                    Some(br#"{"session_id":"fuzz-session-1","text":"xin chao"}"#),
                ),
                2 => request("POST", "/chat", "", &[], Some(rest)),
                _ => request("GET", &format!("/{other}"), "", &origin, None),
            }
        }
    };
    let resp = warm(&APP, web_app, |app| block_on(webhook_web::handle(app, req)));
    check(&resp);
});
