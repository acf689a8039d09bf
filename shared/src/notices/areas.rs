//! The wards of Đà Nẵng since 1 July 2025 and the names citizens still use
//! for them: the wards and communes before the merger, and the old districts
//! (quận, huyện, thị xã, thành phố) that no longer exist.
//!
//! The data is `data/admin/wards.json`, converted from VietMap's
//! administrative data by [`super::vietmap::convert`] and compiled into the
//! binary. Administrative data provided by VietMap.
//!
//! Names match on tokens ([`crate::text::tokens`]): without diacritics
//! ("thanh khe"), with the type word abbreviated ("p. Hải Châu", "Q.Thanh
//! Khê", "tp Hội An") or left out. When one name means several places, the
//! longest match wins, then a match whose type word agrees, then the
//! current name over a former one over an old district: "Hải Châu" is the
//! ward, "quận Hải Châu" the old district.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::text::{Token, folded_key, normalize, split, tokens};

/// The attribution VietMap's licence requires wherever its administrative
/// data (or data derived from it) is shown or shipped.
pub const ATTRIBUTION: &str = "Administrative data provided by VietMap";

/// One commune-level unit of Đà Nẵng (phường, xã or đặc khu).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    /// VietMap's code of the unit, e.g. "19469" for phường Hải Châu.
    pub code: String,
    /// The name without its type word: "Hải Châu".
    pub name: String,
    /// "phường", "xã" or "đặc khu".
    pub kind: String,
    /// The wards and communes merged into this one on 1 July 2025, each with
    /// its old district: "phường Hòa Cường Bắc, quận Hải Châu".
    #[serde(default)]
    pub former: Vec<String>,
}

impl Ward {
    /// The name with its type word, as a sentence shows it: "phường Hải
    /// Châu".
    pub fn label(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

/// A district-level unit abolished on 1 July 2025, with the current wards
/// that took over its wards and communes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// The name without its type word: "Hòa Vang".
    pub name: String,
    /// "quận", "huyện", "thị xã" or "thành phố".
    pub kind: String,
    /// The province it belonged to: "thành phố Đà Nẵng", "tỉnh Quảng Nam".
    pub province: String,
    /// Codes of the current wards its wards went to, in code order.
    pub wards: Vec<String>,
}

impl District {
    /// "huyện Hòa Vang (cũ)".
    pub fn label(&self) -> String {
        format!("{} {} (cũ)", self.kind, self.name)
    }
}

/// The place a citizen named, as a set of current wards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// What to show the citizen: "phường Hải Châu", "phường Hòa Cường Bắc
    /// (cũ, quận Hải Châu)", "quận Hải Châu (cũ)". When a name was
    /// ambiguous, the labels of every place it may mean, joined by " / ".
    pub label: String,
    /// Codes of the current wards, in code order, without repeats.
    pub wards: Vec<String>,
}

/// The layout of `data/admin/wards.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AreasFile {
    pub attribution: String,
    pub source: String,
    pub wards: Vec<Ward>,
    pub districts: Vec<District>,
}

/// Type words of administrative units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Phuong,
    Xa,
    DacKhu,
    ThiTran,
    Quan,
    Huyen,
    ThanhPho,
    ThiXa,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::Phuong,
        Kind::Xa,
        Kind::DacKhu,
        Kind::ThiTran,
        Kind::Quan,
        Kind::Huyen,
        Kind::ThanhPho,
        Kind::ThiXa,
    ];

    /// The type word, lower case, as written inside a sentence.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Phuong => "phường",
            Kind::Xa => "xã",
            Kind::DacKhu => "đặc khu",
            Kind::ThiTran => "thị trấn",
            Kind::Quan => "quận",
            Kind::Huyen => "huyện",
            Kind::ThanhPho => "thành phố",
            Kind::ThiXa => "thị xã",
        }
    }

    /// Whether the unit is district-level (as opposed to commune-level).
    pub(crate) fn is_district(self) -> bool {
        matches!(
            self,
            Kind::Quan | Kind::Huyen | Kind::ThanhPho | Kind::ThiXa
        )
    }

    /// The kind a type word names ("Phường", "thị xã"), in any case.
    pub(crate) fn parse(label: &str) -> Option<Kind> {
        let label = normalize(label);
        Kind::ALL.into_iter().find(|k| k.label() == label)
    }

    /// Splits a name with its type word ("Phường Hòa Cường Bắc") into the
    /// kind and the bare name ("Hòa Cường Bắc").
    pub(crate) fn split_prefix(s: &str) -> Option<(Kind, String)> {
        let words: Vec<&str> = s.split_whitespace().collect();
        Kind::ALL.into_iter().find_map(|k| {
            let n = k.label().split(' ').count();
            (words.len() > n && normalize(&words[..n].join(" ")) == k.label())
                .then(|| (k, words[n..].join(" ")))
        })
    }
}

/// Type words as citizens type them, abbreviations included ("p.", "Q.",
/// "tp", "h."): punctuation separates tokens, so "P.Hải Châu" reads as
/// "p hải châu".
const TYPE_WORDS: &[(&str, Kind)] = &[
    ("phường", Kind::Phuong),
    ("p", Kind::Phuong),
    ("f", Kind::Phuong),
    ("xã", Kind::Xa),
    ("x", Kind::Xa),
    ("đặc khu", Kind::DacKhu),
    ("thị trấn", Kind::ThiTran),
    ("tt", Kind::ThiTran),
    ("quận", Kind::Quan),
    ("q", Kind::Quan),
    ("huyện", Kind::Huyen),
    ("h", Kind::Huyen),
    ("thành phố", Kind::ThanhPho),
    ("tp", Kind::ThanhPho),
    ("thị xã", Kind::ThiXa),
    ("tx", Kind::ThiXa),
];

/// Names that are also everyday words or the names of other places
/// ("chúc bình an", "thanh bình", "tỉnh Bình Dương", "đường Duy Tân"): in
/// free text they count only after a type word ("xã Bình An").
const NEED_TYPE_WORD: &[&str] = &[
    "bình an",
    "bình minh",
    "thanh bình",
    "hòa thuận",
    "tiên phong",
    "bình định",
    "bình dương",
    "trà vinh",
    "duy tân",
    "hòa phát",
    "tân bình",
    "an phú",
    "tân an",
    "thanh hà",
    "phú thịnh",
];

/// Words after which "hoi" typed without diacritics is the verb "hỏi"
/// (ask: "cho em hoi an toan dien…"), not the first syllable of Hội An.
const BEFORE_HOI_ASK: &[&str] = &[
    "cho", "xin", "em", "minh", "toi", "muon", "can", "anh", "chi", "ban", "de",
];

/// Whether the unaccented name starting at `at` is more likely the verb
/// "hỏi" than a name (see [`BEFORE_HOI_ASK`]).
fn is_asking(query: &[Token], at: usize) -> bool {
    at > 0
        && query[at].folded == "hoi"
        && !query[at].accented()
        && BEFORE_HOI_ASK.contains(&query[at - 1].folded.as_str())
}

/// Whether a name needs its type word to count in free text: a single
/// syllable of up to four letters ("Ba", "Tư", "Lăng", "Dang": also
/// everyday words) or one of [`NEED_TYPE_WORD`].
fn needs_type_word(name: &[Token]) -> bool {
    static COMMON: OnceLock<HashSet<String>> = OnceLock::new();
    let common = COMMON.get_or_init(|| NEED_TYPE_WORD.iter().map(|s| folded_key(s)).collect());
    let key: Vec<&str> = name.iter().map(|t| t.folded.as_str()).collect();
    (name.len() == 1 && name[0].folded.chars().count() <= 4) || common.contains(&key.join(" "))
}

/// How current a name is: on an otherwise equal match, the current ward
/// beats a former ward, which beats an old district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    District,
    Former,
    Current,
}

/// One name a place can be called by.
#[derive(Debug, Clone)]
struct Entry {
    name: Vec<Token>,
    kind: Kind,
    tier: Tier,
    needs_type_word: bool,
    label: String,
    wards: Vec<String>,
    /// The old district: of a former ward, or the district itself.
    district: Option<usize>,
}

/// A name found in a message.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// First token, type word included.
    start: usize,
    /// One past the last token.
    end: usize,
    /// The type word typed is the entry's own (not just the same level).
    exact_kind: bool,
    /// Tokens typed with the entry's exact diacritics.
    agreement: usize,
    entry: usize,
}

/// The wards of Đà Nẵng with every name they can be called by.
#[derive(Debug, Clone)]
pub struct Areas {
    wards: Vec<Ward>,
    districts: Vec<District>,
    by_code: HashMap<String, usize>,
    entries: Vec<Entry>,
    /// First folded syllable of a name → entries.
    by_first: HashMap<String, Vec<usize>>,
    type_words: Vec<(Vec<Token>, Kind)>,
}

/// An error about the data file.
fn data_error(message: String) -> Error {
    Error::Json(<serde_json::Error as serde::de::Error>::custom(message))
}

/// Ward codes in numeric order.
pub(crate) fn sort_codes(codes: &mut Vec<String>) {
    codes.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    codes.dedup();
}

/// Letters of a name without diacritics, spaces or punctuation: "Avương"
/// and "A Vương" are the same name.
fn compact(name: &str) -> String {
    folded_key(name).replace(' ', "")
}

impl Areas {
    /// The project's copy of the wards (`data/admin/wards.json`), compiled
    /// into the binary. Building the index takes about a millisecond: keep
    /// the result rather than calling this per message.
    pub fn embedded() -> Result<Areas, Error> {
        Areas::from_json(include_str!("../../../data/admin/wards.json"))
    }

    /// [`Areas::embedded`], built on first use and shared by the whole
    /// process: a function that answers no area question never builds it.
    pub fn shared() -> Result<&'static Areas, Error> {
        static AREAS: std::sync::OnceLock<Areas> = std::sync::OnceLock::new();
        if let Some(a) = AREAS.get() {
            return Ok(a);
        }
        let built = Areas::embedded()?;
        Ok(AREAS.get_or_init(|| built))
    }

    /// Reads wards in the layout of `data/admin/wards.json` and checks them:
    /// codes unique, kinds known, every district's wards and every former
    /// ward's district known.
    pub fn from_json(json: &str) -> Result<Areas, Error> {
        let file: AreasFile = serde_json::from_str(json)?;
        Areas::build(file.wards, file.districts)
    }

    fn build(wards: Vec<Ward>, districts: Vec<District>) -> Result<Areas, Error> {
        let mut by_code = HashMap::new();
        let mut entries = Vec::new();
        for (i, w) in wards.iter().enumerate() {
            if by_code.insert(w.code.clone(), i).is_some() {
                return Err(data_error(format!("ward code {} appears twice", w.code)));
            }
            let kind = Kind::parse(&w.kind)
                .filter(|k| !k.is_district() && *k != Kind::ThiTran)
                .ok_or_else(|| data_error(format!("ward {}: unknown kind {:?}", w.code, w.kind)))?;
            let name = tokens(&w.name);
            if name.is_empty() {
                return Err(data_error(format!("ward {}: empty name", w.code)));
            }
            entries.push(Entry {
                needs_type_word: needs_type_word(&name),
                name,
                kind,
                tier: Tier::Current,
                label: w.label(),
                wards: vec![w.code.clone()],
                district: None,
            });
        }
        let mut district_of = HashMap::new();
        for (i, d) in districts.iter().enumerate() {
            let kind = Kind::parse(&d.kind)
                .filter(|k| k.is_district())
                .ok_or_else(|| {
                    data_error(format!("district {}: unknown kind {:?}", d.name, d.kind))
                })?;
            if let Some(code) = d.wards.iter().find(|c| !by_code.contains_key(*c)) {
                return Err(data_error(format!(
                    "district {}: unknown ward {code}",
                    d.name
                )));
            }
            let name = tokens(&d.name);
            if name.is_empty() || d.wards.is_empty() {
                return Err(data_error(format!(
                    "district {:?}: empty name or no wards",
                    d.name
                )));
            }
            district_of.insert(normalize(&format!("{} {}", d.kind, d.name)), i);
            entries.push(Entry {
                needs_type_word: needs_type_word(&name),
                name,
                kind,
                tier: Tier::District,
                label: d.label(),
                wards: d.wards.clone(),
                district: Some(i),
            });
        }
        for w in &wards {
            for former in &w.former {
                let (ward_part, district_part) = former.rsplit_once(", ").ok_or_else(|| {
                    data_error(format!(
                        "ward {}: former {former:?} has no district",
                        w.code
                    ))
                })?;
                let (kind, name) = Kind::split_prefix(ward_part)
                    .filter(|(k, _)| !k.is_district())
                    .ok_or_else(|| {
                        data_error(format!("ward {}: former {former:?}: unknown kind", w.code))
                    })?;
                let district = *district_of.get(&normalize(district_part)).ok_or_else(|| {
                    data_error(format!(
                        "ward {}: former {former:?}: unknown district",
                        w.code
                    ))
                })?;
                // "A Vương" became "Avương", "Laêê" "La Êê": a spelling of
                // the current name rather than a former one.
                let same_name = compact(&name) == compact(&w.name);
                let name = tokens(&name);
                entries.push(Entry {
                    needs_type_word: needs_type_word(&name),
                    name,
                    kind,
                    tier: if same_name {
                        Tier::Current
                    } else {
                        Tier::Former
                    },
                    label: if same_name {
                        w.label()
                    } else {
                        format!(
                            "{} {} (cũ, {district_part})",
                            kind.label(),
                            Self::bare(ward_part)
                        )
                    },
                    wards: vec![w.code.clone()],
                    district: Some(district),
                });
            }
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(first) = e.name.first() {
                by_first.entry(first.folded.clone()).or_default().push(i);
            }
        }
        let type_words = TYPE_WORDS
            .iter()
            .map(|(w, k)| (split(w).map(Token::new).collect(), *k))
            .collect();
        Ok(Areas {
            wards,
            districts,
            by_code,
            entries,
            by_first,
            type_words,
        })
    }

    /// The name of a "kind name" string without its kind.
    fn bare(with_kind: &str) -> String {
        Kind::split_prefix(with_kind).map_or_else(|| with_kind.to_owned(), |(_, n)| n)
    }

    /// Every current ward, in code order.
    pub fn wards(&self) -> &[Ward] {
        &self.wards
    }

    /// Every old district.
    pub fn districts(&self) -> &[District] {
        &self.districts
    }

    /// The ward with this code.
    pub fn ward(&self, code: &str) -> Option<&Ward> {
        self.by_code.get(code).map(|&i| &self.wards[i])
    }

    /// The area a name alone stands for, the whole text being the name:
    /// "Hải Châu", "quận Hải Châu", "p. Hòa Cường Bắc", "hoa vang", or a
    /// ward code. Short names that need a type word in free text ("Ba")
    /// are accepted here.
    pub fn resolve(&self, name: &str) -> Option<Area> {
        if let Some(w) = self.ward(name.trim()) {
            return Some(Area {
                label: w.label(),
                wards: vec![w.code.clone()],
            });
        }
        let query = tokens(name);
        self.pick(&self.candidates(&query, true))
    }

    /// The area a free-text message names, if any: "lịch cắt điện phường
    /// Hải Châu tuần này" → phường Hải Châu; "phường Hòa Cường Bắc" →
    /// phường Hòa Cường (its former name); "huyện Hòa Vang" → the wards of
    /// old Hòa Vang.
    ///
    /// One area, the best name found: the longest (type word included),
    /// then one whose type word is its own, then the current name over a
    /// former one over an old district, then the one typed with its exact
    /// diacritics, then the first. An old district named beside a ward
    /// ("Phước Ninh, huyện Quế Sơn") qualifies it: the ward is returned,
    /// and of same-named former wards, the one of that district. Names
    /// that stay ambiguous give every place they may mean (labels joined
    /// by " / "). A message naming two places gives the first.
    pub fn find_in(&self, text: &str) -> Option<Area> {
        let query = tokens(text);
        self.pick(&self.candidates(&query, false))
    }

    /// Every name occurrence in `query`; with `whole`, only those spanning
    /// all of it.
    fn candidates(&self, query: &[Token], whole: bool) -> Vec<Candidate> {
        let mut out = Vec::new();
        for start in 0..query.len() {
            let mut heads = vec![(start, None)];
            for (word, kind) in &self.type_words {
                if matches_at(query, start, word) {
                    heads.push((start + word.len(), Some(*kind)));
                }
            }
            for (name_start, typed) in heads {
                let Some(ids) = query
                    .get(name_start)
                    .and_then(|t| self.by_first.get(&t.folded))
                else {
                    continue;
                };
                for &id in ids {
                    let e = &self.entries[id];
                    if !matches_at(query, name_start, &e.name) {
                        continue;
                    }
                    let exact_kind = match typed {
                        None if !whole && (e.needs_type_word || is_asking(query, name_start)) => {
                            continue;
                        }
                        None => false,
                        Some(t) if t == e.kind => true,
                        Some(t) if t.is_district() == e.kind.is_district() => false,
                        // "quận" before a ward's name: the bare name is
                        // matched from the next position.
                        Some(_) => continue,
                    };
                    let end = name_start + e.name.len();
                    if whole && (start != 0 || end != query.len()) {
                        continue;
                    }
                    let agreement = query[name_start..end]
                        .iter()
                        .zip(&e.name)
                        .filter(|(q, n)| q.accented() && q.same_word(n))
                        .count();
                    out.push(Candidate {
                        start,
                        end,
                        exact_kind,
                        agreement,
                        entry: id,
                    });
                }
            }
        }
        out
    }

    fn rank(&self, c: &Candidate) -> (usize, bool, Tier, usize) {
        (
            c.end - c.start,
            c.exact_kind,
            self.entries[c.entry].tier,
            c.agreement,
        )
    }

    /// The best candidate and the ones tied with it, merged into one area.
    fn pick(&self, candidates: &[Candidate]) -> Option<Area> {
        let by_rank = |a: &&Candidate, b: &&Candidate| {
            self.rank(a).cmp(&self.rank(b)).then(b.start.cmp(&a.start))
        };
        let mut best = candidates.iter().max_by(by_rank)?;
        if let Some(d) = self.entries[best.entry]
            .district
            .filter(|_| self.entries[best.entry].tier == Tier::District)
        {
            // "Phước Ninh, huyện Quế Sơn": the old district qualifies a
            // ward named elsewhere in the message; the ward is the answer.
            let (start, end) = (best.start, best.end);
            let within = |c: &&Candidate| {
                let e = &self.entries[c.entry];
                (c.end <= start || c.start >= end)
                    && e.tier != Tier::District
                    && (e.district == Some(d)
                        || e.wards.iter().all(|w| self.districts[d].wards.contains(w)))
            };
            if let Some(ward) = candidates.iter().filter(within).max_by(by_rank) {
                best = ward;
            }
        }
        let mut ties: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| {
                c.start == best.start && c.end == best.end && self.rank(c) == self.rank(best)
            })
            .collect();
        let districts: HashSet<usize> = ties
            .iter()
            .filter_map(|c| self.entries[c.entry].district)
            .collect();
        if districts.len() > 1 {
            // "phường Phước Ninh, quận Hải Châu": an old district named
            // elsewhere in the message picks among same-named former wards.
            let named: HashSet<usize> = candidates
                .iter()
                .filter(|c| c.end <= best.start || c.start >= best.end)
                .map(|c| &self.entries[c.entry])
                .filter(|e| e.tier == Tier::District)
                .filter_map(|e| e.district)
                .collect();
            let kept: Vec<&Candidate> = ties
                .iter()
                .copied()
                .filter(|c| {
                    self.entries[c.entry]
                        .district
                        .is_some_and(|d| named.contains(&d))
                })
                .collect();
            if !kept.is_empty() {
                ties = kept;
            }
        }
        let mut labels: Vec<&str> = Vec::new();
        let mut wards = Vec::new();
        for c in ties {
            let e = &self.entries[c.entry];
            if !labels.contains(&e.label.as_str()) {
                labels.push(&e.label);
            }
            wards.extend(e.wards.iter().cloned());
        }
        sort_codes(&mut wards);
        Some(Area {
            label: labels.join(" / "),
            wards,
        })
    }
}

/// Whether `pattern` matches `query` from position `at`, token by token
/// ([`Token::compatible`]: a token typed without diacritics matches any).
fn matches_at(query: &[Token], at: usize, pattern: &[Token]) -> bool {
    !pattern.is_empty()
        && query.len() >= at + pattern.len()
        && query[at..]
            .iter()
            .zip(pattern)
            .all(|(q, p)| q.compatible(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn areas() -> Areas {
        Areas::embedded().expect("the shipped wards load")
    }

    /// The code of a current ward by its label ("phường Hải Châu").
    fn code(areas: &Areas, label: &str) -> String {
        areas
            .wards()
            .iter()
            .find(|w| w.label() == label)
            .map(|w| w.code.clone())
            .unwrap_or_else(|| panic!("no ward {label}"))
    }

    fn codes(areas: &Areas, labels: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = labels.iter().map(|l| code(areas, l)).collect();
        sort_codes(&mut v);
        v
    }

    fn found(areas: &Areas, text: &str) -> Option<(String, Vec<String>)> {
        areas.find_in(text).map(|a| (a.label, a.wards))
    }

    #[test]
    fn when_loading_the_shipped_data_should_have_94_wards_and_every_old_district() {
        let a = areas();
        assert_eq!(a.wards().len(), 94);
        let kinds = |k: &str| a.wards().iter().filter(|w| w.kind == k).count();
        assert_eq!(
            (kinds("phường"), kinds("xã"), kinds("đặc khu")),
            (23, 70, 1)
        );
        assert_eq!(a.districts().len(), 25);
        // 281 rows of the source, one of them (huyện Hoàng Sa) without a ward.
        let former: usize = a.wards().iter().map(|w| w.former.len()).sum();
        assert_eq!(former, 280);
        // Every ward but đặc khu Hoàng Sa (a district before) had wards.
        let without: Vec<String> = a
            .wards()
            .iter()
            .filter(|w| w.former.is_empty())
            .map(Ward::label)
            .collect();
        assert_eq!(without, ["đặc khu Hoàng Sa"]);
        // Every row of the source table resolved to one of the 94: each
        // former ward and each district's ward is a known code.
        for d in a.districts() {
            assert!(d.wards.iter().all(|c| a.ward(c).is_some()), "{}", d.name);
        }
    }

    #[test]
    fn when_text_names_a_current_ward_should_find_it() {
        let a = areas();
        let hai_chau = code(&a, "phường Hải Châu");
        for text in [
            "lịch cắt điện phường Hải Châu tuần này",
            "cắt điện P.Hải Châu",
            "p hai chau co cat dien khong",
            "Hải Châu",
            "hai chau",
            "PHƯỜNG HẢI CHÂU",
        ] {
            assert_eq!(
                found(&a, text),
                Some(("phường Hải Châu".into(), vec![hai_chau.clone()])),
                "{text}"
            );
        }
        assert_eq!(
            found(&a, "xã Hòa Vang mất nước").map(|f| f.0).as_deref(),
            Some("xã Hòa Vang")
        );
        assert_eq!(
            found(&a, "hoi an tay").map(|f| f.0).as_deref(),
            Some("phường Hội An Tây"),
            "the longest name wins"
        );
        assert_eq!(
            found(&a, "đặc khu Hoàng Sa").map(|f| f.0).as_deref(),
            Some("đặc khu Hoàng Sa")
        );
        assert_eq!(
            found(&a, "Avương").map(|f| f.0).as_deref(),
            Some("xã Avương")
        );
        assert_eq!(
            found(&a, "xã A Vương").map(|f| f.0).as_deref(),
            Some("xã Avương"),
            "the old spelling of the same name"
        );
    }

    #[test]
    fn when_text_names_a_former_ward_should_give_its_new_ward() {
        let a = areas();
        let hoa_cuong = code(&a, "phường Hòa Cường");
        for text in [
            "phường Hòa Cường Bắc",
            "p. hoa cuong bac có cúp điện không",
            "Hoà Cường Bắc",
        ] {
            assert_eq!(
                found(&a, text),
                Some((
                    "phường Hòa Cường Bắc (cũ, quận Hải Châu)".into(),
                    vec![hoa_cuong.clone()]
                )),
                "{text}"
            );
        }
        assert_eq!(
            found(&a, "Thanh Khê Đông").map(|f| f.1),
            Some(vec![code(&a, "phường Thanh Khê")])
        );
        assert_eq!(
            found(&a, "thị trấn Ái Nghĩa").map(|f| f.1),
            Some(vec![code(&a, "xã Đại Lộc")])
        );
        assert_eq!(
            found(&a, "tt Nam Phuoc").map(|f| f.1),
            Some(vec![code(&a, "xã Nam Phước")])
        );
        assert_eq!(
            found(&a, "xã Tam Xuân 2").map(|f| f.1),
            Some(vec![code(&a, "xã Tam Xuân")])
        );
    }

    #[test]
    fn when_text_names_an_old_district_should_give_the_wards_it_went_to() {
        let a = areas();
        let thanh_khe = (
            "quận Thanh Khê (cũ)".to_owned(),
            codes(&a, &["phường Thanh Khê", "phường An Khê"]),
        );
        for text in [
            "quận Thanh Khê",
            "Q. Thanh Khê",
            "q thanh khe",
            "Q.Thanh Khê",
        ] {
            assert_eq!(found(&a, text), Some(thanh_khe.clone()), "{text}");
        }
        let hoa_vang = codes(
            &a,
            &[
                "xã Hòa Vang",
                "xã Hòa Tiến",
                "xã Bà Nà",
                "phường Hòa Khánh",
                "phường Hòa Xuân",
                "phường Liên Chiểu",
                "phường Hải Vân",
            ],
        );
        for text in ["huyện Hòa Vang", "ngập ở H. Hòa Vang", "huyen hoa vang"] {
            assert_eq!(
                found(&a, text),
                Some(("huyện Hòa Vang (cũ)".into(), hoa_vang.clone())),
                "{text}"
            );
        }
        assert_eq!(
            found(&a, "tp Hội An").map(|f| f.1),
            Some(codes(
                &a,
                &[
                    "phường Hội An",
                    "phường Hội An Đông",
                    "phường Hội An Tây",
                    "xã Tân Hiệp"
                ]
            ))
        );
        assert_eq!(
            found(&a, "thành phố Tam Kỳ").map(|f| f.0).as_deref(),
            Some("thành phố Tam Kỳ (cũ)")
        );
        assert_eq!(
            found(&a, "thị xã Điện Bàn").map(|f| f.0).as_deref(),
            Some("thị xã Điện Bàn (cũ)")
        );
        assert_eq!(
            found(&a, "Huyện Hoàng Sa").map(|f| f.1),
            Some(vec![code(&a, "đặc khu Hoàng Sa")])
        );
    }

    #[test]
    fn when_hai_chau_has_no_type_word_should_prefer_the_current_ward() {
        let a = areas();
        assert_eq!(
            found(&a, "cắt điện Hải Châu").map(|f| f.0).as_deref(),
            Some("phường Hải Châu")
        );
        let district = found(&a, "cắt điện quận Hải Châu").expect("the district");
        assert_eq!(district.0, "quận Hải Châu (cũ)");
        assert_eq!(
            district.1,
            codes(&a, &["phường Hải Châu", "phường Hòa Cường"])
        );
        assert_eq!(
            a.resolve("q. hai chau").map(|r| r.label).as_deref(),
            Some("quận Hải Châu (cũ)")
        );
        assert_eq!(
            a.resolve("Hải Châu").map(|r| r.label).as_deref(),
            Some("phường Hải Châu")
        );
        // A wrong type word for a commune-level unit still finds the ward.
        assert_eq!(
            found(&a, "xã Hải Châu").map(|f| f.0).as_deref(),
            Some("phường Hải Châu")
        );
        assert_eq!(
            found(&a, "Hòa Vang").map(|f| f.0).as_deref(),
            Some("xã Hòa Vang")
        );
    }

    #[test]
    fn when_a_former_name_is_ambiguous_should_use_the_type_word_or_district() {
        let a = areas();
        let hai_chau = code(&a, "phường Hải Châu");
        let que_phuoc = code(&a, "xã Quế Phước");
        // Phước Ninh was a phường of quận Hải Châu and a xã of huyện Quế Sơn.
        let both = found(&a, "Phước Ninh").expect("both");
        let mut expected = vec![hai_chau.clone(), que_phuoc.clone()];
        sort_codes(&mut expected);
        assert_eq!(both.1, expected);
        assert!(both.0.contains(" / "), "{}", both.0);
        assert_eq!(
            found(&a, "phường Phước Ninh").map(|f| f.1),
            Some(vec![hai_chau.clone()])
        );
        assert_eq!(
            found(&a, "xã Phước Ninh").map(|f| f.1),
            Some(vec![que_phuoc.clone()])
        );
        assert_eq!(
            found(&a, "Phước Ninh, huyện Quế Sơn").map(|f| f.1),
            Some(vec![que_phuoc])
        );
        // Trà Don and Trà Dơn: diacritics tell them apart.
        assert_eq!(
            found(&a, "Trà Dơn").map(|f| f.1),
            Some(vec![code(&a, "xã Trà Leng")])
        );
        assert_eq!(found(&a, "tra don").map(|f| f.1.len()), Some(2));
    }

    #[test]
    fn when_text_has_common_words_should_not_match_a_ward() {
        let a = areas();
        for text in [
            "an",
            "cho tôi hỏi an toàn điện",
            "hòa",
            "hoà giải",
            "mẹ tôi ba tuổi",
            "thứ ba có cắt điện không",
            "thứ tư",
            "đang cắt điện",
            "làng tôi",
            "chúc bình an",
            "cho em hoi an toan dien",
            "xin hoi an sinh xa hoi",
            "cuộc sống thanh bình",
            "đường Duy Tân",
            "tỉnh Bình Dương",
            "lịch cắt điện tuần này",
            "cắt điện",
            "",
        ] {
            assert_eq!(found(&a, text), None, "{text}");
        }
        // Hội An itself is still found, after "hỏi" with diacritics too.
        assert!(a.find_in("cho em hỏi Hội An có cắt điện không").is_some());
        assert!(a.find_in("mat dien o hoi an").is_some());
        // With their type word they are wards again.
        assert!(a.find_in("xã Bình An").is_some());
        assert!(a.find_in("xã Ba").is_some());
        assert!(a.resolve("Ba").is_some());
    }

    #[test]
    fn when_resolving_should_need_the_whole_text_to_be_a_name() {
        let a = areas();
        let hai_chau = code(&a, "phường Hải Châu");
        assert_eq!(
            a.resolve(&hai_chau).map(|r| r.label).as_deref(),
            Some("phường Hải Châu")
        );
        assert_eq!(a.resolve("cắt điện Hải Châu"), None);
        assert_eq!(a.resolve("không có"), None);
        assert_eq!(
            a.resolve("  Phường  Hòa Khánh Nam ").map(|r| r.wards),
            Some(vec![code(&a, "phường Hòa Khánh")])
        );
    }

    #[test]
    fn when_data_is_inconsistent_should_refuse_it() {
        let bad = r#"{"attribution":"x","source":"y","wards":[
            {"code":"1","name":"A B","kind":"phường","former":["phường C D, quận E"]}],
            "districts":[]}"#;
        assert!(Areas::from_json(bad).is_err(), "unknown district");
        let bad = r#"{"attribution":"x","source":"y","wards":[
            {"code":"1","name":"A B","kind":"quận","former":[]}],"districts":[]}"#;
        assert!(Areas::from_json(bad).is_err(), "a quận is not a ward");
        let ok = r#"{"attribution":"x","source":"y","wards":[
            {"code":"1","name":"A B","kind":"phường","former":["phường C D, quận E"]}],
            "districts":[{"name":"E","kind":"quận","province":"thành phố Đà Nẵng","wards":["1"]}]}"#;
        assert!(Areas::from_json(ok).is_ok());
    }
}
