//! Citizens' text through everything that reads it: normalisation and
//! tokens (with the properties the text module promises), the search
//! engine of the shipped catalogue, the bus network's address search and
//! route mentions, and the reply splitting.
#![no_main]

use std::sync::OnceLock;

use chatbot::bus::BusIndex;
use chatbot::reply::{shorten, split_text};
use chatbot::text::{folded_key, normalize, split, tokens};
use chatbot_adapters::embedded::shared_catalogue;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

/// Longest text searched (the widget takes 1,000 characters; the engine
/// caps a query's tokens anyway).
const MAX_SEARCHED: usize = 2_000;

fn bus() -> &'static BusIndex {
    static BUS: OnceLock<BusIndex> = OnceLock::new();
    BUS.get_or_init(|| {
        chatbot::bus::embedded()
            .expect("the shipped network")
            .index()
    })
}

fn non_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);

    let n = normalize(&s);
    assert_eq!(normalize(&n), n, "normalize is not idempotent");
    assert_eq!(n.trim(), n, "normalize leaves outer spaces");
    assert!(!n.contains("  "), "normalize leaves a double space");
    let _ = split(&n).count();
    let t = tokens(&s);
    let _ = folded_key(&s);
    for tok in &t {
        assert!(!tok.text.is_empty());
    }
    let nfd: String = s.nfd().collect();
    let nfc: String = s.nfc().collect();
    assert_eq!(tokens(&nfd), tokens(&nfc), "NFC and NFD spellings differ");

    // Reply splitting: every piece fits, nothing but spaces is lost.
    let max = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let pieces = split_text(&s, max);
    for p in &pieces {
        assert!(p.chars().count() <= max, "{p:?} is over {max}");
        assert!(!p.is_empty());
    }
    assert_eq!(non_space(&pieces.concat()), non_space(&s));
    assert!(shorten(&s, max).chars().count() <= max);

    if data.len() <= MAX_SEARCHED {
        let catalogue = shared_catalogue().expect("the shipped catalogue");
        let found = catalogue.engine.search(&s);
        for h in &found.hits {
            assert!(h.score.is_finite(), "score {} for {}", h.score, h.code);
        }
        let _ = catalogue.engine.aspect_of(&s);
        let _ = catalogue.engine.redact(&s);
        let bus = bus();
        assert!(bus.search(&s, 10).len() <= 10);
        let _ = bus.routes_in_text(&s);
        let _ = bus.route(&s);
    }
});
