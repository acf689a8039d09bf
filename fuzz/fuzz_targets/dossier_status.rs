//! Arbitrary dossier codes and pushes to `dossier-status`: the code in the
//! path of `GET /dossiers/{code}`, and the JSON body of an authorised
//! `PUT /dossiers/{code}` from the one-stop system.
#![no_main]

use chatbot_fuzz::{
    DOSSIER_PUSH_KEY, base64_body, block_on, check, dossier_app, request, split, warm,
};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static APP: std::cell::RefCell<Option<(dossier_status::App, u32)>> = const { std::cell::RefCell::new(None) };
}

/// The code of the pushes in events/dossier-status/.
const KNOWN: &str = "000.00.17.H17-261120-0012";

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let key = [("x-api-key", DOSSIER_PUSH_KEY)];
    let req = match b % 4 {
        0 => request(
            "GET",
            &format!("/dossiers/{}", String::from_utf8_lossy(rest)),
            "",
            &[],
            None,
        ),
        1 => request("PUT", &format!("/dossiers/{KNOWN}"), "", &key, Some(rest)),
        2 => base64_body(
            request("PUT", &format!("/dossiers/{KNOWN}"), "", &key, Some(rest)),
            rest,
        ),
        _ => {
            let (code, body) = split(rest);
            let path = format!("/dossiers/{}", String::from_utf8_lossy(code));
            let method = if b & 4 == 0 { "PUT" } else { "DELETE" };
            request(method, &path, "", &key, Some(body))
        }
    };
    let resp = warm(&APP, dossier_app, |app| {
        block_on(dossier_status::handle(app, req))
    });
    check(&resp);
});
