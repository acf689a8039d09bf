//! Arbitrary query strings to `GET /notices` (kind, area, from, to).
#![no_main]

use chatbot_fuzz::{block_on, check, notices_app, request, warm};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static APP: std::cell::RefCell<Option<(notices::App, u32)>> = const { std::cell::RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    let q = String::from_utf8_lossy(data);
    let req = request("GET", "/notices", &q, &[], None);
    let resp = warm(&APP, notices_app, |app| block_on(notices::handle(app, req)));
    check(&resp);
});
