//! The search index over the catalogue: BM25F postings on folded syllable
//! unigrams and bigrams, tone-aware unigrams for the diacritics bonus, and
//! the vocabulary structures that make typo tolerance cheap (a one-deletion
//! dictionary and a Vietnamese phonetic key).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::model::{Entry, Level};
use super::packed::{StrList, read_pairs, write_pairs};
use crate::text::lexicon::{FullForms, Lexicon};
use crate::text::{Token, tokens};

/// BM25 saturation.
const K1: f32 = 1.2;
/// Terms in more than 1/DENSE_FROM of the documents get a dense row.
const DENSE_FROM: usize = 10;

/// Bonus weight, relative to the folded syllable, of a name syllable whose
/// diacritics match too, tone included.
pub const TONED_BONUS: f32 = 0.15;
/// Bonus weight of a name syllable whose vowel marks match, tone aside:
/// "vàng" is not "vắng", whatever the folded letters say.
pub const SHAPE_BONUS: f32 = 0.3;

/// BM25 inverse document frequency of a term in `df` of `n` documents.
fn idf(n: usize, df: usize) -> f32 {
    let (n, df) = (n as f32, df as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The indexed fields of a procedure, with their weight and length
/// normalisation. Names carry the meaning; results ("Giấy khai sinh",
/// "Hộ chiếu") are what citizens often name instead; field and agency
/// only nudge.
#[derive(Debug, Clone, Copy)]
struct FieldSpec {
    weight: f32,
    b: f32,
}

const NAME: FieldSpec = FieldSpec {
    weight: 1.0,
    b: 0.75,
};
const RESULTS: FieldSpec = FieldSpec {
    weight: 0.35,
    b: 0.5,
};
const FIELD: FieldSpec = FieldSpec {
    weight: 0.25,
    b: 0.3,
};
const AGENCY: FieldSpec = FieldSpec {
    weight: 0.1,
    b: 0.3,
};
const FIELDS: [FieldSpec; 4] = [NAME, RESULTS, FIELD, AGENCY];

pub type TermId = u32;
pub type DocId = u32;

/// What the ranking needs to know of one procedure besides its postings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocInfo {
    /// Procedures that differ only by the level they are carried out at
    /// share a group and are shown once.
    pub group: u32,
    pub levels: Vec<Level>,
    /// Unigram terms of the indexed name, in order (level phrases removed).
    pub name_terms: Vec<TermId>,
    /// Variant markers present in the name.
    pub variants: Vec<VariantMark>,
}

/// A variant marker found in a name. A one-syllable marker ("lại") is
/// only taken as asked for when the query has it next to the same
/// neighbour as the name ("cấp lại", "lại khai"): the syllable alone is too
/// common ("lái xe" typed without diacritics is "lai xe" too).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantMark {
    /// Index into the lexicon's variant markers.
    pub marker: u16,
    /// For one-syllable markers: the bigram terms around it in the name.
    pub context: Vec<TermId>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Posting {
    pub doc: DocId,
    /// BM25F saturated term frequency, (k1 + 1)·tf / (k1 + tf).
    pub sat: f32,
}

/// What the index is computed from: the term keys (by id), the postings
/// and the documents. The rest is derived (see [`Index::assemble`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub keys: StrList,
    pub postings: Postings,
    pub docs: Vec<DocInfo>,
    /// See [`Index::names_write`]: sorted keys ([`named_pair`]).
    pub named_pairs: Vec<u64>,
}

/// In how many names two neighbouring syllables must stand for
/// [`Index::names_write`] to take them as the catalogue's wording rather
/// than one name's slip ("xây dưng").
pub const NAMED_PAIR_NAMES: usize = 2;

/// Which side of a syllable of a name its neighbour is on.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    Left,
    Right,
}

/// The key of a toned syllable of a name with a neighbour (folded) on one
/// side.
fn named_pair(neighbour: TermId, side: Side, toned: TermId) -> u64 {
    (u64::from(neighbour) << 33) | ((side as u64) << 32) | u64::from(toned)
}

/// Every term's postings in one array, term after term (documents
/// ascending within a term): one allocation, read in order. Saved as raw
/// number arrays (see [`packed`](super::packed)).
#[derive(Debug, Clone, Default)]
pub(crate) struct Postings {
    all: Vec<Posting>,
    /// Where each term's postings start in `all`, and the end.
    starts: Vec<u32>,
}

impl Serialize for Postings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_pairs(s, self.all.iter().map(|p| (p.doc, p.sat)), &self.starts)
    }
}

impl<'de> Deserialize<'de> for Postings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (all, starts) = read_pairs(d, |doc, sat| Posting { doc, sat })?;
        Ok(Postings { all, starts })
    }
}

impl Postings {
    fn from_lists(lists: impl IntoIterator<Item = Vec<Posting>>) -> Self {
        let mut p = Postings {
            all: Vec::new(),
            starts: vec![0],
        };
        for list in lists {
            p.all.extend(list);
            p.starts.push(p.all.len() as u32);
        }
        p
    }

    /// How many terms.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The postings of term `id` (none for an unknown id).
    pub fn of(&self, id: TermId) -> &[Posting] {
        let id = id as usize;
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&a), Some(&b)) => self.all.get(a as usize..b as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    /// Whether the offsets are in order and within the array.
    pub fn is_consistent(&self) -> bool {
        self.starts.first() == Some(&0)
            && self.starts.windows(2).all(|w| w[0] <= w[1])
            && self
                .starts
                .last()
                .is_some_and(|&e| e as usize == self.all.len())
    }

    pub fn all(&self) -> &[Posting] {
        &self.all
    }
}

/// The search index; built once per process from the catalogue.
#[derive(Debug, Clone)]
pub struct Index {
    /// Term key → id. The table holds ids only: the keys live once, in
    /// `keys` (tens of thousands of strings a process would hold twice).
    terms: hashbrown::HashTable<TermId>,
    /// Term id → its key (the inverse of `terms`).
    keys: StrList,
    postings: Postings,
    /// Per term, what scoring reads of it, packed: a query's terms are
    /// scattered over tens of thousands of ids, and separate arrays for
    /// idf, row and postings cost a cache miss each.
    info: Vec<TermInfo>,
    /// The dense rows, each made from the term's postings when a query
    /// first needs it: a process that starts does not write megabytes of
    /// rows that its first messages do not read.
    rows: Box<[std::sync::OnceLock<Row>]>,
    pub docs: Vec<DocInfo>,
    /// The largest idf: what an unknown word is worth.
    pub max_idf: f32,
    /// (folded unigram, folded unigram) → bigram term, for the pairs that
    /// occur in the catalogue.
    pairs: FxHashMap<(TermId, TermId), TermId>,
    /// Per document, what ranking reads of each candidate, packed: the
    /// candidates of a query are scattered over the catalogue, and three
    /// separate heap lists per document cost three cache misses each.
    meta: Vec<DocMeta>,
    /// Every document's name terms, document after document (see
    /// [`DocMeta::names`]).
    name_terms: Vec<TermId>,
    /// One more than the largest name term: the terms any name has are
    /// below it (the folded syllables, the first terms made).
    name_vocabulary: usize,
    /// Every document's variant markers, document after document (see
    /// [`DocMeta::marks`]), and their context terms (see [`Mark::context`]).
    marks: Vec<Mark>,
    mark_context: Vec<TermId>,
    named_pairs: Vec<u64>,
    /// The typo dictionaries, built when a message first needs them: a
    /// process that starts answers its first messages sooner, and tens of
    /// thousands of strings are only made once typos are looked for.
    typos: std::sync::OnceLock<Typos>,
}

/// What scoring reads of one term.
#[derive(Debug, Clone, Copy)]
struct TermInfo {
    idf: f32,
    /// For terms in many documents, the saturated tf of every document is
    /// kept in one dense row: adding a row is a vectorised loop, far
    /// cheaper than scattering a thousand postings. The term's row in
    /// [`Index::rows`], or [`SPARSE`].
    dense: u32,
    /// Where its postings start in [`Postings::all`], and how many.
    start: u32,
    len: u32,
}

/// A frequent term's saturated tf in every document, in 8-bit steps of
/// its largest: a quarter of the bytes of `f32`, and these rows are most
/// of what a query reads from memory (a step is under 0.4 % of the term's
/// largest weight: it reorders only near-ties). A document without the
/// term has 0; one with it, at least 1.
#[derive(Debug, Clone)]
pub struct Row {
    /// What one step is worth.
    pub step: f32,
    pub values: Box<[u8]>,
}

impl Row {
    fn new(postings: &[Posting], docs: usize) -> Self {
        let top = postings.iter().map(|p| p.sat).fold(0.0, f32::max);
        let step = if top > 0.0 {
            top / f32::from(u8::MAX)
        } else {
            1.0
        };
        let mut values = vec![0u8; docs].into_boxed_slice();
        for p in postings {
            if let Some(v) = values.get_mut(p.doc as usize) {
                // Rounded, and never 0 for a document that has the term.
                *v = ((p.sat / step).round() as u8).max(1);
            }
        }
        Row { step, values }
    }
}

/// How a term adds to the documents' scores (see [`Index::scoring`]).
#[derive(Debug, Clone, Copy)]
pub enum Scored<'a> {
    /// A frequent term: a value for every document.
    Dense(&'a Row),
    /// The documents that have it, in order.
    Sparse(&'a [Posting]),
}

impl Scored<'_> {
    /// Whether `doc` has the term in any field.
    pub fn has(&self, doc: DocId) -> bool {
        match self {
            // A document with the term has 1 at least.
            Scored::Dense(row) => row.values.get(doc as usize).is_some_and(|&v| v > 0),
            Scored::Sparse(list) => list.binary_search_by_key(&doc, |p| p.doc).is_ok(),
        }
    }
}

/// A variant marker of a document's name, as ranking reads it.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    /// Index into the lexicon's variant markers.
    pub marker: u16,
    context_len: u16,
    /// Where its context terms start in [`Index::mark_context`].
    context: u32,
}

/// In [`TermInfo::dense`]: the term has no dense row.
const SPARSE: u32 = u32::MAX;

/// The hash of a term key in [`Index::terms`].
fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// The packed part of a [`DocInfo`] (see [`Index::meta`]).
#[derive(Debug, Clone, Copy)]
pub struct DocMeta {
    pub group: u32,
    /// Where the name terms start in the flat list, and how many.
    names: u32,
    /// Where the variant markers start in the flat list, and how many.
    marks: u32,
    name_len: u32,
    /// The summed idf of the name terms: how much naming the whole
    /// procedure is worth.
    name_weight: f32,
    marks_len: u16,
    /// How close to citizens the nearest level is (see [`level_rank`]).
    pub level_rank: u8,
}

impl DocMeta {
    /// Carried out only at central level (or at no level citizens use).
    pub fn central_only(&self) -> bool {
        self.level_rank >= 2
    }
}

/// How close to citizens the nearest level of a procedure is: xã 0, tỉnh
/// 1, trung ương 2, other 3, none 4.
pub fn level_rank(levels: &[Level]) -> u8 {
    levels
        .iter()
        .map(|l| match l {
            Level::Commune => 0,
            Level::Province => 1,
            Level::Central => 2,
            Level::Other => 3,
        })
        .min()
        .unwrap_or(4)
}

/// What makes typo tolerance cheap: the vocabulary, a one-deletion
/// dictionary and a phonetic key index.
#[derive(Debug, Clone)]
struct Typos {
    /// Folded unigram vocabulary (single syllables and their term ids).
    vocab: Vec<(String, TermId)>,
    /// One-deletion dictionary: a syllable with one letter removed → vocab
    /// positions of the syllables it came from (and each syllable itself).
    deletes: FxHashMap<String, Vec<u32>>,
    /// Vocab word → its position.
    exact: FxHashMap<String, u32>,
    /// Phonetic key → vocab positions.
    phonetic: FxHashMap<String, Vec<u32>>,
    /// Per vocab position: the known syllables one edit or one spelling
    /// confusion away, computed on first use and kept, so that checking a
    /// known word against its neighbours costs a few lookups.
    neighbours: Vec<std::sync::OnceLock<Vec<(u32, Closeness)>>>,
    /// Unigram term → vocab position.
    vocab_of: FxHashMap<TermId, u32>,
}

impl Typos {
    /// From the term keys: every folded syllable of two letters or more.
    fn build(keys: &StrList) -> Self {
        let mut vocab = Vec::new();
        let mut deletes: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut exact: FxHashMap<String, u32> = FxHashMap::default();
        let mut phonetic: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut words: Vec<(&str, TermId)> = keys
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                !t.starts_with(['~', '^']) && !t.contains(' ') && t.chars().count() >= 2
            })
            .map(|(id, t)| (t, id as TermId))
            .collect();
        words.sort();
        for (word, id) in words {
            let pos = vocab.len() as u32;
            vocab.push((word.to_owned(), id));
            exact.insert(word.to_owned(), pos);
            for del in deletions(word) {
                deletes.entry(del).or_default().push(pos);
            }
            phonetic.entry(phonetic_key(word)).or_default().push(pos);
        }
        for list in deletes.values_mut() {
            list.dedup();
        }
        let vocab_of = vocab
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, i as u32))
            .collect();
        let neighbours = (0..vocab.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        Self {
            vocab,
            deletes,
            exact,
            phonetic,
            neighbours,
            vocab_of,
        }
    }
}

/// Level phrases inside names ("(thực hiện tại cấp tỉnh)", "cấp xã") say
/// where, not what; they are left out of the indexed name so that a query
/// saying "cấp" does not match them and the levels of one procedure group
/// together.
fn strip_levels<T: std::borrow::Borrow<Token>>(name: &[T]) -> Vec<usize> {
    const LEVEL_WORDS: [&str; 6] = ["xa", "tinh", "huyen", "bo", "trung", "phuong"];
    let word = |i: usize| name.get(i).map(|t| t.borrow().folded.as_str());
    let mut kept = Vec::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let f = word(i);
        let next = word(i + 1);
        if f == Some("cap") && next.is_some_and(|n| LEVEL_WORDS.contains(&n)) {
            i += if next == Some("trung") { 3 } else { 2 };
            continue;
        }
        if f == Some("thuc") && next == Some("hien") && word(i + 2) == Some("tai") {
            i += 3;
            continue;
        }
        kept.push(i);
        i += 1;
    }
    // "Thủ tục đăng ký khai sinh": the leading "thủ tục" names nothing.
    if kept.len() > 2 && word(kept[0]) == Some("thu") && word(kept[1]) == Some("tuc") {
        kept.drain(..2);
    }
    kept
}

/// The indexed name tokens of a procedure.
pub fn name_tokens(name: &str) -> Vec<Token> {
    let all = tokens(name);
    strip_levels(&all)
        .into_iter()
        .map(|i| all[i].clone())
        .collect()
}

/// A key under which Vietnamese spellings that citizens confuse coincide:
/// tr/ch, s/x, d/gi/r/v, k/c/q, ng/ngh, g/gh, l/n initials; n/ng/nh and
/// t/c/ch finals.
pub fn phonetic_key(folded: &str) -> String {
    const INITIALS: [(&str, &str); 16] = [
        ("ngh", "ng"),
        ("gh", "g"),
        ("gi", "d"),
        ("tr", "c"),
        ("ch", "c"),
        ("kh", "kh"),
        ("nh", "nh"),
        ("ng", "ng"),
        ("ph", "ph"),
        ("th", "th"),
        ("qu", "cu"),
        ("r", "d"),
        ("v", "d"),
        ("s", "x"),
        ("k", "c"),
        ("n", "l"),
    ];
    let (head, rest) = INITIALS
        .iter()
        .find(|(from, _)| folded.starts_with(from) && folded.len() > from.len())
        .map(|(from, to)| (*to, &folded[from.len()..]))
        .unwrap_or(("", folded));
    let rest = if let Some(r) = rest.strip_suffix("ng").or_else(|| rest.strip_suffix("nh")) {
        format!("{r}n")
    } else if let Some(r) = rest.strip_suffix("ch").or_else(|| rest.strip_suffix('c')) {
        format!("{r}t")
    } else {
        rest.to_owned()
    };
    let mut key = String::with_capacity(head.len() + rest.len());
    key.push_str(head);
    key.push_str(&rest.replace('y', "i"));
    key
}

/// Restricted Damerau–Levenshtein distance on characters, cut off above
/// `max` (returns `max + 1` then).
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    // Syllables are short: work on the stack.
    const CAP: usize = 24;
    let mut ab = ['\0'; CAP];
    let mut bb = ['\0'; CAP];
    let (mut la, mut lb) = (0, 0);
    for c in a.chars() {
        if la == CAP {
            return max + 1;
        }
        ab[la] = c;
        la += 1;
    }
    for c in b.chars() {
        if lb == CAP {
            return max + 1;
        }
        bb[lb] = c;
        lb += 1;
    }
    let (a, b) = (&ab[..la], &bb[..lb]);
    if la.abs_diff(lb) > max {
        return max + 1;
    }
    // Three rolling rows (two back for transpositions).
    let mut rows = [[0u8; CAP + 1]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate().take(lb + 1) {
        *cell = j as u8;
    }
    for i in 1..=la {
        let (back2, rest) = rows.split_at_mut(1);
        let (prev, cur) = rest.split_at_mut(1);
        let (back2, prev, cur) = (&back2[0], &prev[0], &mut cur[0]);
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..=lb {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(back2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max {
            return max + 1;
        }
        rows.rotate_left(1);
    }
    usize::from(rows[1][lb]).min(max + 1)
}

/// Whether two different words are one insertion, deletion, substitution
/// or adjacent transposition apart, in one pass without a distance table.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    // Common prefix and suffix; what is left must be one edit.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ra, rb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    match (ra.len(), rb.len()) {
        (1, 1) | (0, 1) | (1, 0) => {
            std::str::from_utf8(ra).is_ok() && std::str::from_utf8(rb).is_ok()
        }
        (2, 2) => ra[0] == rb[1] && ra[1] == rb[0],
        // A multi-byte character changed: fall back to the exact measure.
        _ => {
            edit_distance(
                std::str::from_utf8(a).unwrap_or_default(),
                std::str::from_utf8(b).unwrap_or_default(),
                1,
            ) == 1
        }
    }
}

fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut s = String::with_capacity(word.len());
        s.push_str(&word[..i]);
        s.push_str(&word[i + c.len_utf8()..]);
        s
    })
}

/// How a typo candidate relates to what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closeness {
    /// Same phonetic key (a spelling confusion citizens make).
    Phonetic,
    Edit1,
    Edit2,
}

struct Builder {
    terms: FxHashMap<String, TermId>,
    /// Per term: (doc, weighted length-normalised tf), docs ascending since
    /// documents are added in order.
    acc: Vec<Vec<(DocId, f32)>>,
}

impl Builder {
    fn id(&mut self, term: &str) -> TermId {
        if let Some(&id) = self.terms.get(term) {
            return id;
        }
        let id = self.acc.len() as TermId;
        self.terms.insert(term.to_owned(), id);
        self.acc.push(Vec::new());
        id
    }

    fn add(&mut self, id: TermId, doc: DocId, w: f32) {
        let list = &mut self.acc[id as usize];
        match list.last_mut() {
            Some((d, tf)) if *d == doc => *tf += w,
            _ => list.push((doc, w)),
        }
    }
}

/// The distinct syllables of the catalogue, each tokenised once: the
/// catalogue repeats a few thousand syllables hundreds of thousands of
/// times.
#[derive(Default)]
struct Syllables<'a> {
    ids: FxHashMap<String, u32>,
    tokens: Vec<Token>,
    /// Whole texts already tokenised: fields and agencies repeat across
    /// thousands of procedures.
    texts: FxHashMap<&'a str, Vec<u32>>,
}

impl<'a> Syllables<'a> {
    fn ids(&mut self, s: &'a str) -> Vec<u32> {
        if let Some(ids) = self.texts.get(s) {
            return ids.clone();
        }
        let n = crate::text::normalize(s);
        let ids: Vec<u32> = crate::text::split(&n).map(|w| self.id(w)).collect();
        self.texts.insert(s, ids.clone());
        ids
    }

    fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.ids.get(w) {
            return i;
        }
        let i = self.tokens.len() as u32;
        self.tokens.push(Token::new(w));
        self.ids.insert(w.to_owned(), i);
        i
    }

    /// The indexed name: level phrases and a leading "thủ tục" removed.
    fn name(&mut self, name: &'a str) -> Vec<u32> {
        let ids = self.ids(name);
        let toks: Vec<&Token> = ids.iter().map(|&i| &self.tokens[i as usize]).collect();
        strip_levels(&toks).into_iter().map(|k| ids[k]).collect()
    }
}

/// The postings of a toned term that carries the bonus of its vowel shape:
/// over the documents with the shape, what the toned term and the shape
/// term add together, as a saturated tf under the idf of the shape's
/// document frequency (what [`Index::assemble`] derives for this list), to
/// be weighted by [`TONED_BONUS`]. The toned documents are among the
/// shape's, both in document order.
fn carry_shape(toned: &[Posting], shape: &[Posting], n: usize) -> Vec<Posting> {
    let (idf_t, idf_s) = (idf(n, toned.len()), idf(n, shape.len()));
    let scale = 1.0 / (TONED_BONUS * idf_s);
    let mut toned = toned.iter().peekable();
    shape
        .iter()
        .map(|s| {
            let t = toned.next_if(|t| t.doc == s.doc).map_or(0.0, |t| t.sat);
            Posting {
                doc: s.doc,
                sat: (TONED_BONUS * idf_t * t + SHAPE_BONUS * idf_s * s.sat) * scale,
            }
        })
        .collect()
}

/// The key of a tone-aware unigram term.
pub fn toned_term(t: &Token) -> String {
    let mut s = String::with_capacity(t.toned.len() + 1);
    write_toned(t, &mut s);
    s
}

fn write_toned(t: &Token, out: &mut String) {
    out.push('~');
    out.push_str(&t.toned);
}

/// The key of a vowel-shape unigram term: the letters with their vowel
/// marks (â ă ê ô ơ ư), without tone and without the stroke of đ — what a
/// citizen who types diacritics gets right even when the tone slips.
pub fn shape_term(t: &Token) -> String {
    shape_key(&t.toned)
}

fn write_shape(t: &Token, out: &mut String) {
    out.push('^');
    write_shape_of(&t.toned, out);
}

fn write_shape_of(toned: &str, out: &mut String) {
    out.extend(
        toned
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .map(|c| if c == 'đ' { 'd' } else { c }),
    );
}

/// The key of the vowel-shape term of a `toned` spelling.
pub fn shape_key(toned: &str) -> String {
    let mut s = String::with_capacity(toned.len() + 1);
    s.push('^');
    write_shape_of(toned, &mut s);
    s
}

/// The key of a bigram term.
pub fn bigram_term(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    s.push_str(a);
    s.push(' ');
    s.push_str(b);
    s
}

/// The terms the index holds for one entry, per field (name, results,
/// field, agencies), repeated as often as they occur: folded syllables and
/// bigrams within each segment, and for the name also the toned and
/// vowel-shape syllables. For comparing other engines on the same text
/// handling (`chatbot bench retrieval`).
/// `in_full` is the lexicon's [`Lexicon::indexed_in_full`], listed once
/// for all entries.
pub fn field_terms(entry: &Entry, in_full: &FullForms) -> [Vec<String>; 4] {
    fn segment(out: &mut Vec<String>, toks: &[Token], name: bool) {
        for t in toks {
            out.push(t.folded.clone());
            if name {
                out.push(toned_term(t));
                out.push(shape_term(t));
            }
        }
        for w in toks.windows(2) {
            out.push(bigram_term(&w[0].folded, &w[1].folded));
        }
    }
    let mut fields: [Vec<String>; 4] = Default::default();
    let name = name_tokens(&entry.name);
    segment(&mut fields[0], &name, true);
    for words in name.iter().filter_map(|t| in_full.of(t)) {
        segment(&mut fields[0], words, true);
    }
    for r in &entry.results {
        segment(&mut fields[1], &tokens(r), false);
    }
    segment(&mut fields[2], &tokens(&entry.field), false);
    for a in &entry.agencies {
        segment(&mut fields[3], &tokens(a), false);
    }
    fields
}

impl Index {
    pub fn build(procedures: &[Entry], lexicon: &Lexicon) -> Self {
        let n = procedures.len();
        let mut syl = Syllables::default();
        let in_full = lexicon.indexed_in_full();
        // Field syllable lists per doc: each field is a list of segments
        // (bigrams do not cross segments).
        let mut fields: Vec<[Vec<Vec<u32>>; 4]> = Vec::with_capacity(n);
        let mut groups: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut docs = Vec::with_capacity(n);
        let mut pending_variants: Vec<Vec<(u16, Vec<String>)>> = Vec::with_capacity(n);
        for p in procedures {
            let name = syl.name(&p.name);
            let next = groups.len() as u32;
            let group = *groups.entry(name.clone()).or_insert(next);
            let name_tokens: Vec<&Token> = name.iter().map(|&i| &syl.tokens[i as usize]).collect();
            let mut variants = Vec::new();
            for (m, phrase) in lexicon.variants.iter().enumerate() {
                let at: Vec<usize> = name_tokens
                    .windows(phrase.len())
                    .enumerate()
                    .filter(|(_, w)| w.iter().zip(phrase).all(|(a, b)| a.same_word(b)))
                    .map(|(i, _)| i)
                    .collect();
                if at.is_empty() {
                    continue;
                }
                let mut context = Vec::new();
                if phrase.len() == 1 {
                    for &i in &at {
                        let here = name_tokens[i].folded.as_str();
                        if let Some(prev) = i.checked_sub(1).map(|j| name_tokens[j]) {
                            context.push(bigram_term(&prev.folded, here));
                        }
                        if let Some(next) = name_tokens.get(i + 1) {
                            context.push(bigram_term(here, &next.folded));
                        }
                    }
                }
                variants.push((m as u16, context));
            }
            // An abbreviation adds its full words as a segment of the
            // name field of its own (see `Lexicon::indexed_in_full`):
            // found by the words, and no part of the name's own terms.
            let mut name_field = vec![name.clone()];
            for &i in &name {
                if let Some(words) = in_full.of(&syl.tokens[i as usize]) {
                    name_field.push(words.iter().map(|w| syl.id(&w.text)).collect());
                }
            }
            let agencies = p.agencies.iter();
            fields.push([
                name_field,
                p.results.iter().map(|r| syl.ids(r)).collect(),
                vec![syl.ids(&p.field)],
                agencies.map(|a| syl.ids(a)).collect(),
            ]);
            pending_variants.push(variants);
            docs.push(DocInfo {
                group,
                levels: p.levels.clone(),
                name_terms: Vec::new(),
                variants: Vec::new(),
            });
        }
        let mut avg = [0f32; 4];
        for f in &fields {
            for (k, segs) in f.iter().enumerate() {
                avg[k] += segs.iter().map(Vec::len).sum::<usize>() as f32;
            }
        }
        for a in &mut avg {
            *a = (*a / n.max(1) as f32).max(1.0);
        }
        let mut b = Builder {
            terms: FxHashMap::default(),
            acc: Vec::new(),
        };
        // Term ids of each distinct syllable: folded, toned; and of pairs.
        let folded: Vec<TermId> = syl.tokens.iter().map(|t| b.id(&t.folded)).collect();
        let toned: Vec<TermId> = syl.tokens.iter().map(|t| b.id(&toned_term(t))).collect();
        let shaped: Vec<TermId> = syl.tokens.iter().map(|t| b.id(&shape_term(t))).collect();
        let mut pairs: FxHashMap<(TermId, TermId), TermId> = FxHashMap::default();
        for (d, f) in fields.iter().enumerate() {
            let doc = d as DocId;
            for (k, segs) in f.iter().enumerate() {
                let spec = FIELDS[k];
                let len: usize = segs.iter().map(Vec::len).sum();
                let norm = spec.weight / (1.0 - spec.b + spec.b * len as f32 / avg[k]);
                for seg in segs {
                    for &t in seg {
                        b.add(folded[t as usize], doc, norm);
                        if k == 0 {
                            b.add(toned[t as usize], doc, norm);
                            b.add(shaped[t as usize], doc, norm);
                        }
                    }
                    for w in seg.windows(2) {
                        let (l, r) = (folded[w[0] as usize], folded[w[1] as usize]);
                        let id = match pairs.get(&(l, r)) {
                            Some(&id) => id,
                            None => {
                                let key = bigram_term(
                                    &syl.tokens[w[0] as usize].folded,
                                    &syl.tokens[w[1] as usize].folded,
                                );
                                let id = b.id(&key);
                                pairs.insert((l, r), id);
                                id
                            }
                        };
                        b.add(id, doc, norm);
                    }
                }
            }
            docs[d].name_terms = f[0][0].iter().map(|&t| folded[t as usize]).collect();
        }
        // Each toned syllable of a name with its folded neighbours, counted
        // once a name.
        let (mut named, mut in_name) = (Vec::new(), Vec::new());
        for f in &fields {
            in_name.clear();
            for w in f[0][0].windows(2) {
                let (l, r) = (w[0] as usize, w[1] as usize);
                in_name.push(named_pair(folded[l], Side::Left, toned[r]));
                in_name.push(named_pair(folded[r], Side::Right, toned[l]));
            }
            in_name.sort_unstable();
            in_name.dedup();
            named.extend_from_slice(&in_name);
        }
        named.sort_unstable();
        let named_pairs: Vec<u64> = named
            .chunk_by(|a, b| a == b)
            .filter(|run| run.len() >= NAMED_PAIR_NAMES)
            .map(|run| run[0])
            .collect();
        for (doc, marks) in docs.iter_mut().zip(pending_variants) {
            doc.variants = marks
                .into_iter()
                .map(|(marker, context)| VariantMark {
                    marker,
                    context: context.iter().map(|k| b.id(k)).collect(),
                })
                .collect();
        }
        // Lexicon words are known words, not typos, even when no name uses
        // them.
        let lexicon_words: Vec<String> = lexicon
            .chat
            .values()
            .flatten()
            .map(|t| t.folded.clone())
            .chain(lexicon.variants.iter().flatten().map(|t| t.folded.clone()))
            .collect();
        for w in &lexicon_words {
            b.id(w);
        }
        let mut lists: Vec<Vec<Posting>> = b
            .acc
            .into_iter()
            .map(|acc| {
                acc.into_iter()
                    .map(|(doc, tf)| Posting {
                        doc,
                        sat: tf * (K1 + 1.0) / (tf + K1),
                    })
                    .collect()
            })
            .collect();
        // Every toned spelling of the catalogue carries the bonus of its
        // vowel shape along: a syllable typed with its tone then costs one
        // term besides its folded one, not two.
        let mut carried = vec![false; lists.len()];
        for (&t, &s) in toned.iter().zip(&shaped) {
            if !std::mem::replace(&mut carried[t as usize], true) {
                lists[t as usize] = carry_shape(&lists[t as usize], &lists[s as usize], n);
            }
        }
        let postings = Postings::from_lists(lists);
        let mut keys = vec![String::new(); b.terms.len()];
        for (k, id) in b.terms {
            keys[id as usize] = k;
        }
        Self::assemble(Stored {
            keys: keys.into_iter().collect(),
            postings,
            docs,
            named_pairs,
        })
    }

    /// The index from what [`Index::build`] computes from the catalogue;
    /// everything else (idf, the typo dictionaries, the syllable pairs,
    /// the dense rows) is derived here, the same way whether the stored
    /// part was just built or loaded from a snapshot.
    pub(crate) fn assemble(stored: Stored) -> Self {
        let Stored {
            keys,
            postings,
            docs,
            named_pairs,
        } = stored;
        let n = docs.len();
        let mut terms: hashbrown::HashTable<TermId> =
            hashbrown::HashTable::with_capacity(keys.len());
        for (id, k) in keys.iter().enumerate() {
            let h = key_hash(k);
            // A key listed twice keeps its last id.
            match terms.find_mut(h, |&t| keys.get(t as usize) == k) {
                Some(t) => *t = id as TermId,
                None => {
                    terms.insert_unique(h, id as TermId, |&t| key_hash(keys.get(t as usize)));
                }
            }
        }
        let lookup = |s: &str| {
            terms
                .find(key_hash(s), |&t| keys.get(t as usize) == s)
                .copied()
        };
        // A row costs n/8 vector adds against one scattered add per
        // posting: worth it from about a tenth of the documents.
        let mut rows = 0;
        let info: Vec<TermInfo> = (0..postings.len())
            .map(|id| {
                let list = postings.of(id as TermId);
                let dense = if list.len() * DENSE_FROM > n.max(1) {
                    rows += 1;
                    rows - 1
                } else {
                    SPARSE
                };
                TermInfo {
                    idf: idf(n, list.len()),
                    dense,
                    start: postings.starts[id],
                    len: list.len() as u32,
                }
            })
            .collect();
        let mut name_terms = Vec::with_capacity(docs.iter().map(|d| d.name_terms.len()).sum());
        let (mut marks, mut mark_context) = (Vec::new(), Vec::new());
        let meta = docs
            .iter()
            .map(|d| {
                let (names, at) = (name_terms.len() as u32, marks.len() as u32);
                name_terms.extend_from_slice(&d.name_terms);
                for v in &d.variants {
                    marks.push(Mark {
                        marker: v.marker,
                        context_len: v.context.len() as u16,
                        context: mark_context.len() as u32,
                    });
                    mark_context.extend_from_slice(&v.context);
                }
                DocMeta {
                    group: d.group,
                    names,
                    marks: at,
                    name_len: d.name_terms.len() as u32,
                    name_weight: d.name_terms.iter().map(|&t| info[t as usize].idf).sum(),
                    // At most one mark per marker of the lexicon (a `u16`).
                    marks_len: d.variants.len() as u16,
                    level_rank: level_rank(&d.levels),
                }
            })
            .collect();
        let name_vocabulary = name_terms
            .iter()
            .map(|&t| t as usize + 1)
            .max()
            .unwrap_or(0);
        let max_idf = idf(n, 0);
        // Bigram keys are two folded syllables joined by one space.
        let mut pairs: FxHashMap<(TermId, TermId), TermId> = FxHashMap::default();
        for (id, key) in keys.iter().enumerate() {
            if key.starts_with(['~', '^']) {
                continue;
            }
            if let Some((a, b)) = key.split_once(' ')
                && let (Some(a), Some(b)) = (lookup(a), lookup(b))
            {
                pairs.insert((a, b), id as TermId);
            }
        }
        Index {
            terms,
            keys,
            postings,
            info,
            rows: (0..rows).map(|_| std::sync::OnceLock::new()).collect(),
            docs,
            max_idf,
            pairs,
            meta,
            name_terms,
            name_vocabulary,
            marks,
            mark_context,
            named_pairs,
            typos: std::sync::OnceLock::new(),
        }
    }

    /// The part of the index a snapshot keeps (see [`Index::assemble`]).
    pub(crate) fn stored(&self) -> Stored {
        Stored {
            keys: self.keys.clone(),
            postings: self.postings.clone(),
            docs: self.docs.clone(),
            named_pairs: self.named_pairs.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    fn typos(&self) -> &Typos {
        self.typos.get_or_init(|| Typos::build(&self.keys))
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn term(&self, key: &str) -> Option<TermId> {
        self.terms
            .find(key_hash(key), |&t| self.keys.get(t as usize) == key)
            .copied()
    }

    /// The key of a term: a folded syllable, two joined by a space, or a
    /// toned (`~`) or vowel-shape (`^`) syllable.
    pub fn key(&self, id: TermId) -> &str {
        self.keys.get(id as usize)
    }

    pub fn postings(&self, id: TermId) -> &[Posting] {
        let t = &self.info[id as usize];
        &self.postings.all[t.start as usize..(t.start + t.len) as usize]
    }

    /// A term's idf and either its dense row or its postings.
    pub fn scoring(&self, id: TermId) -> (f32, Scored<'_>) {
        let t = &self.info[id as usize];
        let list = self.postings(id);
        let scored = match self.rows.get(t.dense as usize) {
            Some(slot) => Scored::Dense(slot.get_or_init(|| Row::new(list, self.docs.len()))),
            None => Scored::Sparse(list),
        };
        (t.idf, scored)
    }

    /// What ranking reads of a document.
    pub fn meta(&self, doc: DocId) -> &DocMeta {
        &self.meta[doc as usize]
    }

    /// The terms of a document's indexed name, in order.
    pub fn name_terms(&self, doc: DocId) -> &[TermId] {
        let m = &self.meta[doc as usize];
        let at = m.names as usize;
        &self.name_terms[at..at + m.name_len as usize]
    }

    /// One more than the largest term id any name has.
    pub fn name_vocabulary(&self) -> usize {
        self.name_vocabulary
    }

    /// The variant markers in a document's name.
    pub fn marks(&self, doc: DocId) -> &[Mark] {
        let m = &self.meta[doc as usize];
        let at = m.marks as usize;
        &self.marks[at..at + m.marks_len as usize]
    }

    /// For a one-syllable marker: the bigram terms around it in the name.
    pub fn mark_context(&self, mark: &Mark) -> &[TermId] {
        let at = mark.context as usize;
        &self.mark_context[at..at + mark.context_len as usize]
    }

    /// The summed idf of a document's name terms: how much naming the
    /// whole procedure is worth.
    pub fn name_weight(&self, doc: DocId) -> f32 {
        self.meta[doc as usize].name_weight
    }

    /// The toned term of a syllable ([`toned_term`]), when the catalogue
    /// has it.
    pub fn toned_id(&self, t: &Token) -> Option<TermId> {
        self.term_with(|k| write_toned(t, k))
    }

    /// Whether at least [`NAMED_PAIR_NAMES`] names write the syllable
    /// `word`, with its tone as typed, with `neighbour` (whatever its
    /// tone) on `side` of it.
    pub fn names_write(&self, neighbour: &Token, side: Side, word: &Token) -> bool {
        match (self.term(&neighbour.folded), self.toned_id(word)) {
            (Some(n), Some(t)) => self
                .named_pairs
                .binary_search(&named_pair(n, side, t))
                .is_ok(),
            _ => false,
        }
    }

    /// The vowel-shape term of a syllable ([`shape_term`]), when the
    /// catalogue has it.
    pub fn shape_id(&self, t: &Token) -> Option<TermId> {
        self.term_with(|k| write_shape(t, k))
    }

    /// Looks up the key `write` spells, in a buffer reused across calls.
    fn term_with(&self, write: impl FnOnce(&mut String)) -> Option<TermId> {
        thread_local! {
            static KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        KEY.with_borrow_mut(|k| {
            k.clear();
            write(k);
            self.term(k)
        })
    }

    /// Whether a folded syllable is a known word.
    pub fn known(&self, folded: &str) -> bool {
        self.term(folded).is_some()
    }

    /// The bigram term of two unigram terms, when the pair occurs.
    pub fn bigram(&self, a: TermId, b: TermId) -> Option<TermId> {
        self.pairs.get(&(a, b)).copied()
    }

    /// In how many documents the catalogue writes `b` right after `a`.
    pub fn pair_docs(&self, a: TermId, b: TermId) -> usize {
        self.bigram(a, b).map_or(0, |id| self.postings.of(id).len())
    }

    /// Whether the catalogue writes `word` right after `prev` or right
    /// before `next` (either may be missing).
    pub fn pairs_with(&self, prev: Option<TermId>, word: TermId, next: Option<TermId>) -> bool {
        prev.is_some_and(|p| self.bigram(p, word).is_some())
            || next.is_some_and(|x| self.bigram(word, x).is_some())
    }

    /// Known syllables close to `typed` (same phonetic key, or one edit
    /// away) that the catalogue writes right after `prev` or right before
    /// `next`: what a citizen who typed a real but wrong syllable ("thường
    /// chú", "căn cưới") most likely meant. Looks only at the neighbours'
    /// partners, a few dozen words, instead of the whole vocabulary.
    pub fn context_candidates(
        &self,
        typed: TermId,
        prev: Option<TermId>,
        next: Option<TermId>,
    ) -> Vec<(TermId, Closeness)> {
        let t = self.typos();
        let Some(&pos) = t.vocab_of.get(&typed) else {
            return Vec::new();
        };
        t.neighbours[pos as usize]
            .get_or_init(|| self.near(&t.vocab[pos as usize].0, 1, |id| self.postings.of(id).len()))
            .iter()
            .map(|&(n, c)| (t.vocab[n as usize].1, c))
            .filter(|&(w, _)| {
                prev.is_some_and(|p| self.pairs.contains_key(&(p, w)))
                    || next.is_some_and(|x| self.pairs.contains_key(&(w, x)))
            })
            .collect()
    }

    /// Known syllables a citizen may have meant by `typed` (folded), closest
    /// first; `typed` itself is never among them. Short syllables only get
    /// phonetic and one-edit candidates: two edits on three letters reach
    /// almost anything. `max_edits` caps the edit distance further (a known
    /// word typed in place of another is rarely two edits away).
    pub fn typo_candidates(&self, typed: &str, max_edits: usize) -> Vec<(TermId, Closeness)> {
        let t = self.typos();
        self.near(typed, max_edits, |id| self.postings.of(id).len())
            .into_iter()
            .map(|(pos, c)| (t.vocab[pos as usize].1, c))
            .collect()
    }

    /// Vocab positions near `typed`, closest first, then the more common
    /// (`df` tells how common a term is).
    fn near(
        &self,
        typed: &str,
        max_edits: usize,
        df: impl Fn(TermId) -> usize,
    ) -> Vec<(u32, Closeness)> {
        let len = typed.chars().count();
        if len < 2 {
            return Vec::new();
        }
        let max = (if len >= 5 { 2 } else { 1 }).min(max_edits);
        let t = self.typos();
        // Every way a word is reached; each word keeps its closest below.
        let mut out: Vec<(u32, Closeness)> = Vec::new();
        let mut push = |pos: u32, c: Closeness| out.push((pos, c));
        if let Some(list) = t.phonetic.get(&phonetic_key(typed)) {
            for &pos in list {
                push(pos, Closeness::Phonetic);
            }
        }
        // Symmetric deletion: a word and the typed syllable within two
        // edits share a spelling with at most one letter removed from each
        // (or two from the typed one), and how they share it tells the
        // distance, so no distance table is needed.
        if let Some(list) = t.deletes.get(typed) {
            // The word has one letter more.
            for &pos in list {
                push(pos, Closeness::Edit1);
            }
        }
        let mut one = String::with_capacity(typed.len());
        let mut two = String::with_capacity(typed.len());
        for (i, c) in typed.char_indices() {
            one.clear();
            one.push_str(&typed[..i]);
            one.push_str(&typed[i + c.len_utf8()..]);
            if let Some(&pos) = t.exact.get(one.as_str()) {
                // The typed syllable has one letter more.
                push(pos, Closeness::Edit1);
            }
            if let Some(list) = t.deletes.get(one.as_str()) {
                // Same length: one substitution or transposition, or two
                // edits.
                for &pos in list {
                    if within_one_edit(typed, &t.vocab[pos as usize].0) {
                        push(pos, Closeness::Edit1);
                    } else if max >= 2 {
                        push(pos, Closeness::Edit2);
                    }
                }
            }
            if max >= 2 {
                for (k, d) in one.char_indices() {
                    two.clear();
                    two.push_str(&one[..k]);
                    two.push_str(&one[k + d.len_utf8()..]);
                    if let Some(&pos) = t.exact.get(two.as_str()) {
                        // The typed syllable has two letters more.
                        push(pos, Closeness::Edit2);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|(pos, _)| *pos);
        // Lexicon-only words have no postings: nothing to find with them.
        let mut named: Vec<(u32, Closeness, usize)> = out
            .into_iter()
            .filter(|(pos, _)| t.vocab[*pos as usize].0 != typed)
            .map(|(pos, c)| (pos, c, df(t.vocab[pos as usize].1)))
            .filter(|(_, _, df)| *df > 0)
            .collect();
        named.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        named.into_iter().map(|(pos, c, _)| (pos, c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toned_term_should_carry_its_shapes_bonus_over_the_shapes_documents() {
        let post = |doc: DocId, sat: f32| Posting { doc, sat };
        // Documents 1 and 4 spell the syllable with this tone; 1, 2 and 4
        // have its vowel shape (2 with another tone).
        let toned = [post(1, 1.0), post(4, 1.5)];
        let shape = [post(1, 1.0), post(2, 0.8), post(4, 1.5)];
        let n = 10;
        let carried = carry_shape(&toned, &shape, n);
        let docs: Vec<DocId> = carried.iter().map(|p| p.doc).collect();
        assert_eq!(docs, [1, 2, 4]);
        // What scoring adds: the list's own idf (of the shape's document
        // frequency) times its value, weighted as a toned term.
        let scored = |p: &Posting| TONED_BONUS * idf(n, shape.len()) * p.sat;
        let (idf_t, idf_s) = (idf(n, 2), idf(n, 3));
        let expect = [
            TONED_BONUS * idf_t * 1.0 + SHAPE_BONUS * idf_s * 1.0,
            SHAPE_BONUS * idf_s * 0.8,
            TONED_BONUS * idf_t * 1.5 + SHAPE_BONUS * idf_s * 1.5,
        ];
        for (p, e) in carried.iter().zip(expect) {
            assert!((scored(p) - e).abs() < 1e-5, "{} {e}", scored(p));
        }
    }

    #[test]
    fn a_dense_row_should_keep_every_saturated_tf_within_half_a_step() {
        let sats = [2.2f32, 1.0, 0.5, 1e-7, 1.999_9, 0.000_03];
        let postings: Vec<Posting> = sats
            .iter()
            .enumerate()
            .map(|(i, &sat)| Posting {
                doc: 2 * i as DocId,
                sat,
            })
            .collect();
        let row = Row::new(&postings, 2 * sats.len() + 1);
        assert_eq!(row.values.len(), 2 * sats.len() + 1);
        for p in &postings {
            let v = row.values[p.doc as usize];
            // Present, however small, and close to the exact value.
            assert!(v >= 1);
            assert!((f32::from(v) * row.step - p.sat).abs() <= row.step, "{p:?}");
        }
        // Documents without the term stay at 0.
        assert!(row.values.iter().skip(1).step_by(2).all(|&v| v == 0));
        assert_eq!(row.values[0], u8::MAX);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_substitutions_and_transpositions() {
        assert_eq!(edit_distance("chiu", "chieu", 2), 1);
        assert_eq!(edit_distance("nhaan", "nhan", 2), 1);
        assert_eq!(edit_distance("cuoi", "cuoc", 2), 1);
        assert_eq!(edit_distance("thuogn", "thuong", 2), 1);
        assert_eq!(edit_distance("chu", "tru", 2), 2);
        assert_eq!(edit_distance("abc", "abc", 2), 0);
        assert_eq!(edit_distance("", "ab", 2), 2);
        assert_eq!(edit_distance("khai", "xyz", 2), 3);
    }

    #[test]
    fn within_one_edit_agrees_with_the_edit_distance() {
        let words = [
            "chiu", "chieu", "cuoi", "cuoc", "thuogn", "thuong", "tru", "chu", "ab", "ba", "abc",
            "xyz", "đăng", "dang", "đang", "a", "",
        ];
        for a in words {
            for b in words {
                let expected = a != b && edit_distance(a, b, 1) == 1;
                assert_eq!(within_one_edit(a, b), expected, "{a} {b}");
            }
        }
    }

    #[test]
    fn phonetic_key_merges_spellings_citizens_confuse() {
        assert_eq!(phonetic_key("tru"), phonetic_key("chu"));
        assert_eq!(phonetic_key("xe"), phonetic_key("se"));
        assert_eq!(phonetic_key("gia"), phonetic_key("da"));
        assert_eq!(phonetic_key("giay"), phonetic_key("dai"));
        assert_eq!(phonetic_key("nghe"), phonetic_key("nge"));
        assert_ne!(phonetic_key("khai"), phonetic_key("hai"));
    }

    #[test]
    fn strip_levels_drops_level_phrases_and_a_leading_thu_tuc() {
        let names: Vec<String> =
            name_tokens("Thủ tục cấp lại thẻ căn cước (thực hiện tại cấp trung ương)")
                .into_iter()
                .map(|t| t.folded)
                .collect();
        assert_eq!(names, ["cap", "lai", "the", "can", "cuoc"]);
        let names: Vec<String> = name_tokens("Đăng ký xe tại cấp xã, cấp tỉnh")
            .into_iter()
            .map(|t| t.folded)
            .collect();
        assert_eq!(names, ["dang", "ki", "xe", "tai"]);
    }
}
