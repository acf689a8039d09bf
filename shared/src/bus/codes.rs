//! Stop codes: the data has none, so the project gives its own short
//! numbers (101, 102, …), kept stable from one conversion to the next by a
//! register (`data/bus/stop-codes.csv`).
//!
//! The register has one row per code ever given, `code,key`, where the key
//! is the stop's source record ids, sorted, joined by `+`. A conversion
//! gives each stop the code of the register row that shares most of its
//! ids (the lower code on a tie), updating the row's key to the stop's
//! current ids; stops that share no id with any row get new codes, one more
//! than the highest ever given, in the order of their first record in the
//! source. Rows that no stop claims stay in the register, retired: their
//! codes are never given to another stop, and come back if the stop does.

use std::collections::{BTreeMap, BTreeSet};

use super::csv::{self, Table};
use crate::Error;

/// The first stop code the register gives.
pub const FIRST_CODE: u32 = 101;
/// The last stop code (codes have at most four digits).
pub const LAST_CODE: u32 = 9999;

/// The persistent register of stop codes (`data/bus/stop-codes.csv`):
/// one row per code ever given, `code,key`, where the key is the sorted
/// source record ids of the stop joined by `+`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeRegister {
    /// Rows sorted by code.
    pub entries: Vec<CodeEntry>,
}

/// One row of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    /// The code.
    pub code: u32,
    /// The stop's source record ids, sorted, joined by `+`.
    pub key: String,
}

impl CodeRegister {
    /// Reads the register. Empty text is an empty register; otherwise the
    /// header `code,key` is required, codes must be numbers from
    /// [`FIRST_CODE`] to [`LAST_CODE`], and neither codes nor keys repeat.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let table = Table::parse(text)?;
        let (c_code, c_key) = (table.column("code")?, table.column("key")?);
        let mut entries = Vec::with_capacity(table.rows.len());
        let mut codes = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for row in &table.rows {
            let bad = |message: String| Error::Parse {
                line: row.line,
                message,
            };
            let code_text = row.fields[c_code].trim();
            let code: u32 = code_text
                .parse()
                .ok()
                .filter(|c| (FIRST_CODE..=LAST_CODE).contains(c))
                .ok_or_else(|| bad(format!("bad stop code {code_text:?}")))?;
            let key = row.fields[c_key].trim().to_owned();
            if key.is_empty() {
                return Err(bad("empty key".into()));
            }
            if !codes.insert(code) {
                return Err(bad(format!("code {code} appears twice")));
            }
            if !keys.insert(key.clone()) {
                return Err(bad(format!("key {key:?} appears twice")));
            }
            entries.push(CodeEntry { code, key });
        }
        entries.sort_by_key(|e| e.code);
        Ok(Self { entries })
    }

    /// The register as CSV, header first, rows by code.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("code,key\n");
        for e in &self.entries {
            out.push_str(&e.code.to_string());
            out.push(',');
            csv::write_field(&mut out, &e.key);
            out.push('\n');
        }
        out
    }

    /// The code the next new stop gets: one more than any code ever given,
    /// so a retired code is never reused.
    pub fn next_code(&self) -> u32 {
        self.entries
            .iter()
            .map(|e| e.code + 1)
            .max()
            .unwrap_or(FIRST_CODE)
            .max(FIRST_CODE)
    }
}

/// The codes of one conversion and the register that results.
pub(super) struct Assigned {
    /// The code of each stop, in the order of the keys.
    pub(super) codes: Vec<u32>,
    /// The register to save.
    pub(super) register: CodeRegister,
    /// Codes given for the first time.
    pub(super) new: Vec<u32>,
    /// Codes of the register no stop claimed.
    pub(super) retired: Vec<u32>,
}

/// Gives each stop (named by its key: sorted source ids joined by `+`) a
/// code. A register row whose ids overlap the stop's keeps its code for it
/// (most shared ids first, then the lower code), and its key becomes the
/// stop's current one; stops left over get fresh codes after the highest
/// ever given, in the order given; rows no stop claims stay in the register
/// as retired, so their codes are never given again.
pub(super) fn assign_codes(keys: &[String], register: &CodeRegister) -> Result<Assigned, Error> {
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (e, entry) in register.entries.iter().enumerate() {
        for id in entry.key.split('+') {
            by_id.entry(id).or_default().push(e);
        }
    }
    // (shared ids, code, stop, entry)
    let mut candidates: Vec<(usize, u32, usize, usize)> = Vec::new();
    for (s, key) in keys.iter().enumerate() {
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for id in key.split('+') {
            for &e in by_id.get(id).map(Vec::as_slice).unwrap_or_default() {
                *shared.entry(e).or_default() += 1;
            }
        }
        for (e, n) in shared {
            candidates.push((n, register.entries[e].code, s, e));
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut codes: Vec<Option<u32>> = vec![None; keys.len()];
    let mut claimed = vec![false; register.entries.len()];
    let mut entries = register.entries.clone();
    for (_, code, s, e) in candidates {
        if codes[s].is_some() || claimed[e] {
            continue;
        }
        codes[s] = Some(code);
        claimed[e] = true;
        entries[e].key = keys[s].clone();
    }
    let mut next = register.next_code();
    let mut new = Vec::new();
    let mut out = Vec::with_capacity(keys.len());
    for (s, code) in codes.into_iter().enumerate() {
        let code = match code {
            Some(c) => c,
            None => {
                if next > LAST_CODE {
                    return Err(Error::Parse {
                        line: 0,
                        message: format!("stop codes exhausted (last is {LAST_CODE})"),
                    });
                }
                entries.push(CodeEntry {
                    code: next,
                    key: keys[s].clone(),
                });
                new.push(next);
                next += 1;
                next - 1
            }
        };
        out.push(code);
    }
    let retired = register
        .entries
        .iter()
        .zip(&claimed)
        .filter(|(_, c)| !**c)
        .map(|(e, _)| e.code)
        .collect();
    entries.sort_by_key(|e| e.code);
    Ok(Assigned {
        codes: out,
        register: CodeRegister { entries },
        new,
        retired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_the_register_is_malformed_should_fail() {
        assert!(CodeRegister::parse("code,key\n101,a\n101,b\n").is_err());
        assert!(CodeRegister::parse("code,key\n101,a\n102,a\n").is_err());
        assert!(CodeRegister::parse("code,key\n99,a\n").is_err());
        assert!(CodeRegister::parse("code,key\nabc,a\n").is_err());
        assert_eq!(CodeRegister::parse("").unwrap(), CodeRegister::default());
        let r = CodeRegister::parse("code,key\n105,x\n101,y+z\n").unwrap();
        assert_eq!(r.entries[0].code, 101);
        assert_eq!(r.next_code(), 106);
    }

    fn key(ids: &[&str]) -> String {
        ids.join("+")
    }

    #[test]
    fn when_ids_move_between_stops_should_keep_the_code_with_most_shared_ids() {
        let first =
            assign_codes(&[key(&["a", "b"]), key(&["c"])], &CodeRegister::default()).unwrap();
        assert_eq!(first.codes, [101, 102]);
        // "a" leaves for a stop of its own, "d" joins "c": the first stop
        // keeps 101 through "b", the second 102 through "c", "a" gets 103.
        let second = assign_codes(
            &[key(&["b"]), key(&["c", "d"]), key(&["a"])],
            &first.register,
        )
        .unwrap();
        assert_eq!(second.codes, [101, 102, 103]);
        assert_eq!(second.register.entries[1].key, "c+d");
        assert!(second.retired.is_empty());
        // Everything goes: every code retires, new stops start after 103.
        let third = assign_codes(&[key(&["x"])], &second.register).unwrap();
        assert_eq!(third.codes, [104]);
        assert_eq!(third.retired, [101, 102, 103]);
        assert_eq!(third.register.entries.len(), 4);
    }
}
