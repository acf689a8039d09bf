//! Dossier codes in arbitrary text: `DossierCode::find_in` and `parse`
//! never panic, and what they find is canonical.
#![no_main]

use chatbot::dossier::{DossierCode, Found};
use libfuzzer_sys::fuzz_target;

/// `000.00.04.H51-200221-0001`: 3.2.2.3-6-4 ASCII letters and digits.
fn canonical(c: &str) -> bool {
    let parts: Vec<&str> = c.split(['.', '-']).collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    c.len() == 25
        && lens == [3, 2, 2, 3, 6, 4]
        && c.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.' || b == b'-')
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    match DossierCode::find_in(&s) {
        Found::Code(c) => {
            assert!(canonical(c.as_str()), "not canonical: {c}");
            // A canonical code reads back as itself.
            assert_eq!(DossierCode::parse(c.as_str()).as_ref(), Some(&c));
            let (y, m, d) = c.receipt_date();
            assert!((2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d));
            // And through serde, as stores and pushes carry it.
            let json = serde_json::to_string(&c).expect("a code serialises");
            let back: DossierCode = serde_json::from_str(&json).expect("a code deserialises");
            assert_eq!(back, c);
        }
        Found::LookAlike | Found::None => {}
    }
    if let Some(c) = DossierCode::parse(&s) {
        assert!(canonical(c.as_str()), "not canonical: {c}");
    }
    let _ = serde_json::from_str::<DossierCode>(&serde_json::to_string(&*s).unwrap_or_default());
});
