//! What reads citizens' text never panics and keeps its promises on any
//! input: normalisation and tokens, dossier codes, reply splitting, the bus
//! network's lookups (any coordinates, any address), the notices' areas and
//! dates, the search engine and the dialogue's reading of a message. The
//! fast, always-run counterpart of the fuzz targets of `fuzz/`
//! (`scripts/fuzz`).

use std::io::{BufRead, BufReader};
use std::sync::{Arc, OnceLock};

use chatbot::bus::BusIndex;
use chatbot::calendar::Date;
use chatbot::catalogue::{Engine, read_jsonl};
use chatbot::dialogue::{Dialogue, Incoming, State, Texts};
use chatbot::dossier::{DossierCode, Found};
use chatbot::notices::Areas;
use chatbot::reply::{shorten, split_text};
use chatbot::text::lexicon::Lexicon;
use chatbot::text::{folded_key, normalize, tokens};
use flate2::read::GzDecoder;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Text as citizens (and attackers) type it: Vietnamese letters in both
/// tone placements and as combining marks, full-width forms, invisible and
/// control characters, emoji, and any Unicode scalar.
fn citizen_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 ]{1,6}",
        4 => "[đĐăâêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]{1,4}",
        2 => "[\u{0300}\u{0301}\u{0303}\u{0309}\u{0323}\u{0306}\u{0302}\u{031B}]{1,3}",
        1 => "[\u{FF01}-\u{FF5E}\u{3000}]{1,4}",
        1 => "[\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2060}-\u{2064}\u{FEFF}\u{00AD}]{1,3}",
        1 => "[ \t\n\r\u{00A0}\u{2028}\u{1680}]{1,4}",
        1 => "[\u{0000}-\u{001F}\u{007F}-\u{009F}]{1,2}",
        1 => "[😀🇻🇳ᾨﬁẞİΣς]{1,2}",
        2 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

fn non_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn bus() -> &'static BusIndex {
    static BUS: OnceLock<BusIndex> = OnceLock::new();
    BUS.get_or_init(|| chatbot::bus::embedded().unwrap().index())
}

/// A search engine over the first procedures of the shipped catalogue:
/// the real lexicon and text handling, built in a fraction of the time of
/// the whole catalogue.
fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/procedures.jsonl.gz");
            let file = std::fs::File::open(path).unwrap();
            let lines: Vec<String> = BufReader::new(GzDecoder::new(file))
                .lines()
                .take(120)
                .collect::<Result<_, _>>()
                .unwrap();
            let procedures = read_jsonl(lines.join("\n").as_bytes()).unwrap();
            Arc::new(Engine::from_procedures(
                &procedures,
                Lexicon::embedded().unwrap(),
            ))
        })
        .clone()
}

/// A canonical dossier code with a plausible receipt date.
fn dossier_code() -> impl Strategy<Value = String> {
    (
        "[0-9]{3}",
        "[0-9]{2}",
        "[0-9]{2}",
        "[A-Z][0-9]{2}",
        "[0-9]{2}",
        1u32..=12,
        1u32..=31,
        "[0-9]{4}",
    )
        .prop_map(|(a, b, c, d, yy, mm, dd, n)| format!("{a}.{b}.{c}.{d}-{yy}{mm:02}{dd:02}-{n}"))
}

/// How citizens write a code: other separators or none, lower case,
/// full-width digits and letters.
fn as_typed(code: &str, sep: &[char], lower: bool, wide: bool) -> String {
    let mut out = String::new();
    let mut k = 0;
    for c in code.chars() {
        if c == '.' || c == '-' {
            if !sep.is_empty() {
                out.push(sep[k % sep.len()]);
            }
            k += 1;
            continue;
        }
        let c = if lower { c.to_ascii_lowercase() } else { c };
        out.push(if wide {
            char::from_u32(c as u32 + 0xFEE0).unwrap()
        } else {
            c
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn normalisation_is_stable_and_tidy(s in citizen_text()) {
        let n = normalize(&s);
        prop_assert_eq!(normalize(&n), n.clone());
        prop_assert_eq!(n.trim(), n.as_str());
        prop_assert!(!n.contains("  "), "{:?}", n);
        for t in tokens(&s) {
            prop_assert!(!t.text.is_empty());
            prop_assert!(!t.folded.chars().any(char::is_whitespace), "{:?}", t);
        }
        let _ = folded_key(&s);
    }

    #[test]
    fn nfc_and_nfd_spellings_read_the_same(s in citizen_text()) {
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(tokens(&nfc), tokens(&nfd));
    }

    #[test]
    fn a_code_is_found_however_it_is_typed(
        code in dossier_code(),
        sep in prop::collection::vec(prop::sample::select(vec!['.', '-', '_', '/', ' ', ',', '·', '–', '—']), 0..3),
        lower in any::<bool>(),
        wide in any::<bool>(),
        before in prop::sample::select(vec!["", "mã hồ sơ ", "Hồ sơ: ", "(", "tra cứu giúp "]),
        after in prop::sample::select(vec!["", " của tôi", ".", "?", ") nhé"]),
    ) {
        let text = format!("{before}{}{after}", as_typed(&code, &sep, lower, wide));
        let found = DossierCode::find_in(&text);
        prop_assert_eq!(&found, &Found::Code(DossierCode::parse(&code).unwrap()), "{}", text);
        if let Found::Code(c) = found {
            prop_assert_eq!(c.as_str(), code.as_str());
        }
    }

    #[test]
    fn what_is_found_in_any_text_is_a_canonical_code(s in citizen_text(), code in prop::option::of(dossier_code())) {
        let text = match code {
            Some(c) => format!("{s} {c} {s}"),
            None => s,
        };
        if let Found::Code(c) = DossierCode::find_in(&text) {
            prop_assert_eq!(c.as_str().len(), 25);
            prop_assert_eq!(DossierCode::parse(c.as_str()), Some(c.clone()));
            let (y, m, d) = c.receipt_date();
            prop_assert!((2000..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d));
        }
    }

    #[test]
    fn replies_are_split_within_the_limit_losing_only_spaces(s in citizen_text(), max in 1usize..40) {
        let pieces = split_text(&s, max);
        for p in &pieces {
            prop_assert!(!p.is_empty());
            prop_assert!(p.chars().count() <= max, "{:?} over {}", p, max);
        }
        prop_assert_eq!(non_space(&pieces.concat()), non_space(&s));
        prop_assert!(shorten(&s, max).chars().count() <= max);
    }

    #[test]
    fn stops_near_any_point_are_within_the_radius_nearest_first(
        lat in prop_oneof![any::<f64>(), -90.0f64..90.0, 15.9f64..16.2],
        lng in prop_oneof![any::<f64>(), -180.0f64..180.0, 107.9f64..108.4],
        radius in prop_oneof![any::<f64>(), 0.0f64..3000.0],
        limit in 0usize..20,
    ) {
        let found = bus().nearby(lat, lng, radius, limit);
        prop_assert!(found.len() <= limit);
        if !(lat.is_finite() && lng.is_finite()) {
            prop_assert!(found.is_empty());
        }
        for w in found.windows(2) {
            prop_assert!(w[0].distance_m <= w[1].distance_m);
        }
        for n in &found {
            prop_assert!(n.distance_m.is_finite() && n.distance_m <= radius.min(chatbot::bus::MAX_RADIUS_M));
        }
    }

    #[test]
    fn any_address_or_route_text_is_read_without_failing(s in citizen_text()) {
        prop_assert!(bus().search(&s, 10).len() <= 10);
        let _ = bus().routes_in_text(&s);
        let _ = bus().route(&s);
        let _ = bus().stop(&s);
        let _ = chatbot::bus::route_key(&s);
        let _ = chatbot::bus::is_stop_code(&s);
    }

    #[test]
    fn any_area_or_date_is_read_without_failing(s in citizen_text(), d in "[0-9-]{0,12}") {
        let areas = Areas::shared().unwrap();
        let _ = areas.resolve(&s);
        let _ = areas.find_in(&s);
        let _ = Date::parse(&s);
        let _ = Date::parse(&d);
        let _ = chatbot::lookup::NoticeKind::parse(&s);
    }
}

proptest! {
    // The engine and the dialogue: slower per case in a debug build.
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_query_is_searched_with_finite_scores(s in citizen_text()) {
        let engine = engine();
        let found = engine.search(&s);
        for h in &found.hits {
            prop_assert!(h.score.is_finite(), "{} scores {}", h.code, h.score);
        }
        let _ = engine.aspect_of(&s);
        let _ = engine.redact(&s);
    }

    #[test]
    fn the_dialogue_reads_any_message(
        s in citizen_text(),
        kind in 0u8..5,
        lat in any::<f64>(),
        lng in any::<f64>(),
    ) {
        let dialogue = Dialogue::new(engine(), Texts::default());
        let incoming = match kind {
            0 => Incoming::Text(s),
            1 => Incoming::Choice(s),
            2 => Incoming::Location { lat, lng },
            3 => Incoming::Unsupported(s),
            _ => Incoming::Start,
        };
        let now = 1_795_341_600;
        let _ = dialogue.plan(&State::new(now), &incoming, now);
    }
}
