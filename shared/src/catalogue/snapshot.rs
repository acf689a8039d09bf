//! The search engine in a compact binary form: what building the index
//! from the catalogue computes (term keys, postings, documents), the
//! entries and the lexicon, so that a process can start answering without
//! tokenising the catalogue or the lexicon again. The embedded default ships one, built at compile time;
//! everything cheap to derive is derived on load ([`Index::assemble`]).

use serde::{Deserialize, Serialize};

use super::index::{Index, Stored};
use super::model::{Entry, Level, ProcedureCode};
use super::packed::StrList;
use super::search::Engine;
use crate::Error;
use crate::text::lexicon::Lexicon;

/// Changes whenever the layout below, or the meaning of what it holds,
/// changes (04: toned terms carry their vowel shape's bonus; 05: the lexicon
/// spells out abbreviations of one meaning; 06: its phrase tables are
/// paths of syllables; 07: it keeps the phrases that ask for a definition;
/// 08: and the markers a variant marker implies; 09: the index keeps which
/// toned syllables the names write next to which words; 10: a name that
/// writes an abbreviation is indexed under its full words too).
const MAGIC: &[u8; 8] = b"TTHCIX10";

/// What an entry has besides its text: its levels and how many results
/// and agencies it lists.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    levels: Vec<Level>,
    results: u32,
    agencies: u32,
}

/// The fixed text fields of an entry, before its results and agencies.
const FIXED: usize = 4;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    /// The lexicon the index was built with (its words and variant markers
    /// are in the index).
    lexicon: Lexicon,
    entries: Vec<StoredEntry>,
    /// Every entry's text, entry after entry: code, name, url, field, its
    /// results, its agencies.
    text: StrList,
    index: Stored,
}

impl Snapshot {
    /// The entries, built from their text.
    fn entries(&self) -> Result<Vec<Entry>, Error> {
        let needed: usize = self
            .entries
            .iter()
            .map(|e| FIXED + e.results as usize + e.agencies as usize)
            .sum();
        if needed != self.text.len() {
            return Err(bad("entries and their text differ"));
        }
        let mut at = 0;
        let mut take = |n: u32| {
            let list: Vec<String> = (at..at + n as usize)
                .map(|i| self.text.get(i).to_owned())
                .collect();
            at += n as usize;
            list
        };
        self.entries
            .iter()
            .map(|e| {
                let [code, name, url, field]: [String; FIXED] = take(FIXED as u32)
                    .try_into()
                    .map_err(|_| bad("entry text"))?;
                Ok(Entry {
                    code: ProcedureCode::try_from(code).map_err(|e| bad(e.to_string()))?,
                    name: name.into(),
                    url,
                    levels: e.levels.clone(),
                    field,
                    results: take(e.results),
                    agencies: take(e.agencies),
                })
            })
            .collect()
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::Parse {
        line: 0,
        message: format!("engine snapshot: {}", message.into()),
    }
}

impl Engine {
    /// Whether `bytes` claim this layout of snapshot. A snapshot saved by
    /// another version of the chatbot is not "damaged": its reader indexes
    /// the catalogue instead (see the DynamoDB store).
    pub fn is_snapshot_layout(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// Names the snapshot layout (part of a published catalogue's version,
    /// so that an upgrade publishes the engine again).
    pub const SNAPSHOT_LAYOUT: &'static [u8; 8] = MAGIC;

    /// The engine as bytes for [`Engine::from_snapshot`].
    pub fn to_snapshot(&self) -> Result<Vec<u8>, Error> {
        let text = self.entries().iter().flat_map(|e| {
            [e.code.as_str(), &e.name, &e.url, &e.field]
                .into_iter()
                .chain(e.results.iter().map(String::as_str))
                .chain(e.agencies.iter().map(String::as_str))
        });
        let snapshot = Snapshot {
            lexicon: self.lexicon().clone(),
            entries: self
                .entries()
                .iter()
                .map(|e| StoredEntry {
                    levels: e.levels.clone(),
                    results: e.results.len() as u32,
                    agencies: e.agencies.len() as u32,
                })
                .collect(),
            text: text.collect(),
            index: self.index().stored(),
        };
        postcard::to_extend(&snapshot, MAGIC.to_vec()).map_err(|e| bad(e.to_string()))
    }

    /// The engine saved by [`Engine::to_snapshot`], with the lexicon it was
    /// built with.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, Error> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad("not a snapshot of this version"))?;
        let (s, rest): (Snapshot, _) =
            postcard::take_from_bytes(body).map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        if s.entries.len() != s.index.docs.len() {
            return Err(bad("entries and documents differ in number"));
        }
        let entries = s.entries()?;
        let terms = s.index.keys.len();
        if s.index.postings.len() != terms
            || !s.index.postings.is_consistent()
            || !s.index.named_pairs.is_sorted()
            || s.index
                .postings
                .all()
                .iter()
                .any(|p| p.doc as usize >= entries.len())
            || s.index.docs.iter().any(|d| {
                d.name_terms.iter().any(|&t| t as usize >= terms)
                    || d.variants.iter().any(|v| {
                        usize::from(v.marker) >= s.lexicon.variants.len()
                            || v.context.iter().any(|&t| t as usize >= terms)
                    })
            })
        {
            return Err(bad("inconsistent terms or documents"));
        }
        Ok(Engine::from_parts(
            entries,
            Index::assemble(s.index),
            s.lexicon,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn entries() -> Vec<Entry> {
        let lines = [
            r#"{"code":"1.001193","name":"Thủ tục đăng ký khai sinh","url":"https://dichvucong.gov.vn/p?ma=1.001193","levels":["commune"],"field":"Hộ tịch","results":["Giấy khai sinh"],"agencies":["UBND cấp xã"]}"#,
            r#"{"code":"1.004884","name":"Thủ tục đăng ký lại khai sinh","url":"https://dichvucong.gov.vn/p?ma=1.004884","levels":["commune"],"field":"Hộ tịch"}"#,
            r#"{"code":"1.000894","name":"Thủ tục đăng ký kết hôn","url":"https://dichvucong.gov.vn/p?ma=1.000894","levels":["commune"],"field":"Hộ tịch"}"#,
            r#"{"code":"3.000348","name":"Cấp lại giấy phép lái xe","url":"https://dichvucong.gov.vn/p?ma=3.000348","levels":["central","province"],"field":"Đường bộ"}"#,
        ];
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_loaded_snapshot_should_search_like_the_engine_it_was_made_from() {
        let lex = Lexicon::embedded().unwrap();
        let built = Engine::new(entries(), lex.clone());
        let bytes = built.to_snapshot().unwrap();
        let loaded = Engine::from_snapshot(&bytes).unwrap();
        assert_eq!(loaded.entries(), built.entries());
        for q in [
            "dang ky khai sinh",
            "đăng ký lại khai sinh",
            "dang ki ket hon mat bao lau",
            "lam lai bang lai xe",
            "khai sinhh",
            "thời tiết hôm nay",
        ] {
            assert_eq!(loaded.search(q), built.search(q), "{q}");
        }
    }

    #[test]
    fn the_same_catalogue_should_always_give_the_same_bytes() {
        // Published snapshots are checked against a checksum kept with
        // their version: two imports of one catalogue must agree.
        let a = Engine::new(entries(), Lexicon::embedded().unwrap());
        let b = Engine::new(entries(), Lexicon::embedded().unwrap());
        assert_eq!(a.to_snapshot().unwrap(), b.to_snapshot().unwrap());
    }

    #[test]
    fn a_damaged_or_foreign_snapshot_should_be_refused() {
        let lex = Lexicon::embedded().unwrap();
        let bytes = Engine::new(entries(), lex).to_snapshot().unwrap();
        assert!(Engine::from_snapshot(b"not a snapshot").is_err());
        assert!(Engine::from_snapshot(&bytes[..bytes.len() / 2]).is_err());
        let mut tail = bytes.clone();
        tail.push(0);
        assert!(Engine::from_snapshot(&tail).is_err(), "trailing bytes");
    }
}
