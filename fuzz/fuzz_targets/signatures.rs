//! The two signature checks on arbitrary secrets, bodies, timestamps and
//! headers: they never panic, accept what the platform would send, and
//! accept nothing else.
//!
//! The input is cut in four at points its first two bytes choose: secret
//! (or app id and OA key), body, timestamp, header.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Cuts `data` into four parts at points its first two bytes choose.
fn parts(data: &[u8]) -> [&[u8]; 4] {
    let (a, rest) = chatbot_fuzz::split(data);
    let (b, rest) = chatbot_fuzz::split(rest);
    let (c, d) = rest.split_at(rest.len() / 2);
    [a, b, c, d]
}

fuzz_target!(|data: &[u8]| {
    let [secret, body, ts, header] = parts(data);
    let secret = String::from_utf8_lossy(secret);
    let ts = String::from_utf8_lossy(ts);
    let header = String::from_utf8_lossy(header);

    // Messenger: `sha256=<hex HMAC-SHA256>`.
    let good = webhook_messenger::signature(&secret, body);
    assert!(webhook_messenger::signature_valid(
        &secret,
        body,
        Some(&good)
    ));
    // As Meta sends it, or padded and in upper-case hex.
    let upper = format!("  sha256={}  ", good["sha256=".len()..].to_uppercase());
    assert!(webhook_messenger::signature_valid(
        &secret,
        body,
        Some(&upper)
    ));
    assert!(!webhook_messenger::signature_valid(&secret, body, None));
    if webhook_messenger::signature_valid(&secret, body, Some(&header)) {
        // Only the right MAC, in either hex case, passes.
        let given = header.trim().strip_prefix("sha256=").map(str::trim);
        assert_eq!(
            given.map(str::to_ascii_lowercase).as_deref(),
            good.strip_prefix("sha256="),
            "accepted {header:?}"
        );
    }
    let mut flipped = good.clone().into_bytes();
    if let Some(last) = flipped.last_mut() {
        *last = if *last == b'0' { b'1' } else { b'0' };
    }
    assert!(!webhook_messenger::signature_valid(
        &secret,
        body,
        Some(&String::from_utf8_lossy(&flipped))
    ));

    // Zalo: hex SHA-256 of app id + body + timestamp + OA secret key.
    let (app_id, key) = secret.split_at(secret.floor_char_boundary(secret.len() / 2));
    let config = webhook_zalo::Config::new(app_id, key, None, "http://127.0.0.1:9");
    let expected = webhook_zalo::expected_signature(app_id, body, &ts, key);
    assert!(webhook_zalo::signature_valid(
        &config,
        body,
        &ts,
        Some(&expected)
    ));
    assert!(webhook_zalo::signature_valid(
        &config,
        body,
        &ts,
        Some(&format!("mac={expected}"))
    ));
    assert!(webhook_zalo::signature_valid(
        &config,
        body,
        &ts,
        Some(&expected.to_uppercase())
    ));
    assert!(!webhook_zalo::signature_valid(&config, body, &ts, None));
    if webhook_zalo::signature_valid(&config, body, &ts, Some(&header)) {
        let h = header.trim();
        let given = h.strip_prefix("mac=").unwrap_or(h).to_ascii_lowercase();
        assert_eq!(given, expected, "accepted {header:?}");
    }
    let other_ts = format!("{ts}0");
    assert!(!webhook_zalo::signature_valid(
        &config,
        body,
        &other_ts,
        Some(&expected)
    ));
});
