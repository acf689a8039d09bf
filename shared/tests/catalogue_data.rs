//! The catalogue the repository ships (`data/procedures.jsonl.gz`) reads
//! back whole and clean.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use chatbot::catalogue::{Fee, Procedure, read_jsonl, write_jsonl};
use flate2::read::GzDecoder;
use unicode_normalization::is_nfc;

fn catalogue_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/procedures.jsonl.gz")
}

fn decompressed() -> Vec<u8> {
    let file = File::open(catalogue_path()).unwrap();
    let mut bytes = Vec::new();
    GzDecoder::new(file).read_to_end(&mut bytes).unwrap();
    bytes
}

fn load() -> Vec<Procedure> {
    let file = File::open(catalogue_path()).unwrap();
    read_jsonl(BufReader::new(GzDecoder::new(file))).unwrap()
}

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn when_shipped_catalogue_is_read_should_hold_every_procedure_once_all_nfc() {
    let procs = load();
    assert_eq!(procs.len(), 2642);
    let codes: HashSet<&str> = procs.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes.len(), procs.len(), "codes must be unique");
    for p in &procs {
        assert!(!p.name.is_empty(), "{}", p.code);
        assert!(!p.levels.is_empty(), "{}", p.code);
        let mut all = Vec::new();
        strings(&serde_json::to_value(p).unwrap(), &mut all);
        for s in all {
            assert!(is_nfc(&s), "{}: {s:?}", p.code);
            assert_eq!(s.trim(), s, "{}: untrimmed {s:?}", p.code);
        }
    }
}

#[test]
fn when_shipped_catalogue_is_written_again_should_give_the_same_bytes() {
    let procs = load();
    let mut again = Vec::new();
    write_jsonl(&mut again, &procs).unwrap();
    assert!(again == decompressed(), "the file is not in canonical form");
    assert!(
        procs.windows(2).all(|w| w[0].code < w[1].code),
        "sorted by code"
    );
}

#[test]
fn when_portal_listed_a_fee_in_thousands_should_not_ship_the_small_amount() {
    let procs = load();
    let licence = procs
        .iter()
        .find(|p| p.code.as_str() == "3.000350")
        .unwrap();
    assert_eq!(
        licence.channels[0].fee,
        Fee::Text {
            text: "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.".into()
        }
    );
    for p in &procs {
        for c in &p.channels {
            if let Fee::Amount { dong } = &c.fee {
                assert!(dong.iter().all(|&d| d >= 1_000), "{}: {dong:?}", p.code);
            }
        }
    }
}
