//! Arbitrary query strings to `GET /bus/stops/nearby` (latitude,
//! longitude and radius as a citizen's browser sends them), and, for some
//! inputs, to the stop search and the stop and route paths.
//!
//! The locations that Messenger and Zalo deliver are fuzzed through their
//! webhooks (`messenger_webhook`, `zalo_webhook`).
#![no_main]

use chatbot_fuzz::{block_on, bus_app, check, request, split, warm};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static APP: std::cell::RefCell<Option<(bus_stops::App, u32)>> = const { std::cell::RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let req = match b % 8 {
        // Mostly the nearby query, as raw text or as three numbers.
        0..=3 => request("GET", "/bus/stops/nearby", &text, &[], None),
        4 => {
            let (lat, rest) = split(rest);
            let (lng, radius) = split(rest);
            let q = format!(
                "lat={}&lng={}&radius={}",
                String::from_utf8_lossy(lat),
                String::from_utf8_lossy(lng),
                String::from_utf8_lossy(radius)
            );
            request("GET", "/bus/stops/nearby", &q, &[], None)
        }
        5 => request("GET", "/bus/stops", &text, &[], None),
        6 => request("GET", &format!("/bus/stops/{text}"), "", &[], None),
        _ => request("GET", &format!("/bus/routes/{text}"), "", &[], None),
    };
    let resp = warm(&APP, bus_app, |app| block_on(bus_stops::handle(app, req)));
    check(&resp);
});
