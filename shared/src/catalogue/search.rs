//! From what a citizen typed to ranked procedures and a decision: answer,
//! ask which one, or say the catalogue has nothing.
//!
//! The query is read in steps: chat spelling is undone; aspect cues ("mất
//! bao lâu"), citizen phrases the lexicon rewrites ("bằng lái" → giấy phép
//! lái xe) and filler ("cho em hỏi") are recognised, longest phrase first;
//! typos are repaired where a syllable is unknown or forms a pair of
//! syllables the catalogue never uses while a close spelling does ("thường
//! chú" → thường trú). The weighted terms are scored with BM25F; then
//! priors a citizen expects reorder the candidates: names the query covers
//! well (the plain procedure before its special variants), levels a city's
//! citizens use, one entry per procedure whatever its levels.

use std::cell::OnceCell;
use std::collections::HashMap;

use serde::Serialize;

use super::ages::{self, AgeGroup};
use super::aspect::Aspect;

use super::index::{
    Closeness, DocId, Index, Mark, SHAPE_BONUS, Scored, Side, TONED_BONUS, TermId, shape_key,
    within_one_edit,
};
use super::model::{Entry, Procedure, ProcedureCode};
use crate::text::lexicon::{Lexicon, matches_phrase};
use crate::text::{Token, normalize, split};
use unicode_normalization::char::is_combining_mark;

/// At most this many syllables of a message are read: no procedure name
/// needs more, and it bounds the work per message.
pub const MAX_QUERY_TOKENS: usize = 48;
/// Share of the best raw score under which a document is not ranked.
const PRUNE: f32 = 0.25;
/// At most this many results are returned.
pub const MAX_RESULTS: usize = 5;

/// Tunable weights and thresholds. The defaults are calibrated on the
/// project's labelled queries (see `chatbot eval`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Weight of filler words ("cho em hỏi", "thủ tục").
    pub filler: f32,
    /// Weight of aspect cue words ("lệ phí", "bao lâu").
    pub cue: f32,
    /// Weight of the citizen's own words that the lexicon rewrote.
    pub rewritten: f32,
    /// Weight of typo candidates by closeness.
    pub phonetic: f32,
    pub edit1: f32,
    pub edit2: f32,
    /// Factor on candidates for a syllable that is itself a known word: the
    /// citizen may well have meant what they typed.
    pub known_typo: f32,
    /// Bigram weight relative to its syllables.
    pub bigram: f32,
    /// Share of the score that does not depend on how much of the name the
    /// query covers.
    pub name_floor: f32,
    /// Factor per variant marker in the name that the query does not ask for.
    pub variant: f32,
    /// Factor for procedures carried out only at central level.
    pub central_only: f32,
    /// Factor for a procedure named for an age group ("dưới 14 tuổi") that
    /// excludes the age the query gives ("con tôi 10 tuổi" is not "từ đủ
    /// 14 tuổi trở lên"): it does not apply to that person at all.
    pub other_age: f32,
    /// How much the fit of a hit owes to how much of its name the query
    /// matches (the rest: how much of the query the hit matches). Citizens
    /// add context a name never has ("cho bà ngoại mới mất"), and some names
    /// are long legal phrases a query never repeats: either share alone
    /// misjudges one of the two.
    pub fit_name_weight: f32,
    /// Fit below which nothing is proposed.
    pub min_coverage: f32,
    /// Fit from which one procedure may be answered directly.
    pub answer_coverage: f32,
    /// Share of its name the query must match for a direct answer: a
    /// query that only brushes a long name ("trợ cấp thất nghiệp" inside
    /// "Ủy quyền lĩnh thay … trợ cấp thất nghiệp") is not that procedure.
    pub answer_name_coverage: f32,
    /// Score share the runner-up must stay under for a direct answer.
    pub answer_margin: f32,
    /// Least weight of a word a rewrite brings in place of the citizen's
    /// own ([`Engine::added_share`]).
    pub added_word: f32,
    /// Share of the rarer syllable's documents that must have the pair
    /// for two syllables to count as one word ([`Engine::splits_a_word`]).
    pub cohesion: f32,
    /// Share of its name a query of one word (at most two syllables of
    /// content) must match for a direct answer. A longer query may add
    /// context a name never has, so its share can be small; one word that
    /// is a small part of a long name ("địa chỉ" in "Thủ tục thông báo
    /// thay đổi địa chỉ … của tổ chức tài chính vi mô") names a detail,
    /// not the procedure.
    pub one_word_name_coverage: f32,
    /// Share of its name such a query of one word must match for anything
    /// to be offered: "tỉnh", "cấp số nhà" or "tháng 1" against names of
    /// twenty words ("Thủ tục cấp sổ ATA thay thế" for "cap so nha") are
    /// guesses, and the citizen is better served by the hotline.
    pub one_word_offer_coverage: f32,
    /// Share of its name a question asking what something is ("bảo hiểm
    /// y tế là gì") must match for a direct answer: the procedure answers
    /// it only when the words name the procedure itself ("đăng ký tạm trú
    /// là gì"). A thing a procedure concerns ("Cấp thẻ bảo hiểm y tế") is
    /// not defined by it: the procedures are offered as choices.
    pub definition_name_coverage: f32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            filler: 0.15,
            cue: 0.3,
            rewritten: 0.3,
            phonetic: 0.85,
            edit1: 0.75,
            edit2: 0.5,
            known_typo: 0.6,
            bigram: 1.0,
            name_floor: 0.45,
            variant: 0.75,
            central_only: 0.93,
            other_age: 0.3,
            fit_name_weight: 0.2,
            min_coverage: 0.45,
            answer_coverage: 0.55,
            answer_name_coverage: 0.0,
            answer_margin: 0.825,
            added_word: 0.6,
            cohesion: 0.5,
            one_word_name_coverage: 0.25,
            one_word_offer_coverage: 0.2,
            definition_name_coverage: 0.9,
        }
    }
}

/// What the engine decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// One procedure fits with confidence.
    Answer,
    /// A few candidates: ask the citizen which one.
    Clarify,
    /// Nothing in the catalogue fits.
    None,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Clarify => "clarify",
            Self::None => "none",
        }
    }
}

/// One ranked procedure (one per group of levels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub code: ProcedureCode,
    pub name: std::sync::Arc<str>,
    pub score: f32,
    /// The same procedure at other levels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<ProcedureCode>,
    /// Share of the query's meaningful words this procedure matches.
    #[serde(skip)]
    pub coverage: f32,
    /// Share of the procedure's name the query matches.
    #[serde(skip)]
    pub name_coverage: f32,
    /// Whether it matches a word of the query only by half (see
    /// [`Engine::splits_a_word`]); only looked at for the first hit.
    #[serde(skip)]
    pub split_word: bool,
    /// Whether the query says its whole name, word after word (see
    /// [`Engine::says_name`]); only looked at for the first hit.
    #[serde(skip)]
    pub said_whole: bool,
    #[serde(skip)]
    pub(crate) doc: DocId,
}

impl Hit {
    /// How well this hit fits the query, between 0 and 1.
    pub fn fit(&self, p: &Params) -> f32 {
        p.fit_name_weight * self.name_coverage + (1.0 - p.fit_name_weight) * self.coverage
    }
}

/// The engine's reading of a query and what it found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub outcome: Outcome,
    pub aspect: Option<Aspect>,
    pub hits: Vec<Hit>,
    /// How many words of the query could name a procedure (neither filler
    /// nor aspect cue): none means the query only asks for an aspect
    /// ("còn lệ phí thì sao?") of whatever was discussed.
    #[serde(skip)]
    pub content_words: usize,
    /// Whether the query asks what something is ([`Lexicon::asks_definition`])
    /// rather than for a part of a procedure (an aspect other than the steps).
    #[serde(skip)]
    pub definition: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Content,
    Filler,
    Cue,
}

/// One syllable of the query as it is searched.
#[derive(Debug, Clone)]
struct Unit<'a> {
    token: &'a Token,
    /// The term of the folded syllable, when the catalogue knows it.
    id: Option<TermId>,
    /// For a syllable typed with diacritics: its toned term when the
    /// catalogue spells it so (it carries the vowel-shape bonus too, see
    /// [`super::index::TONED_BONUS`]), else its vowel-shape term when the
    /// catalogue has it (the tone slipped).
    toned: Option<TermId>,
    shaped: Option<TermId>,
    role: Role,
    /// Typo candidates (known folded syllables) with their weights.
    alts: Vec<(TermId, f32)>,
    /// A bare syllable taken for filler that may be a word of a procedure.
    ambiguous: bool,
    /// For a word a rewrite brought in: its share of the typed words it
    /// stands for ([`Engine::added_share`]); 1 otherwise.
    share: f32,
    /// A known syllable the catalogue never writes next to its content
    /// neighbours: a word of its own in the citizen's text.
    lone: bool,
    /// For such a syllable: the one syllable of the same sound that the
    /// catalogue writes next to a neighbour, when the citizen most likely
    /// meant it ([`Engine::repair_typos`]).
    sound: Option<TermId>,
    /// A word of an age bound ("dưới 14 tuổi") or of the age the query
    /// gives ("con 5 tuổi"): what a procedure whose name states an age
    /// group is matched on; for any other the age prior decides, and
    /// coverage leaves it out ([`Engine::coverage`]).
    bound: bool,
    /// A word of a purpose clause ("… để đi xuất khẩu lao động"): why the
    /// citizen needs the procedure, which coverage counts only where a
    /// document has it.
    purpose: bool,
}

impl Unit<'_> {
    /// The syllable's spellings as terms with their weights: as typed
    /// (unknown to the catalogue: `None`), then its typo candidates.
    fn spellings(&self) -> impl Iterator<Item = (Option<TermId>, f32)> + '_ {
        std::iter::once((self.id, 1.0)).chain(self.alts.iter().map(|&(id, w)| (Some(id), w)))
    }
}

/// How the query was read.
#[derive(Debug, Clone, Default)]
struct Reading<'a> {
    aspects: Vec<Aspect>,
    units: Vec<Unit<'a>>,
    /// Phrases searched alongside the units, with their weight: the
    /// citizen's own words that the lexicon rewrote, and further targets of
    /// an ambiguous abbreviation.
    side: Vec<(&'a [Token], f32)>,
    /// Every token as typed (after chat spelling), for variant checks.
    typed: &'a [Token],
    /// Typed syllables to read again as another of the same sound: their
    /// positions in `typed`, and the syllable meant.
    slips: Vec<(usize, TermId)>,
}

/// The search engine over one catalogue.
#[derive(Debug, Clone)]
pub struct Engine {
    entries: Vec<Entry>,
    index: Index,
    lexicon: Lexicon,
    by_code: HashMap<ProcedureCode, usize>,
    /// The documents whose name states an age group, in document order.
    ages: Vec<(DocId, AgeGroup)>,
    definitions: DefinitionTerms,
    /// Per variant marker, whether it implies another or is implied by
    /// one ([`Lexicon::markers_linked`]).
    linked_markers: Vec<bool>,
    /// Per document, the vowel shapes its results, field and agencies
    /// write ([`shape_key`]s, sorted), made when a query first needs them
    /// ([`Engine::writes_shape`]): a process reads a few hundred of the
    /// catalogue's documents this way, never all.
    shapes_elsewhere: Box<[std::sync::OnceLock<Shapes>]>,
    params: Params,
}

/// Vowel shapes a document writes, sorted ([`Engine::shapes_elsewhere`]).
type Shapes = Box<[Box<str>]>;

/// The lexicon's phrases asking what something is
/// ([`Lexicon::definitions`]) as the index's folded terms: a query's
/// syllables are compared as numbers before their words are.
#[derive(Debug, Clone)]
struct DefinitionTerms {
    /// Per phrase, its terms (`None`: a syllable the catalogue lacks).
    terms: Vec<Vec<Option<TermId>>>,
    /// The first term of each phrase with the phrase's place, sorted.
    starts: Vec<(TermId, usize)>,
    /// Bit `t % 64` set for each first term `t`: most syllables start no
    /// phrase, and are told so by one test.
    mask: u64,
    /// Whether a phrase starts with a syllable the catalogue lacks (then
    /// the phrases are looked for word by word).
    by_words: bool,
}

impl DefinitionTerms {
    fn new(lexicon: &Lexicon, index: &Index) -> Self {
        let terms: Vec<Vec<Option<TermId>>> = lexicon
            .definitions
            .iter()
            .map(|p| p.iter().map(|t| index.term(&t.folded)).collect())
            .collect();
        let by_words = terms.iter().any(|ids| ids[0].is_none());
        let mut starts: Vec<(TermId, usize)> = terms
            .iter()
            .enumerate()
            .filter_map(|(k, ids)| Some((ids[0]?, k)))
            .collect();
        starts.sort_unstable();
        let mask = starts.iter().fold(0u64, |m, &(t, _)| m | 1 << (t % 64));
        Self {
            terms,
            starts,
            mask,
            by_words,
        }
    }

    /// The places of the phrases that start with term `t`.
    fn starting_with(&self, t: TermId) -> impl Iterator<Item = usize> + '_ {
        let from = if self.mask & (1 << (t % 64)) == 0 {
            self.starts.len()
        } else {
            self.starts.partition_point(|&(s, _)| s < t)
        };
        self.starts[from..]
            .iter()
            .take_while(move |&&(s, _)| s == t)
            .map(|&(_, k)| k)
    }
}

impl Engine {
    /// The engine over catalogue entries.
    pub fn new(entries: Vec<Entry>, lexicon: Lexicon) -> Self {
        let index = Index::build(&entries, &lexicon);
        Self::from_parts(entries, index, lexicon)
    }

    /// The engine from its entries and their built index.
    pub(crate) fn from_parts(entries: Vec<Entry>, index: Index, lexicon: Lexicon) -> Self {
        let n = entries.len();
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        let ages = entries
            .iter()
            .enumerate()
            .filter_map(|(d, e)| Some((d as DocId, ages::in_name(&e.name)?)))
            .collect();
        let definitions = DefinitionTerms::new(&lexicon, &index);
        let markers = lexicon.variants.len() as u16;
        let linked_markers = (0..markers)
            .map(|a| (0..markers).any(|b| lexicon.markers_linked(a, b)))
            .collect();
        Self {
            entries,
            index,
            lexicon,
            by_code,
            ages,
            definitions,
            linked_markers,
            shapes_elsewhere: (0..n).map(|_| std::sync::OnceLock::new()).collect(),
            params: Params::default(),
        }
    }

    pub(crate) fn index(&self) -> &Index {
        &self.index
    }

    /// The engine over whole procedures (keeps only their entries).
    pub fn from_procedures(procedures: &[Procedure], lexicon: Lexicon) -> Self {
        Self::new(procedures.iter().map(Entry::from).collect(), lexicon)
    }

    pub fn with_params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    pub fn params(&self) -> Params {
        self.params
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Where an entry is in [`Engine::entries`].
    pub fn position(&self, code: &ProcedureCode) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    pub fn entry(&self, code: &ProcedureCode) -> Option<&Entry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Reads a query and ranks the catalogue for it.
    pub fn search(&self, query: &str) -> Found {
        let typed = self.tokens(query);
        let fixed = OnceCell::new();
        let reading = self.read_fixed(&typed, &fixed);
        let aspect = reading.aspects.first().copied();
        let terms = self.terms(&reading);
        let hits = self.rank(&reading, &terms);
        let content_words = reading
            .units
            .iter()
            .filter(|u| u.role == Role::Content)
            .count();
        let definition =
            reading.aspects.iter().all(|&a| a == Aspect::Steps) && self.asks_definition(&reading);
        let outcome = decide(&self.params, &hits, content_words, definition);
        Found {
            outcome,
            aspect,
            hits,
            content_words,
            definition,
        }
    }

    /// The weighted terms a query is searched with (keys as in
    /// [`super::index::field_terms`], weights before idf): the query read
    /// as the engine reads it — chat spelling undone, lexicon rewrites,
    /// filler and cue words down-weighted, typo candidates, bigrams. For
    /// comparing other engines on the same text handling.
    pub fn query_terms(&self, query: &str) -> Vec<(String, f32)> {
        let typed = self.tokens(query);
        let fixed = OnceCell::new();
        let reading = self.read_fixed(&typed, &fixed);
        let mut out: Vec<(String, f32)> = Vec::new();
        let mut put = |key: String, w: f32| match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = v.max(w),
            None => out.push((key, w)),
        };
        for (id, w) in self.terms(&reading) {
            let key = self.index.key(id);
            // A toned term carries its vowel shape's bonus: as separate
            // terms, the shape's weight is its own.
            if let Some(toned) = key.strip_prefix('~') {
                put(shape_key(toned), w * SHAPE_BONUS / TONED_BONUS);
            }
            put(key.to_owned(), w);
        }
        out
    }

    /// How the engine read a query, for people tuning it: every syllable
    /// with its role and typo candidates, the phrases searched alongside,
    /// and the hits with their fit.
    pub fn explain(&self, query: &str) -> String {
        use std::fmt::Write;
        let typed = self.tokens(query);
        let fixed = OnceCell::new();
        let r = self.read_fixed(&typed, &fixed);
        let mut s = String::new();
        let _ = writeln!(s, "aspects: {:?}", r.aspects);
        if let Some(age) = ages::in_query(r.typed) {
            let _ = writeln!(s, "age: {age}");
        }
        for u in &r.units {
            let _ = write!(s, "  {:<12} {:?}", u.token.text, u.role);
            if u.share < 1.0 {
                let _ = write!(s, " ×{:.2}", u.share);
            }
            for &(a, w) in &u.alts {
                let _ = write!(s, " ~{}({w:.2})", self.index.key(a));
            }
            s.push('\n');
        }
        for (phrase, w) in &r.side {
            let words: Vec<&str> = phrase.iter().map(|t| t.text.as_str()).collect();
            let _ = writeln!(s, "  side {:.2}: {}", w, words.join(" "));
        }
        let found = self.search(query);
        let _ = writeln!(s, "outcome: {:?}", found.outcome);
        for h in &found.hits {
            let _ = writeln!(
                s,
                "  {} {:>8.2} cov {:.2} name {:.2} fit {:.2}{}  {}",
                h.code,
                h.score,
                h.coverage,
                h.name_coverage,
                h.fit(&self.params),
                if h.split_word { " half-word" } else { "" },
                h.name
            );
        }
        s
    }

    /// The text reduced to what may be kept of an unanswered question
    /// without keeping a name, a phone number or a dossier code: words the
    /// catalogue knows stay (lower case), numbers become `#`, and unknown
    /// words and capitalised words inside a sentence (names) become `…`.
    pub fn redact(&self, text: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut sentence_start = true;
        for raw in text.split_whitespace().take(MAX_QUERY_TOKENS) {
            let ends_sentence = raw.ends_with(['.', '?', '!']);
            let word: String = raw
                .chars()
                .filter(|c| c.is_alphanumeric() || is_combining_mark(*c))
                .collect();
            if word.is_empty() {
                continue;
            }
            let capital = word.chars().next().is_some_and(char::is_uppercase);
            let t = Token::new(&normalize(&word));
            let kept = if word.chars().any(|c| c.is_numeric()) {
                "#".to_owned()
            } else if capital && !sentence_start {
                "…".to_owned()
            } else if self.index.known(&t.folded) {
                t.text
            } else {
                "…".to_owned()
            };
            out.push(kept);
            sentence_start = ends_sentence;
        }
        out.join(" ")
    }

    /// The aspect asked for, if any, without searching (for follow-ups such
    /// as "còn lệ phí thì sao?").
    pub fn aspect_of(&self, query: &str) -> Option<Aspect> {
        let fixed = OnceCell::new();
        self.read_fixed(&self.tokens(query), &fixed)
            .aspects
            .first()
            .copied()
    }

    /// The query's syllables, chat spelling undone and abbreviations of
    /// one meaning spelt out.
    fn tokens(&self, query: &str) -> Vec<Token> {
        let normalized = normalize(query);
        let typed: Vec<Token> = split(&normalized)
            .take(MAX_QUERY_TOKENS)
            .map(Token::new)
            .collect();
        let typed = self.lexicon.unchat(typed);
        let typed = self.lexicon.spell_out(self.correct_abbreviations(typed));
        again_after_verb(self.correct_unknown(typed))
    }

    /// Corrects a mistyped abbreviation ("ccccd", "cccf", "gpxdd"): a
    /// token of at least four ASCII consonants and digits that neither the
    /// catalogue nor the lexicon knows, one edit after its first letter
    /// away from exactly one abbreviation of one meaning, becomes that
    /// abbreviation (spelt out next). An unknown acronym differs from ours
    /// in its first letter as often as anywhere ("ttnd" is not "pttnd").
    fn correct_abbreviations(&self, mut typed: Vec<Token>) -> Vec<Token> {
        for t in typed.iter_mut() {
            let text = t.folded.as_str();
            // A syllable with a vowel is a word mistyped ("sibh" is sinh),
            // left to the typo repair.
            if text.len() < MIN_ABBREVIATION_TYPO
                || !text.bytes().all(|b| b.is_ascii_alphanumeric())
                || text.bytes().any(|b| b"aeiou".contains(&b))
                || text.bytes().all(|b| b.is_ascii_digit())
                || self.index.term(text).is_some()
                || self.lexicon.spelled_out.contains_key(text)
                || self.lexicon.starts_phrase(t)
            {
                continue;
            }
            let mut near = self
                .lexicon
                .spelled_out
                .keys()
                .filter(|k| k.as_bytes()[0] == text.as_bytes()[0] && within_one_edit(text, k));
            if let (Some(k), None) = (near.next(), near.next()) {
                *t = Token::new(k);
            }
        }
        typed
    }

    /// Corrects, before phrases are looked for, a syllable neither the
    /// catalogue nor the lexicon knows when exactly one close spelling
    /// (same sound, or one edit away) fits a neighbour the way the
    /// catalogue writes: "chứng thựt bản sao" then meets the lexicon's
    /// "chứng thực bản sao". Anything less clear is left to the typo
    /// candidates searched side by side later.
    fn correct_unknown(&self, mut typed: Vec<Token>) -> Vec<Token> {
        let ix = &self.index;
        let unknown = |t: &Token| {
            ix.term(&t.folded).is_none()
                && !t.folded.bytes().all(|b| b.is_ascii_digit())
                && !self.lexicon.starts_phrase(t)
        };
        for i in 0..typed.len() {
            if !unknown(&typed[i]) {
                continue;
            }
            let prev = i.checked_sub(1).and_then(|j| ix.term(&typed[j].folded));
            let next = typed.get(i + 1).and_then(|t| ix.term(&t.folded));
            let found: Vec<(TermId, Closeness)> = ix
                .typo_candidates(&typed[i].folded, 1)
                .into_iter()
                .filter(|&(w, _)| ix.pairs_with(prev, w, next))
                .collect();
            let closest = found.iter().map(|&(_, c)| c).min();
            let mut best = found.iter().filter(|&&(_, c)| Some(c) == closest);
            if let (Some(&(w, _)), None) = (best.next(), best.next()) {
                typed[i] = Token::new(ix.key(w));
            }
        }
        typed
    }

    fn read<'a>(&'a self, typed: &'a [Token]) -> Reading<'a> {
        let p = &self.params;
        let mut r = Reading {
            aspects: Vec::new(),
            units: Vec::with_capacity(typed.len() + 4),
            side: Vec::new(),
            typed,
            slips: Vec::new(),
        };
        // Past the first "để" typed with its tone, closing the query in a
        // few words, the query says what the procedure is for. A longer
        // text goes on to other things.
        let purpose = typed
            .iter()
            .position(|t| t.text == "để")
            .filter(|&at| typed.len() - at <= PURPOSE_CLAUSE)
            .unwrap_or(typed.len());
        let mut clause = None;
        let mut i = 0;
        while i < typed.len() {
            // A clause of purpose follows what is asked: "để" opening the
            // query ("Để được cấp …") or a question of how ("làm thế nào
            // để …") leads to what is asked instead.
            if i > purpose && clause.is_none() {
                let asked = r.units.iter().filter(|u| u.role == Role::Content).count();
                clause = Some(if asked >= 2 {
                    r.units.len()
                } else {
                    usize::MAX
                });
            }
            let cue = self.lexicon.aspects.longest_at(typed, i);
            let rewrite = self
                .lexicon
                .rewrites
                .all_longest_at_with(typed, i, |q, at| self.tone_slip(q, at));
            let filler = self.lexicon.filler.longest_at(typed, i);
            let (n_cue, n_rw, n_fill) = (
                cue.map_or(0, |c| c.0),
                rewrite.as_ref().map_or(0, |c| c.0),
                filler.map_or(0, |c| c.0),
            );
            let longest = n_cue.max(n_rw).max(n_fill);
            if longest == 0 {
                r.units.push(self.unit(&typed[i], Role::Content, false));
                i += 1;
                continue;
            }
            let span = &typed[i..i + longest];
            if n_cue == longest {
                r.units
                    .extend(span.iter().map(|t| self.unit(t, Role::Cue, false)));
            } else if n_rw == longest {
                let targets = rewrite.map(|(_, t)| t).unwrap_or_default();
                r.side.push((span, p.rewritten));
                for (k, target) in targets.into_iter().enumerate() {
                    if k == 0 {
                        let share = self.added_share(span, target);
                        r.units.extend(target.iter().map(|t| {
                            let mut u = self.unit(t, Role::Content, false);
                            if !typed_in(span, t) {
                                u.share = share;
                            }
                            u
                        }));
                    } else {
                        r.side.push((target, 1.0));
                    }
                }
            } else {
                // One syllable typed without diacritics may be filler or
                // a word of the procedure ("to cao" is tố cáo, not tớ
                // cao): decided once typos are repaired.
                let ambiguous = longest == 1 && !typed[i].accented();
                r.units
                    .extend(span.iter().map(|t| self.unit(t, Role::Filler, ambiguous)));
            }
            i += longest;
        }
        if let Some(from) = clause.filter(|&from| from < r.units.len()) {
            for u in &mut r.units[from..] {
                u.purpose = true;
            }
        }
        // Almost no query gives an age: look for its bound only then.
        if typed.iter().any(|t| t.folded == "tuoi") {
            for u in r.units.iter_mut().filter(|u| u.role == Role::Content) {
                u.bound = typed
                    .iter()
                    .position(|t| std::ptr::eq(t, u.token))
                    .is_some_and(|at| ages::in_bound(typed, at) || ages::in_age(typed, at));
            }
        }
        self.repair_typos(&mut r.units);
        self.settle_ambiguous(&mut r.units);
        for u in r.units.iter().filter(|u| u.sound.is_some()) {
            if let (Some(at), Some(w)) =
                (typed.iter().position(|t| std::ptr::eq(t, u.token)), u.sound)
            {
                r.slips.push((at, w));
            }
        }
        r.aspects = self.lexicon.aspects_in(typed);
        r
    }

    /// Reads the typed tokens; when a syllable turns out to be another
    /// spelt as it sounds ("lước ngoài", "hộ kinh doan"), reads them again
    /// with that syllable, so that the lexicon's phrases and the variant
    /// markers see what was meant. `fixed` keeps the corrected tokens.
    fn read_fixed<'a>(
        &'a self,
        typed: &'a [Token],
        fixed: &'a OnceCell<Vec<Token>>,
    ) -> Reading<'a> {
        let r = self.read(typed);
        if r.slips.is_empty() {
            return r;
        }
        let tokens = fixed.get_or_init(|| {
            let mut t = typed.to_vec();
            for &(at, w) in &r.slips {
                t[at] = Token::new(self.index.key(w));
            }
            t
        });
        self.read(tokens)
    }

    /// Whether the syllable `words[at]` of a lexicon phrase's match,
    /// typed with diacritics, may stand for the phrase's syllable of
    /// another tone: not when the catalogue's names write it with the tone
    /// typed next to the phrase's word typed beside it. "tiền thuê đất"
    /// is the rent of land, written so, not "thuế đất" the land tax;
    /// "đối thẻ" is written nowhere and is "đổi thẻ" slipped.
    fn tone_slip(&self, words: &[Token], at: usize) -> bool {
        let ix = &self.index;
        let t = &words[at];
        let before = at
            .checked_sub(1)
            .is_some_and(|i| ix.names_write(&words[i], Side::Left, t));
        let after = words
            .get(at + 1)
            .is_some_and(|n| ix.names_write(n, Side::Right, t));
        !(before || after)
    }

    /// Whether the query asks what something is: a phrase of
    /// [`Lexicon::definitions`] among its syllables.
    fn asks_definition(&self, r: &Reading) -> bool {
        let d = &self.definitions;
        if d.by_words {
            return self.lexicon.asks_definition(r.typed);
        }
        let units = &r.units;
        units.iter().enumerate().any(|(i, u)| {
            u.id.is_some_and(|id| {
                d.starting_with(id).any(|k| {
                    let ids = &d.terms[k];
                    units.get(i..i + ids.len()).is_some_and(|w| {
                        w.iter().zip(ids).all(|(u, &t)| u.id == t) && {
                            let words: Vec<&Token> = w.iter().map(|u| u.token).collect();
                            matches_phrase(&words, &self.lexicon.definitions[k])
                        }
                    })
                })
            })
        })
    }

    /// The weight of each word a rewrite brings in that the citizen did
    /// not type. A rewrite that keeps every typed word only says more
    /// precisely what was named ("chứng thực bản sao" → the procedure's
    /// full name): its words weigh fully. One that replaces words
    /// translates them, and the words it brings stand for those replaced:
    /// together about as much as they, each between
    /// [`Params::added_word`] and 1. Otherwise a short phrase of context
    /// ("tiệm vàng" → vàng trang sức, mỹ nghệ: who is asking) outweighs
    /// what the citizen asks for ("muốn làm đại lý đổi ngoại tệ"). The
    /// same holds for abbreviations of several meanings, which stay
    /// rewrites: "BHYT" typed once is one word of evidence, not four.
    fn added_share(&self, typed: &[Token], target: &[Token]) -> f32 {
        let replaced = typed
            .iter()
            .filter(|t| !target.iter().any(|w| t.compatible(w)))
            .count();
        let added = target.iter().filter(|w| !typed_in(typed, w)).count();
        if replaced == 0 || added == 0 {
            1.0
        } else {
            (replaced as f32 / added as f32).clamp(self.params.added_word, 1.0)
        }
    }

    /// One syllable of the query with its terms looked up once.
    fn unit<'a>(&self, token: &'a Token, role: Role, ambiguous: bool) -> Unit<'a> {
        let ix = &self.index;
        let (toned, shaped) = if !token.accented() {
            (None, None)
        } else if let Some(toned) = ix.toned_id(token) {
            (Some(toned), None)
        } else {
            (None, ix.shape_id(token))
        };
        Unit {
            token,
            id: ix.term(&token.folded),
            toned,
            shaped,
            role,
            alts: Vec::new(),
            ambiguous,
            share: 1.0,
            lone: false,
            sound: None,
            bound: false,
            purpose: false,
        }
    }

    /// A bare syllable read as filler becomes content when it pairs with a
    /// neighbour (or a neighbour's typo candidate) the way the catalogue
    /// writes.
    fn settle_ambiguous(&self, units: &mut [Unit]) {
        let ix = &self.index;
        let pair = |a: Option<TermId>, b: Option<TermId>| match (a, b) {
            (Some(a), Some(b)) => ix.bigram(a, b).is_some(),
            _ => false,
        };
        for i in 0..units.len() {
            if !units[i].ambiguous {
                continue;
            }
            let word = units[i].id;
            let pairs = i
                .checked_sub(1)
                .is_some_and(|j| units[j].spellings().any(|(b, _)| pair(b, word)))
                || units
                    .get(i + 1)
                    .is_some_and(|u| u.spellings().any(|(a, _)| pair(word, a)));
            if pairs {
                units[i].role = Role::Content;
                units[i].ambiguous = false;
            }
        }
    }

    fn closeness_weight(&self, c: Closeness) -> f32 {
        match c {
            Closeness::Phonetic => self.params.phonetic,
            Closeness::Edit1 => self.params.edit1,
            Closeness::Edit2 => self.params.edit2,
        }
    }

    /// Adds typo candidates: for unknown syllables, the closest known ones;
    /// for known syllables that pair with no neighbour the way the catalogue
    /// writes, the close spellings that do.
    fn repair_typos(&self, units: &mut [Unit]) {
        let ix = &self.index;
        let p = &self.params;
        let n = units.len();
        for i in 0..n {
            if units[i].role != Role::Content
                || units[i].token.folded.bytes().all(|b| b.is_ascii_digit())
            {
                continue;
            }
            let content = |j: usize| {
                units
                    .get(j)
                    .filter(|u| u.role == Role::Content || u.ambiguous)
            };
            // The content neighbours (their terms, when known).
            let prev = i.checked_sub(1).and_then(content).map(|u| u.id);
            let next = content(i + 1).map(|u| u.id);
            let alone = prev.is_none() && next.is_none();
            let (prev, next) = (prev.flatten(), next.flatten());
            let pairs_ok = |w: TermId| ix.pairs_with(prev, w, next);
            let known = units[i].id;
            if known.is_some_and(|w| alone || pairs_ok(w)) {
                continue;
            }
            units[i].lone = known.is_some();
            // A word typed with its diacritics that the catalogue spells
            // exactly so was meant: citizens' own phrasing ("giá đất mặt
            // tiền") pairs words the catalogue never pairs.
            if known.is_some() && units[i].toned.is_some() {
                continue;
            }
            let mut alts = Vec::new();
            if let Some(word) = known {
                // A real syllable is only replaced by one that fits its
                // neighbours the way the catalogue writes them.
                let found = ix.context_candidates(word, prev, next);
                for &(cand, c) in found.iter().take(3) {
                    alts.push((cand, self.closeness_weight(c) * p.known_typo));
                }
                units[i].sound = self.sound_slip(units[i].token, &found, prev, next);
            } else {
                // An unknown one may take its closest candidates on their
                // own, preferring those that fit the neighbours.
                for (cand, c) in ix.typo_candidates(&units[i].token.folded, 2) {
                    let fits = pairs_ok(cand) || alone;
                    let w = self.closeness_weight(c) * if fits { 1.0 } else { 0.6 };
                    alts.push((cand, w));
                    if alts.len() == 3 {
                        break;
                    }
                }
            }
            units[i].alts = alts;
        }
    }

    /// Of the context candidates of a known syllable that fits neither
    /// neighbour: the one of the same sound that was most likely meant.
    /// Typed with diacritics the catalogue never puts on these letters
    /// ("lước ngoài"), the syllable is a slip; typed bare, it may be what
    /// was meant ("ở đại sứ quán", "cho chồng"), and only a candidate that
    /// forms a stock phrase with a neighbour outweighs it ("hộ kinh doan":
    /// a fifth of the documents with "kinh" write "kinh doanh").
    fn sound_slip(
        &self,
        t: &Token,
        found: &[(TermId, Closeness)],
        prev: Option<TermId>,
        next: Option<TermId>,
    ) -> Option<TermId> {
        let ix = &self.index;
        let share = |pair: usize, of: TermId| pair as f32 / ix.postings(of).len().max(1) as f32;
        let least = if t.accented() {
            ACCENTED_STOCK_SHARE
        } else {
            STOCK_SHARE
        };
        let stock = |w: TermId| {
            let before = prev.map_or(0.0, |p| share(ix.pair_docs(p, w), p));
            let after = next.map_or(0.0, |x| share(ix.pair_docs(w, x), x));
            before.max(after) >= least
        };
        let mut same_sound = found
            .iter()
            .filter(|&&(w, c)| c == Closeness::Phonetic && stock(w));
        match (same_sound.next(), same_sound.next()) {
            (Some(&(w, _)), None) if !self.lexicon.starts_phrase(t) => Some(w),
            _ => None,
        }
    }

    fn role_weight(&self, role: Role) -> f32 {
        match role {
            Role::Content => 1.0,
            Role::Filler => self.params.filler,
            Role::Cue => self.params.cue,
        }
    }

    /// The weighted terms of a reading, sorted by id; a term reached
    /// several ways keeps its largest weight.
    fn terms(&self, r: &Reading) -> Vec<(TermId, f32)> {
        let ix = &self.index;
        let p = &self.params;
        let mut out: Vec<(TermId, f32)> = Vec::with_capacity(8 * r.units.len() + 8);
        let mut put = |id: Option<TermId>, w: f32| {
            if let Some(id) = id {
                out.push((id, w));
            }
        };
        for u in &r.units {
            let w = self.role_weight(u.role) * u.share;
            put(u.id, w);
            put(u.toned, w * TONED_BONUS);
            put(u.shaped, w * SHAPE_BONUS);
            for &(id, aw) in &u.alts {
                put(Some(id), aw * u.share);
            }
        }
        for pair in r.units.windows(2) {
            if pair[0].role != Role::Content || pair[1].role != Role::Content {
                continue;
            }
            for (l, lw) in pair[0].spellings() {
                for (rt, rw) in pair[1].spellings() {
                    if let (Some(l), Some(rt)) = (l, rt) {
                        put(ix.bigram(l, rt), p.bigram * lw.min(rw));
                    }
                }
            }
        }
        for (phrase, w) in &r.side {
            let ids: Vec<Option<TermId>> = phrase.iter().map(|t| ix.term(&t.folded)).collect();
            for &id in &ids {
                put(id, *w);
            }
            for pair in ids.windows(2) {
                if let (Some(a), Some(b)) = (pair[0], pair[1]) {
                    put(ix.bigram(a, b), p.bigram * w);
                }
            }
        }
        // One entry per term, with the largest of its weights.
        out.sort_unstable_by_key(|(id, _)| *id);
        out.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 = kept.1.max(next.1);
                true
            } else {
                false
            }
        });
        out
    }

    /// Content syllables of the reading with their alternatives: what
    /// coverage is measured on. Per syllable: its weight (the largest idf
    /// of its spellings; an unknown word is as telling as the rarest word)
    /// and its known spellings, each with what matching it is worth (idf
    /// times weight) and where a document's having it is read.
    fn coverage_units<'a>(&'a self, r: &Reading<'a>) -> CoverageUnits<'a> {
        let ix = &self.index;
        let mut c = CoverageUnits {
            units: Vec::with_capacity(r.units.len()),
            spellings: Vec::with_capacity(2 * r.units.len()),
            shapes: Vec::with_capacity(r.units.len()),
        };
        for u in r.units.iter().filter(|u| u.role == Role::Content) {
            // A vowel shape the catalogue writes somewhere is a word the
            // citizen spelt; one it writes nowhere is likely a slip,
            // matched as folded. The toned term, where there is one,
            // lists the names with the shape (see `carry_shape`).
            let shaped = u.toned.or(u.shaped).filter(|_| u.id.is_some());
            c.shapes.push(shaped.map(|names| (u.token, names)));
            let ids = u.id.map(|id| (id, 1.0f32)).into_iter();
            let mut weight: f32 = 0.0;
            for (id, w) in ids.chain(u.alts.iter().copied()) {
                let (idf, scored) = ix.scoring(id);
                weight = weight.max(idf);
                c.spellings.push((idf * w, scored));
            }
            let weight = if weight == 0.0 { ix.max_idf } else { weight };
            // A quantity ("3 tầng", "2 người": a number before a measure
            // word) is a detail unless a document writes its number: the
            // number adds where it matches, and is not missed where it
            // does not; so do the words of a clause of purpose. A number
            // before a name ("101 Nguyễn Văn Cừ") is a house number: an
            // address, not a question about a procedure.
            let digits = |t: &Token| t.folded.bytes().all(|b| b.is_ascii_digit());
            let detail = u.purpose
                || digits(u.token)
                    && r.typed
                        .iter()
                        .position(|t| std::ptr::eq(t, u.token))
                        .and_then(|at| r.typed.get(at + 1))
                        .is_some_and(|next| MEASURE_WORDS.contains(&next.folded.as_str()));
            c.units
                .push((weight, c.spellings.len(), u.id.is_some(), u.bound, detail));
        }
        c
    }

    /// The share of the query's content a document has, and which content
    /// syllables it has as typed (bit k for the k-th; the first 128). The
    /// words of an age bound count only for a document whose name states
    /// an age group: a passport asked for a child "dưới 14 tuổi" is not
    /// the less the passport for lacking the words. With `shapes` (for the
    /// best hit, whose coverage the decision reads), a syllable typed with
    /// diacritics counts as typed only where the document writes its vowel
    /// shape ([`Engine::writes_shape`]); its typo candidates count as ever.
    fn coverage(&self, c: &CoverageUnits, doc: DocId, shapes: bool) -> (f32, u128) {
        let mut total = 0.0;
        let mut hit = 0.0;
        let mut from = 0;
        let mut typed = 0u128;
        let aged = || self.ages.binary_search_by_key(&doc, |&(d, _)| d).is_ok();
        for (k, &(weight, to, known, bound, detail)) in c.units.iter().enumerate() {
            let missing = || !c.spellings[from..to].iter().any(|(_, sc)| sc.has(doc));
            if bound && !aged() || detail && missing() {
                from = to;
                continue;
            }
            let mut matched: f32 = 0.0;
            for (s, (worth, scored)) in c.spellings[from..to].iter().enumerate() {
                if scored.has(doc) {
                    if s == 0 && known && k < 128 {
                        typed |= 1 << k;
                    }
                    let other_word = s == 0
                        && shapes
                        && c.shapes[k].is_some_and(|(t, names)| !self.writes_shape(doc, t, names));
                    if !other_word {
                        matched = matched.max(*worth);
                    }
                }
            }
            from = to;
            total += weight;
            hit += matched.min(weight);
        }
        (if total == 0.0 { 0.0 } else { hit / total }, typed)
    }

    /// Whether a document writes the syllable `t` with its vowel shape
    /// (its letters and vowel marks, whatever the tone) in any indexed
    /// field. The folded syllable alone joins words a citizen who types
    /// diacritics keeps apart: "dạy" (teach) is not the "đầy" of "hồ sơ
    /// đầy đủ", nor "quân" (military) the "quản" of "quản lý". Tones are
    /// not asked for: citizens slip on them far more often than on vowel
    /// marks, and the answer thresholds allow for it. Names keep their
    /// shapes in the index (`names`: the term whose documents are the
    /// names with the shape); those of the other fields are read from the
    /// entry when a query first needs them, and kept.
    fn writes_shape(&self, doc: DocId, t: &Token, names: TermId) -> bool {
        if self.index.scoring(names).1.has(doc) {
            return true;
        }
        let elsewhere = self.shapes_elsewhere[doc as usize].get_or_init(|| {
            let e = &self.entries[doc as usize];
            let texts = e.results.iter().chain([&e.field]).chain(&e.agencies);
            let mut shapes: Vec<Box<str>> = texts
                .flat_map(|text| crate::text::tokens(text))
                .map(|w| shape_key(&w.toned).into_boxed_str())
                .collect();
            shapes.sort_unstable();
            shapes.dedup();
            shapes.into_boxed_slice()
        });
        let want = shape_key(&t.toned);
        elsewhere
            .binary_search_by(|s| (**s).cmp(want.as_str()))
            .is_ok()
    }

    /// Whether the query says a document's whole name (as indexed: without
    /// its level or a leading "thủ tục"), word after word and in the
    /// citizen's own words (a rewrite that brings words in their place,
    /// "giấy khai sinh" for "đăng ký khai sinh", does not say it), when the
    /// name has three words at least: "đăng ký thường trú cho vợ về ở nhà
    /// chồng" names the procedure, whatever it adds about who asks.
    fn says_name(&self, r: &Reading, doc: DocId) -> bool {
        let name = self.index.name_terms(doc);
        name.len() >= 3
            && r.units.windows(name.len()).any(|w| {
                w.iter()
                    .zip(name)
                    .all(|(u, &t)| u.id == Some(t) && u.share >= 1.0)
            })
    }

    fn rank(&self, r: &Reading, terms: &[(TermId, f32)]) -> Vec<Hit> {
        // Buffers per thread, reused: a fresh zeroed allocation per query
        // costs more than the scoring of rare terms.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = const {
                std::cell::RefCell::new(Scratch { scores: Vec::new(), name_weights: Vec::new() })
            };
        }
        SCRATCH.with_borrow_mut(|scratch| self.rank_with(r, terms, scratch))
    }

    fn rank_with(&self, r: &Reading, terms: &[(TermId, f32)], scratch: &mut Scratch) -> Vec<Hit> {
        let ix = &self.index;
        let p = &self.params;
        let Scratch {
            scores,
            name_weights,
        } = scratch;
        scores.clear();
        scores.resize(ix.len(), 0.0);
        // Terms in id order. Consecutive frequent terms share one pass over
        // the scores (each document still adds them in the same order: the
        // same sums to the last bit).
        //
        // The terms' data lies scattered over megabytes: looking all of it
        // up first, and reading the first posting of every list, lets the
        // processor wait for these cache misses together rather than one
        // list after another.
        let looked: Vec<_> = terms.iter().map(|&(id, w)| (w, ix.scoring(id))).collect();
        let first = looked
            .iter()
            .fold(0u32, |acc, (_, (_, found))| match found {
                Scored::Dense(row) => acc ^ u32::from(row.values.first().copied().unwrap_or(0)),
                Scored::Sparse(postings) => acc ^ postings.first().map_or(0, |p| p.doc),
            });
        std::hint::black_box(first);
        let mut rows: Vec<(&[u8], f32)> = Vec::with_capacity(terms.len());
        for &(w, (idf, found)) in &looked {
            let wi = w * idf;
            match found {
                Scored::Dense(row) => rows.push((&row.values, wi * row.step)),
                Scored::Sparse(postings) => {
                    add_rows(&rows, scores);
                    rows.clear();
                    for post in postings {
                        if let Some(s) = scores.get_mut(post.doc as usize) {
                            *s += wi * post.sat;
                        }
                    }
                }
            }
        }
        add_rows(&rows, scores);
        // The priors below multiply a score by at least ~0.3 (a name the
        // query barely covers, a variant marker, a central-only level,
        // another age group), so a document under that share of the best
        // raw score cannot reach the top: leave it out before the costlier
        // per-document work. Blocks of documents whose best score is under
        // that share are skipped whole.
        let mut block_best: Vec<f32> = Vec::with_capacity(ix.len() / BLOCK + 1);
        let best = block_maxima(scores, &mut block_best);
        let mut floor = (best * PRUNE).max(f32::MIN_POSITIVE);
        // Ranking goes on with the POOL best documents. Each block has a
        // document at its best score: when POOL blocks reach a score, so
        // do POOL documents, and a document under it cannot be among the
        // POOL best. Queries of common words otherwise leave thousands.
        const POOL: usize = 32;
        if block_best.len() > POOL {
            let mut maxima = block_best.clone();
            let (_, nth, _) = maxima.select_nth_unstable_by(POOL - 1, |a, b| b.total_cmp(a));
            floor = floor.max(*nth);
        }
        let mut cands: Vec<u64> = Vec::with_capacity(256);
        for (b, &m) in block_best.iter().enumerate() {
            if m >= floor {
                let start = b * BLOCK;
                let block = &scores[start..(start + BLOCK).min(scores.len())];
                at_floor(block, start, floor, &mut cands);
            }
        }
        if cands.len() > POOL {
            // Equal scores in document order: the same POOL whatever the
            // floor let through.
            cands.select_nth_unstable(POOL - 1);
            cands.truncate(POOL);
        }
        // Variant markers the query itself carries ("lưu động", "cấp
        // lại"): a procedure without them fits it less, just as one with a
        // marker the query lacks.
        // Read in the words typed and, when the lexicon rewrote some, in
        // the words read (without rewrites they are the same words).
        let mut asked_markers: Vec<u16> = Vec::new();
        self.lexicon.markers_in(&[r.typed], &mut asked_markers);
        if !r.side.is_empty() {
            let units: Vec<&Token> = r.units.iter().map(|u| u.token).collect();
            self.lexicon.markers_in(&[&units], &mut asked_markers);
        }
        let age = ages::in_query(r.typed);
        // Filler and cue words do not count as naming a procedure; typo
        // candidates count with their (lower) weight. Kept with the idf
        // (what a name term matched adds to its coverage) in a table by
        // term id over the name vocabulary, zero elsewhere: the candidates'
        // many name terms cost one read each.
        let counted = |w: f32| w >= 0.4;
        name_weights.resize(ix.name_vocabulary(), 0.0);
        for (&(id, w), &(_, (idf, _))) in terms.iter().zip(&looked) {
            if let Some(slot) = name_weights.get_mut(id as usize).filter(|_| counted(w)) {
                *slot = idf * w.min(1.0);
            }
        }
        let weight_of = |t: TermId| {
            terms
                .binary_search_by_key(&t, |&(id, _)| id)
                .is_ok_and(|i| counted(terms[i].1))
        };
        // As for the terms above: the candidates' data lies scattered, and
        // reading a little of each first lets their cache misses overlap.
        let first = cands.iter().fold(0u32, |acc, &key| {
            acc ^ ix
                .name_terms(from_rank_key(key).0)
                .first()
                .copied()
                .unwrap_or(0)
        });
        std::hint::black_box(first);
        let mut finals: Vec<(DocId, f32, f32)> = cands
            .into_iter()
            .map(|key| {
                let (d, raw) = from_rank_key(key);
                let meta = ix.meta(d);
                let den = ix.name_weight(d);
                let mut num = 0.0;
                for &t in ix.name_terms(d) {
                    num += name_weights.get(t as usize).copied().unwrap_or(0.0);
                }
                let name_cov = if den > 0.0 { num / den } else { 0.0 };
                let mut s = raw * (p.name_floor + (1.0 - p.name_floor) * name_cov);
                let marks = ix.marks(d);
                let asked = |mark: &Mark| {
                    let context = ix.mark_context(mark);
                    if context.is_empty() {
                        asked_markers.contains(&mark.marker)
                    } else {
                        context.iter().any(|&t| weight_of(t))
                    }
                };
                // Two markers of one name that imply one another are one
                // variant: counted once, and asked when either is.
                for (k, mark) in marks.iter().enumerate() {
                    let spared = asked(mark)
                        || self.linked_markers[usize::from(mark.marker)]
                            && self.counted_with_another(marks, k, &asked);
                    if !spared {
                        s *= p.variant;
                    }
                }
                for &m in &asked_markers {
                    if !marks.iter().any(|v| v.marker == m) {
                        s *= p.variant;
                    }
                }
                if meta.central_only() {
                    s *= p.central_only;
                }
                if let Some(age) = age
                    && let Ok(i) = self.ages.binary_search_by_key(&d, |&(doc, _)| doc)
                    && !self.ages[i].1.holds(age)
                {
                    s *= p.other_age;
                }
                (d, s, name_cov)
            })
            .collect();
        // Documents are distinct: no two entries compare equal.
        finals.sort_unstable_by_key(|&(d, s, _)| rank_key(d, s));
        // One hit per group; the representative is the member closest to
        // citizens (xã, then tỉnh) among those scoring nearly as well.
        let mut hits: Vec<Hit> = Vec::new();
        let mut groups: Vec<u32> = Vec::with_capacity(MAX_RESULTS);
        for &(d, s, name_cov) in &finals {
            let meta = ix.meta(d);
            if let Some(h) = groups.iter().position(|&g| g == meta.group) {
                let hit = &mut hits[h];
                let code = self.entries[d as usize].code.clone();
                if s >= hit.score * 0.97 && meta.level_rank < ix.meta(hit.doc).level_rank {
                    let old = std::mem::replace(&mut hit.code, code);
                    hit.also.push(old);
                    hit.doc = d;
                    hit.name = self.entries[d as usize].name.clone();
                } else {
                    hit.also.push(code);
                }
                continue;
            }
            if hits.len() == MAX_RESULTS {
                continue;
            }
            groups.push(meta.group);
            hits.push(Hit {
                code: self.entries[d as usize].code.clone(),
                name: self.entries[d as usize].name.clone(),
                score: s,
                also: Vec::new(),
                coverage: 0.0,
                name_coverage: name_cov,
                split_word: false,
                said_whole: false,
                doc: d,
            });
        }
        let units = self.coverage_units(r);
        let mut typed = 0;
        for (i, h) in hits.iter_mut().enumerate() {
            let (coverage, has) = self.coverage(&units, h.doc, i == 0);
            h.coverage = coverage;
            h.score = (h.score * 1000.0).round() / 1000.0;
            if i == 0 {
                typed = has;
            }
        }
        if let Some(top) = hits.first_mut() {
            top.split_word = self.splits_a_word(r, top.doc, typed, name_weights);
            top.said_whole = self.says_name(r, top.doc);
        }
        for &(id, _) in terms {
            if let Some(slot) = name_weights.get_mut(id as usize) {
                *slot = 0.0;
            }
        }
        hits
    }

    /// Whether the `k`-th marker of a name is one variant with another
    /// marker of the same name ([`Lexicon::markers_linked`]) that is asked
    /// for or comes first: that variant fits less once, and fits when
    /// either marker is asked for.
    #[cold]
    #[inline(never)]
    fn counted_with_another(
        &self,
        marks: &[Mark],
        k: usize,
        asked: &dyn Fn(&Mark) -> bool,
    ) -> bool {
        let mark = marks[k].marker;
        marks.iter().enumerate().any(|(j, other)| {
            j != k && self.lexicon.markers_linked(other.marker, mark) && (j < k || asked(other))
        })
    }

    /// Whether a document matches a word of the query only by half: one
    /// syllable of a two-syllable word, the other half being no part of
    /// what the citizen typed. "cấp giấy phép lao động" is not "Cấp Giấy
    /// chứng nhận Lao động hàng hải" ("giấy" of "giấy phép" matched in
    /// "giấy chứng nhận"), nor is "hành nghề y" "hành nghề thú y". Such a
    /// document shares letters with the query, not what it asks for: it
    /// may be offered, not answered.
    ///
    /// Two syllables make one word where most documents with the rarer of
    /// them have the pair ([`Params::cohesion`]). Read both ways:
    /// - a word of the query of which the document has one half only (and
    ///   the query that half nowhere else);
    /// - a word of the document's name of which the query has one half,
    ///   where the citizen wrote that half next to words the catalogue
    ///   never writes it with. "xin phép mang vàng" keeps its answer
    ///   ("phép mang" is how the catalogue writes it); "nghề y" does not.
    ///
    /// `named` is the table of what each name term of the query adds to a
    /// name's coverage (see `rank_with`): not zero for the syllables the
    /// query names.
    fn splits_a_word(&self, r: &Reading, d: DocId, typed: u128, named: &[f32]) -> bool {
        let ix = &self.index;
        let content = |u: &Unit| u.role == Role::Content;
        // The content syllables in order, with whether the document has
        // them as typed (`typed`, from the coverage): None where a unit
        // is no content or unknown, which no pair crosses.
        let mut k = 0;
        let mut prev: Option<(TermId, bool)> = None;
        for u in &r.units {
            let here = if content(u) {
                k += 1;
                u.id.map(|id| (id, k <= 128 && typed & (1 << (k - 1)) != 0))
            } else {
                None
            };
            let pair = prev.zip(here);
            prev = here;
            let Some(((a, has_a), (b, has_b))) = pair else {
                continue;
            };
            if has_a == has_b {
                continue;
            }
            let half = if has_a { a } else { b };
            let Some(ab) = ix.bigram(a, b) else {
                continue;
            };
            let elsewhere = r.units.iter().filter(|u| content(u) && u.id == Some(half));
            if self.word(a, b, ab) && !ix.scoring(ab).1.has(d) && elsewhere.count() == 1 {
                return true;
            }
        }
        if !r.units.iter().any(|u| u.lone) {
            return false;
        }
        let lone = |t: TermId| r.units.iter().any(|u| u.lone && u.id == Some(t));
        let asked = |t: TermId| named.get(t as usize).is_some_and(|&w| w > 0.0);
        ix.name_terms(d).windows(2).any(|pair| {
            let (x, y) = (pair[0], pair[1]);
            let half = match (asked(x), asked(y)) {
                (true, false) => x,
                (false, true) => y,
                _ => return false,
            };
            lone(half) && ix.bigram(x, y).is_some_and(|xy| self.word(x, y, xy))
        })
    }

    /// Whether two syllables (`both` their pair's term) make one word: most
    /// documents with the rarer of them have the pair
    /// ([`Params::cohesion`]).
    fn word(&self, a: TermId, b: TermId, both: TermId) -> bool {
        let df = |t: TermId| self.index.postings(t).len() as f32;
        a != b && df(both) >= self.params.cohesion * df(a).min(df(b))
    }
}

/// The verbs after which "lại" makes a procedure's "again" ("cấp lại",
/// "đăng ký lại", "làm lại", "xin lại").
static AGAIN_VERBS: std::sync::LazyLock<Vec<Vec<Token>>> = std::sync::LazyLock::new(|| {
    ["cấp", "đăng ký", "làm", "xin"]
        .iter()
        .map(|v| crate::text::tokens(v))
        .collect()
});

/// How many words may stand between a verb and a "lại" said after its
/// object.
const AGAIN_OBJECT_WORDS: usize = 5;

/// Puts a "lại" said after the object back after its verb: citizens say
/// "đăng ký kết hôn lại" and "làm thẻ căn cước lại" as often as "đăng ký
/// lại kết hôn", which is how the catalogue and the lexicon write the
/// procedure done again. A bare "lai" counts only where "lại" is the one
/// reading: at the end of the question or before "cho" ("… lai cho con"),
/// and not after "bằng"/"tay" ("bằng lái", "tay lái").
fn again_after_verb(mut typed: Vec<Token>) -> Vec<Token> {
    let again = |i: usize| {
        let t = &typed[i];
        match t.text.as_str() {
            "lại" => true,
            "lai" => {
                let next = typed.get(i + 1).map(|n| n.folded.as_str());
                let prev = i.checked_sub(1).map(|p| typed[p].folded.as_str());
                matches!(next, None | Some("cho")) && !matches!(prev, Some("bang" | "tay"))
            }
            _ => false,
        }
    };
    let Some(at) = (1..typed.len()).find(|&i| again(i)) else {
        return typed;
    };
    let verb_ends_at = |end: usize| {
        AGAIN_VERBS.iter().any(|verb| {
            end + 1 >= verb.len()
                && typed[end + 1 - verb.len()..=end]
                    .iter()
                    .zip(verb)
                    .all(|(t, v)| t.compatible(v))
        })
    };
    // Already after its verb ("xin cấp lại"): nothing to move.
    if verb_ends_at(at - 1) {
        return typed;
    }
    // The nearest verb before it, with the object between.
    let verb_end = (at.saturating_sub(AGAIN_OBJECT_WORDS + 1)..at - 1)
        .rev()
        .find(|&end| verb_ends_at(end));
    if let Some(end) = verb_end {
        let again = typed.remove(at);
        typed.insert(end + 1, again);
    }
    typed
}

/// Whether a word of a rewrite's target is one of the words typed (as a
/// catalogue word the typed one can stand for).
fn typed_in(typed: &[Token], word: &Token) -> bool {
    typed.iter().any(|t| t.compatible(word))
}

/// Orders documents by score, best first, then in document order, as one
/// integer (cheaper to compare than a float and a tie-break). Scores are
/// never negative (weights and factors are positive), and the bits of
/// floats that are not negative order as the floats do.
fn rank_key(doc: DocId, score: f32) -> u64 {
    debug_assert!(score >= 0.0, "{score}");
    (u64::from(!score.to_bits()) << 32) | u64::from(doc)
}

/// The document and raw score a rank key ([`rank_key`]) was made of.
fn from_rank_key(key: u64) -> (DocId, f32) {
    (key as DocId, f32::from_bits(!((key >> 32) as u32)))
}

/// Adds the rank keys ([`rank_key`]) of the documents of a block (its
/// first is `start`) scoring at least `floor` to `out`, in document order.
/// Few of a block's documents do, and which is unpredictable: a branch per
/// document (or per group with one) costs more in mispredictions than the
/// comparisons themselves, so where the processor can, sixteen are
/// compared at once and the ones at the floor packed together without a
/// branch.
fn at_floor(block: &[f32], start: usize, floor: f32, out: &mut Vec<u64>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512, checked just above.
        return unsafe { at_floor_avx512(block, start, floor, out) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { at_floor_avx2(block, start, floor, out) };
    }
    at_floor_with(block, start, floor, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn at_floor_avx512(block: &[f32], start: usize, floor: f32, out: &mut Vec<u64>) {
    use std::arch::x86_64::*;
    let at_least = _mm512_set1_ps(floor);
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // Document k and inverted score k side by side: one u64 key each.
    let low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    let high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    let mut chunks = block.chunks_exact(16);
    for (c, chunk) in (&mut chunks).enumerate() {
        // SAFETY: a chunk is sixteen floats.
        let scores = unsafe { _mm512_loadu_ps(chunk.as_ptr()) };
        let kept = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(scores, at_least);
        if kept == 0 {
            continue;
        }
        let first = _mm512_set1_epi32((start + c * 16) as i32);
        let docs = _mm512_maskz_compress_epi32(kept, _mm512_add_epi32(first, lanes));
        let inverted = _mm512_xor_si512(_mm512_castps_si512(scores), _mm512_set1_epi32(-1));
        let inverted = _mm512_maskz_compress_epi32(kept, inverted);
        let mut keys = [0u64; 16];
        // SAFETY: each store writes 64 bytes, half of `keys`.
        unsafe {
            let to = keys.as_mut_ptr().cast::<__m512i>();
            _mm512_storeu_si512(to, _mm512_permutex2var_epi32(docs, low, inverted));
            _mm512_storeu_si512(to.add(1), _mm512_permutex2var_epi32(docs, high, inverted));
        }
        // All sixteen copied (a fixed-size copy), the kept ones left.
        let len = out.len();
        out.extend_from_slice(&keys);
        out.truncate(len + kept.count_ones() as usize);
    }
    let done = block.len() - chunks.remainder().len();
    at_floor_with(chunks.remainder(), start + done, floor, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn at_floor_avx2(block: &[f32], start: usize, floor: f32, out: &mut Vec<u64>) {
    at_floor_with(block, start, floor, out)
}

/// [`at_floor`] without wide registers: eight compared at once into a bit
/// mask, and only a group with a bit set looked into.
#[inline(always)]
fn at_floor_with(block: &[f32], start: usize, floor: f32, out: &mut Vec<u64>) {
    for (c, group) in block.chunks(8).enumerate() {
        let mut mask = group
            .iter()
            .enumerate()
            .fold(0u32, |m, (k, &s)| m | (u32::from(s >= floor) << k));
        while mask != 0 {
            let k = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            out.push(rank_key((start + c * 8 + k) as DocId, group[k]));
        }
    }
}

/// Adds weighted dense rows to the scores, up to four per pass, each
/// document adding them in the order given. On x86-64 processors with
/// AVX2 (every current server) the same loop runs eight documents per
/// instruction instead of four, with AVX-512 sixteen: the same operations
/// in the same order, so the same sums to the last bit.
fn add_rows(rows: &[(&[u8], f32)], scores: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512, checked just above.
        return unsafe { add_rows_avx512(rows, scores) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { add_rows_avx2(rows, scores) };
    }
    add_rows_with(rows, scores)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn add_rows_avx512(rows: &[(&[u8], f32)], scores: &mut [f32]) {
    add_rows_with(rows, scores)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_rows_avx2(rows: &[(&[u8], f32)], scores: &mut [f32]) {
    add_rows_with(rows, scores)
}

/// [`add_rows`], compiled into each caller with its processor features.
#[inline(always)]
fn add_rows_with(rows: &[(&[u8], f32)], scores: &mut [f32]) {
    for chunk in rows.chunks(4) {
        match *chunk {
            [(a, wa)] => {
                for (s, &a) in scores.iter_mut().zip(a) {
                    *s += wa * f32::from(a);
                }
            }
            [(a, wa), (b, wb)] => {
                for ((s, &a), &b) in scores.iter_mut().zip(a).zip(b) {
                    *s = *s + wa * f32::from(a) + wb * f32::from(b);
                }
            }
            [(a, wa), (b, wb), (c, wc)] => {
                for (((s, &a), &b), &c) in scores.iter_mut().zip(a).zip(b).zip(c) {
                    *s = *s + wa * f32::from(a) + wb * f32::from(b) + wc * f32::from(c);
                }
            }
            [(a, wa), (b, wb), (c, wc), (d, wd)] => {
                for ((((s, &a), &b), &c), &d) in scores.iter_mut().zip(a).zip(b).zip(c).zip(d) {
                    *s = *s
                        + wa * f32::from(a)
                        + wb * f32::from(b)
                        + wc * f32::from(c)
                        + wd * f32::from(d);
                }
            }
            _ => unreachable!("chunks of one to four"),
        }
    }
}

/// The content syllables of a reading as coverage reads them (see
/// [`Engine::coverage_units`]): per syllable its weight and where its
/// spellings end in `spellings`.
struct CoverageUnits<'a> {
    /// Per content syllable: its weight, where its spellings end, whether
    /// the first is as typed (a known syllable), whether it is a word of an
    /// age bound ([`Unit::bound`]), and whether it is a detail that counts
    /// only where a document has it (the number of a quantity, a word of
    /// a clause of purpose: [`Unit::purpose`]).
    units: Vec<(f32, usize, bool, bool, bool)>,
    spellings: Vec<(f32, Scored<'a>)>,
    /// Per content syllable: the token when it was typed with diacritics
    /// in a vowel shape the catalogue writes, with the term listing the
    /// names that write the shape ([`Engine::writes_shape`]).
    shapes: Vec<Option<(&'a Token, TermId)>>,
}

/// Buffers [`Engine::rank_with`] reuses from one query to the next.
struct Scratch {
    /// A score per document.
    scores: Vec<f32>,
    /// What a name term the query has adds to a name's coverage, by term id
    /// over the name vocabulary ([`Index::name_vocabulary`]); all zero
    /// between queries.
    name_weights: Vec<f32>,
}

/// Share of the documents with a word that write a candidate next to it
/// for the pair to count as a stock phrase ([`Engine::sound_slip`]), for a
/// syllable typed bare (it may be what was meant).
const STOCK_SHARE: f32 = 0.2;
/// The same for a syllable typed with diacritics the catalogue's names
/// never put on its letters: the candidate need only be written next to
/// the neighbour at all, not by chance ("quán" is not "chuẩn").
const ACCENTED_STOCK_SHARE: f32 = 0.02;
/// Least length of a token taken for a mistyped abbreviation: three-letter
/// tokens are too often other words ("met", "SHB").
const MIN_ABBREVIATION_TYPO: usize = 4;
/// Measure words a citizen puts after a number to say how many or how
/// much (folded): floors, ages, people, times, durations, rooms, plots,
/// areas, weights, vehicles, sums. A number before one of them is a
/// quantity (see [`Engine::coverage_units`]).
const MEASURE_WORDS: &[&str] = &[
    "tang", "tuoi", "nguoi", "nam", "thang", "ngay", "tuan", "gio", "lan", "con", "chau", "chiec",
    "cai", "can", "phong", "lo", "thua", "m2", "m", "met", "ha", "tan", "kg", "xe", "tau", "trieu",
    "nghin", "ngan", "ty", "dong", "thanh", "ho",
];
/// Most syllables of a closing clause of purpose, "để" included ("để đi
/// xuất khẩu lao động"): see [`Unit::purpose`].
const PURPOSE_CLAUSE: usize = 9;
/// Documents per block of the candidate scan.
const BLOCK: usize = 64;

/// The best score of each block of [`BLOCK`] documents (into `out`) and
/// the best overall (0 at least). Eight running maxima side by side, so
/// that the compiler keeps them in one vector register (one AVX2 register
/// where the processor has it, see [`add_rows`]).
fn block_maxima(scores: &[f32], out: &mut Vec<f32>) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { block_maxima_avx2(scores, out) };
    }
    block_maxima_with(scores, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn block_maxima_avx2(scores: &[f32], out: &mut Vec<f32>) -> f32 {
    block_maxima_with(scores, out)
}

#[inline(always)]
fn block_maxima_with(scores: &[f32], out: &mut Vec<f32>) -> f32 {
    out.clear();
    let mut best = 0.0f32;
    for block in scores.chunks(BLOCK) {
        let mut lanes = [0.0f32; 8];
        let mut chunks = block.chunks_exact(8);
        for c in &mut chunks {
            for (m, &x) in lanes.iter_mut().zip(c) {
                *m = if x > *m { x } else { *m };
            }
        }
        let m = chunks
            .remainder()
            .iter()
            .chain(&lanes)
            .copied()
            .fold(0.0, f32::max);
        out.push(m);
        best = best.max(m);
    }
    best
}

/// The decision on ranked hits: nothing when the best hit covers too little
/// of the query, or when the query is one word and only a small part of the
/// best hit's name; a direct answer when it covers enough, has no word of
/// the query by half only ([`Hit::split_word`]), matches enough of its
/// name for a query of `content_words` syllables of content (and, for a
/// question asking what something is, a `definition`, names the procedure
/// itself) and stands clear of the runner-up; otherwise a question with
/// choices.
pub fn decide(p: &Params, hits: &[Hit], content_words: usize, definition: bool) -> Outcome {
    let Some(top) = hits.first() else {
        return Outcome::None;
    };
    let fit = top.fit(p);
    let one_word = content_words <= 2;
    if fit < p.min_coverage || (one_word && top.name_coverage < p.one_word_offer_coverage) {
        return Outcome::None;
    }
    let runner_up = hits.get(1).map_or(0.0, |h| h.score);
    // A query that says the name whole and adds who asks or why may cover
    // little of itself; it is answered when no other hit fits it better
    // (one whose name adds what the query adds: "đổi giấy phép lái xe quân
    // sự …" is the military licence's).
    let named = top.said_whole && hits[1..].iter().all(|h| h.fit(p) <= fit);
    if (fit >= p.answer_coverage || named)
        && !top.split_word
        && top.name_coverage >= p.answer_name_coverage
        && (!one_word || top.name_coverage >= p.one_word_name_coverage)
        && (!definition || top.name_coverage >= p.definition_name_coverage)
        && runner_up < top.score * p.answer_margin
    {
        Outcome::Answer
    } else {
        Outcome::Clarify
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::model::{Agencies, Level};
    use crate::text::lexicon::Sources;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn proc(code: &str, name: &str, levels: &[Level], field: &str) -> Procedure {
        Procedure {
            code: ProcedureCode::parse(code).unwrap(),
            name: name.into(),
            url: format!("https://dichvucong.gov.vn/p/{code}"),
            decision: String::new(),
            levels: levels.to_vec(),
            kind: String::new(),
            field: field.into(),
            ministry: "bo-tu-phap".into(),
            applicants: vec![],
            agencies: Agencies::default(),
            steps: vec![],
            channels: vec![],
            documents: vec![],
            legal_basis: vec![],
            conditions: String::new(),
            results: vec![],
            related: vec![],
            raw: vec![],
        }
    }

    /// Real names from the national catalogue, a few families of variants.
    fn engine() -> &'static Engine {
        static E: OnceLock<Engine> = OnceLock::new();
        E.get_or_init(|| {
            use Level::*;
            let procs = vec![
                proc("1.001193", "Thủ tục đăng ký khai sinh", &[Commune], "Hộ tịch"),
                proc("2.000528", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài", &[Commune], "Hộ tịch"),
                proc("1.004884", "Thủ tục đăng ký lại khai sinh", &[Commune], "Hộ tịch"),
                proc("1.003583", "Thủ tục đăng ký khai sinh lưu động", &[Commune], "Hộ tịch"),
                proc("1.000894", "Thủ tục đăng ký kết hôn", &[Commune], "Hộ tịch"),
                proc("1.004222", "Đăng ký thường trú", &[Commune], "Đăng ký, quản lý cư trú"),
                proc("1.004194", "Đăng ký tạm trú", &[Commune], "Đăng ký, quản lý cư trú"),
                proc("1.014064", "Cấp lại thẻ căn cước", &[Commune], "Cấp, quản lý căn cước"),
                proc("2.001194", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)", &[Province], "Cấp, quản lý căn cước"),
                proc("1.000757", "Cấp lại thẻ căn cước (thực hiện tại cấp trung ương)", &[Central], "Cấp, quản lý căn cước"),
                proc("3.000346", "Cấp giấy phép lái xe", &[Central], "Sát hạch, cấp giấy phép lái xe"),
                proc("3.000348", "Cấp lại giấy phép lái xe", &[Central, Province], "Sát hạch, cấp giấy phép lái xe"),
                proc("1.001456", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)", &[Province], "Quản lý xuất nhập cảnh"),
                proc("1.001471", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung ương)", &[Central], "Quản lý xuất nhập cảnh"),
                proc("1.003151", "Thủ tục chấp thuận dự kiến nhân sự bổ nhiệm Tổng Giám đốc", &[Central], "Thành lập và hoạt động ngân hàng"),
            ];
            let lex = Lexicon::parse(Sources {
                chat: "ko\tkhông\nj\tgì\ne\tem\n",
                abbreviations: "gplx\tgiấy phép lái xe\n",
                synonyms: "bằng lái\tgiấy phép lái xe\nlàm lại\tcấp lại\nhộ khẩu\tthường trú\nnhập hộ khẩu\tđăng ký thường trú\n",
                aspects: "bao lâu\ttime\nmất bao lâu\ttime\ncần giấy tờ gì\tdocuments\ngiấy tờ gì\tdocuments\nlệ phí\tfee\n",
                filler: "cho em hỏi\nthủ tục\nlàm\n",
                variants: "có yếu tố nước ngoài\nlưu động\nlại\n",
                intents: "",
            })
            .unwrap();
            Engine::from_procedures(&procs, lex)
        })
    }

    #[test]
    fn a_hit_with_one_half_of_a_word_of_the_query_should_not_be_answered() {
        use Level::*;
        let procs = vec![
            proc("3.000346", "Cấp giấy phép lái xe", &[Central], "Đường bộ"),
            proc("1.013225", "Cấp giấy phép xây dựng", &[Commune], "Xây dựng"),
            proc(
                "1.013226",
                "Cấp giấy phép di dời công trình",
                &[Commune],
                "Xây dựng",
            ),
            proc(
                "1.004268",
                "Cấp Giấy chứng nhận Lao động hàng hải",
                &[Central],
                "Hàng hải",
            ),
            proc(
                "1.004756",
                "Cấp Chứng chỉ hành nghề thú y",
                &[Province],
                "Thú y",
            ),
            proc(
                "1.003915",
                "Cấp Chứng chỉ hành nghề đấu giá",
                &[Province],
                "Bổ trợ tư pháp",
            ),
            proc(
                "1.008891",
                "Cấp chứng chỉ hành nghề kiến trúc",
                &[Province],
                "Kiến trúc",
            ),
            proc(
                "1.001328",
                "Cấp Giấy phép mang vàng khi xuất cảnh",
                &[Central],
                "Ngoại hối",
            ),
        ];
        let e = Engine::from_procedures(&procs, Lexicon::default());
        let split = |q: &str| {
            let found = e.search(q);
            let top = found.hits.first().unwrap_or_else(|| panic!("{q}: no hit"));
            (top.code.to_string(), top.split_word, found.outcome)
        };
        // "giấy" of "giấy phép" matched in "giấy chứng nhận"; "y" of "thú y"
        // for "nghề y".
        let (code, split_word, outcome) = split("cấp giấy phép lao động");
        assert_eq!((code.as_str(), split_word), ("1.004268", true));
        assert_ne!(outcome, Outcome::Answer);
        let (code, split_word, outcome) = split("cấp chứng chỉ hành nghề y");
        assert_eq!((code.as_str(), split_word), ("1.004756", true));
        assert_ne!(outcome, Outcome::Answer);
        // Whole words, or a half written as the catalogue writes it.
        for (q, expect) in [
            ("cấp chứng chỉ hành nghề thú y", "1.004756"),
            ("giấy phép lái xe", "3.000346"),
            ("xin phép mang vàng khi xuất cảnh", "1.001328"),
        ] {
            let (code, split_word, _) = split(q);
            assert_eq!((code.as_str(), split_word), (expect, false), "{q}");
        }
    }

    #[test]
    fn one_word_that_is_a_small_part_of_a_name_should_be_asked_about() {
        let p = Params::default();
        // One word, a fifth of a name: a detail, not the name; asked about.
        assert_eq!(decide(&p, &[hit(0.22)], 2, false), Outcome::Clarify);
        // "địa chỉ" alone, a sixth of a long name: a guess, not offered.
        assert_eq!(decide(&p, &[hit(0.15)], 2, false), Outcome::None);
        // The same share for a longer question (context the name never
        // has), or one word that is most of the name: answered.
        assert_eq!(decide(&p, &[hit(0.15)], 6, false), Outcome::Answer);
        assert_eq!(decide(&p, &[hit(0.6)], 2, false), Outcome::Answer);
    }

    #[test]
    fn a_query_saying_the_name_whole_should_be_answered_unless_another_fits_it_better() {
        let p = Params::default();
        // The whole name and as many words about who asks: little of the
        // query covered, yet the procedure named.
        let named = Hit {
            coverage: 0.4,
            said_whole: true,
            ..hit(1.0)
        };
        let runner_up = |coverage: f32| Hit {
            score: 2.0,
            coverage,
            ..hit(0.5)
        };
        assert_eq!(
            decide(&p, &[named.clone(), runner_up(0.4)], 8, false),
            Outcome::Answer
        );
        let not_named = Hit {
            said_whole: false,
            ..named.clone()
        };
        assert_eq!(
            decide(&p, &[not_named, runner_up(0.4)], 8, false),
            Outcome::Clarify
        );
        // Another hit explains more of what was added: asked about.
        assert_eq!(
            decide(&p, &[named, runner_up(0.7)], 8, false),
            Outcome::Clarify
        );
    }

    /// A hit covering the whole query and `name_coverage` of its name.
    fn hit(name_coverage: f32) -> Hit {
        Hit {
            code: ProcedureCode::parse("1.014759").unwrap(),
            name: "Thủ tục thông báo thay đổi địa chỉ".into(),
            score: 5.0,
            also: vec![],
            coverage: 1.0,
            name_coverage,
            split_word: false,
            said_whole: false,
            doc: 0,
        }
    }

    #[test]
    fn a_question_asking_what_something_is_should_be_answered_only_when_it_says_the_name() {
        let p = Params::default();
        // Three quarters of the name ("bảo hiểm y tế" of "Cấp thẻ bảo hiểm
        // y tế"): the thing a procedure concerns, offered; the same share
        // for a question that does not ask for a definition is answered.
        assert_eq!(decide(&p, &[hit(0.74)], 4, true), Outcome::Clarify);
        assert_eq!(decide(&p, &[hit(0.74)], 4, false), Outcome::Answer);
        assert_eq!(decide(&p, &[hit(1.0)], 4, true), Outcome::Answer);
    }

    fn top(q: &str) -> (Outcome, Option<String>) {
        let f = engine().search(q);
        (f.outcome, f.hits.first().map(|h| h.code.to_string()))
    }

    #[test]
    fn an_age_the_query_gives_should_set_aside_procedures_for_other_ages() {
        use Level::*;
        let field = "Cấp, quản lý căn cước";
        let procs = vec![
            proc(
                "1.014061",
                "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên",
                &[Commune],
                field,
            ),
            proc(
                "1.014062",
                "Cấp thẻ căn cước cho người dưới 14 tuổi",
                &[Commune],
                field,
            ),
        ];
        let no_lexicon = Sources {
            chat: "",
            abbreviations: "",
            synonyms: "",
            aspects: "",
            filler: "",
            variants: "",
            intents: "",
        };
        let e = Engine::from_procedures(&procs, Lexicon::parse(no_lexicon).unwrap());
        let top = |e: &Engine, q: &str| e.search(q).hits[0].code.to_string();
        // The names alone favour the shorter one, whatever the age.
        let plain = e.clone().with_params(Params {
            other_age: 1.0,
            ..Params::default()
        });
        assert_eq!(top(&plain, "con toi 16 tuoi lam the can cuoc"), "1.014062");
        assert_eq!(top(&e, "con toi 16 tuoi lam the can cuoc"), "1.014061");
        assert_eq!(top(&e, "con tôi 10 tuổi muốn làm thẻ căn cước"), "1.014062");
        // A group named in the query is matched by its words, not as an age.
        assert_eq!(top(&e, "căn cước cho người 14 tuổi trở lên"), "1.014061");
    }

    #[test]
    fn an_unknown_syllable_with_one_clear_correction_should_be_corrected_before_phrases() {
        let e = engine();
        let text = |q: &str| -> Vec<String> { e.tokens(q).into_iter().map(|t| t.text).collect() };
        // "lasi" is one edit from "lai", which the catalogue writes before
        // "xe": corrected, the lexicon's "bằng lái" then applies.
        assert_eq!(text("bằng lasi xe"), ["bằng", "lai", "xe"]);
        let found = e.search("cấp lại bằng lasi xe");
        assert_eq!(found.hits[0].code.to_string(), "3.000348", "{found:?}");
        // Nothing close that fits a neighbour: left as typed.
        assert_eq!(text("xyzq khai sinh"), ["xyzq", "khai", "sinh"]);
        // Known words are not touched, even next to a typo.
        assert_eq!(text("khai sinnh"), ["khai", "sinh"]);
    }

    #[test]
    fn a_lai_said_after_the_object_should_go_back_after_its_verb() {
        let moved = |q: &str| -> String {
            let words: Vec<String> = again_after_verb(crate::text::tokens(q))
                .into_iter()
                .map(|t| t.text)
                .collect();
            words.join(" ")
        };
        assert_eq!(moved("đăng ký kết hôn lại"), "đăng ký lại kết hôn");
        assert_eq!(moved("làm thẻ căn cước lại"), "làm lại thẻ căn cước");
        assert_eq!(
            moved("dang ky khai sinh lai cho con"),
            "dang ky lai khai sinh cho con"
        );
        // In place already, or another word.
        for q in [
            "xin cấp lại giấy khai sinh",
            "cap bang lai",
            "cap giay phep lai xe",
            "cho thuê lại đất",
            "ở lại",
            "đăng ký xe máy mua của người quen ở quê lại",
        ] {
            assert_eq!(moved(q), q);
        }
    }

    #[test]
    fn a_short_closing_clause_of_purpose_should_be_told_from_what_is_asked() {
        let e = engine();
        let purpose = |q: &str| -> Vec<String> {
            let typed = e.tokens(q);
            let r = e.read(&typed);
            r.units
                .iter()
                .filter(|u| u.purpose)
                .map(|u| u.token.text.clone())
                .collect()
        };
        // The five words after "để" (as read: "đi" may be taken for a
        // typo in this small catalogue).
        let clause = purpose("xin phiếu lý lịch tư pháp để đi xuất khẩu lao động");
        assert_eq!(clause.len(), 5);
        assert_eq!(clause[1..], ["xuất", "khẩu", "lao", "động"]);
        // "để" opening the query or after less than two words of content
        // (a question of how: "làm thế nào để …" with the full lexicon),
        // bare (it may be "đề"), or followed by a long text: no clause of
        // purpose.
        for q in [
            "để được cấp lại giấy phép lái xe",
            "cho em hỏi làm để đăng ký khai sinh",
            "dang ky tam tru de cho con di hoc",
            "đăng ký tạm trú để cho con đi học ở trường gần nhà bà ngoại trong thành phố",
        ] {
            assert!(purpose(q).is_empty(), "{q}");
        }
    }

    #[test]
    fn a_syllable_typed_with_its_vowel_marks_should_count_only_where_that_word_is_written() {
        let mut offer = proc(
            "1.009497",
            "Đăng ký chào bán thêm cổ phiếu",
            &[Level::Central],
            "Chứng khoán",
        );
        offer.results = vec!["Hồ sơ đầy đủ, hợp lệ".into()];
        let mut school = proc(
            "1.001765",
            "Cấp giấy chứng nhận giáo viên",
            &[Level::Province],
            "Giáo dục",
        );
        school.results = vec!["Giấy chứng nhận giáo viên dạy lái xe".into()];
        let e = Engine::from_procedures(&[offer, school], Lexicon::default());
        let top = |q: &str| {
            let found = e.search(q);
            let top = found.hits.first().cloned().unwrap();
            (top.code.as_str().to_owned(), top.coverage)
        };
        // "dạy" (teach) is not the "đầy" (complete) of the results.
        let (code, typed) = top("đăng ký dạy thêm");
        assert_eq!(code, "1.009497");
        assert!(typed < 0.95, "{typed}");
        // Typed bare, the syllable may be either word.
        assert_eq!(top("dang ky day them"), ("1.009497".to_owned(), 1.0));
        // A tone that slipped keeps the shape: still the word ("đây" for "đầy").
        assert_eq!(top("đăng ký chào bán thêm hồ sơ đây đủ").1, 1.0);
        // The shape written in the other document's results counts there.
        let (code, typed) = top("giáo viên dạy");
        assert_eq!(code, "1.001765");
        assert_eq!(typed, 1.0);
    }

    #[test]
    fn field_and_query_terms_should_use_the_index_keys() {
        let e = engine();
        let in_full = e.lexicon.indexed_in_full();
        for entry in e.entries() {
            let fields = super::super::index::field_terms(entry, &in_full);
            assert!(!fields[0].is_empty(), "{}", entry.name);
            for key in fields.iter().flatten() {
                assert!(e.index.term(key).is_some(), "{key:?} of {}", entry.name);
            }
        }
        let terms = e.query_terms("cho em hoi dang ky khai sinh mat bao lau");
        let keys: Vec<&str> = terms.iter().map(|(k, _)| k.as_str()).collect();
        assert!(
            keys.contains(&"khai") && keys.contains(&"khai sinh"),
            "{keys:?}"
        );
        let weight = |k: &str| terms.iter().find(|(t, _)| t == k).map(|(_, w)| *w);
        // Filler is searched with less weight than the content.
        assert!(weight("hoi").unwrap_or(0.0) < weight("sinh").unwrap());
        // A syllable typed with its tone is one toned term in the engine,
        // carrying its vowel shape's bonus; other engines get both terms
        // with their own weights.
        let terms = e.query_terms("đăng ký khai sinh");
        let weight = |k: &str| terms.iter().find(|(t, _)| t == k).map(|(_, w)| *w);
        assert_eq!(weight("~ki2"), Some(TONED_BONUS), "{terms:?}");
        assert_eq!(weight("^ki"), Some(SHAPE_BONUS), "{terms:?}");
        assert_eq!(weight("~đăng"), Some(TONED_BONUS), "{terms:?}");
        assert_eq!(weight("^dăng"), Some(SHAPE_BONUS), "{terms:?}");
        assert_eq!(weight("~sinh"), None, "no diacritics, no bonus");
    }

    #[test]
    fn when_query_names_the_plain_procedure_should_rank_it_before_variants() {
        assert_eq!(
            top("đăng ký khai sinh"),
            (Outcome::Answer, Some("1.001193".into()))
        );
        assert_eq!(top("dang ky khai sinh").1.as_deref(), Some("1.001193"));
    }

    #[test]
    fn when_query_asks_for_a_variant_should_rank_the_variant_first() {
        assert_eq!(
            top("đăng ký khai sinh có yếu tố nước ngoài").1.as_deref(),
            Some("2.000528")
        );
        assert_eq!(top("đăng ký lại khai sinh").1.as_deref(), Some("1.004884"));
        assert_eq!(top("khai sinh lưu động").1.as_deref(), Some("1.003583"));
    }

    #[test]
    fn markers_of_one_name_that_imply_one_another_should_count_once() {
        use Level::*;
        let procs = vec![
            proc(
                "2.000639",
                "Cấp thẻ bảo hiểm y tế",
                &[Province],
                "Bảo hiểm y tế",
            ),
            proc(
                "2.001023",
                "Liên thông các thủ tục hành chính về đăng ký khai sinh, cấp Thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
                &[Commune],
                "Hộ tịch",
            ),
        ];
        let lexicon = |variants| {
            Lexicon::parse(Sources {
                variants,
                ..Sources::EMBEDDED
            })
            .unwrap()
        };
        let linked = Engine::from_procedures(
            &procs,
            lexicon("liên thông\tcombined\ndưới 6 tuổi\tunder six\tliên thông\n"),
        );
        let alone = Engine::from_procedures(&procs, lexicon("liên thông\tcombined\n"));
        let score = |e: &Engine, q: &str| {
            let f = e.search(q);
            f.hits
                .iter()
                .find(|h| h.code.as_str() == "2.001023")
                .unwrap()
                .score
        };
        // Not asked: the combined procedure fits less once, not twice.
        let q = "cấp thẻ bảo hiểm y tế cho trẻ em đăng ký khai sinh";
        assert_eq!(score(&linked, q), score(&alone, q));
        // Either marker asked: it fits as asked.
        for q in [
            "thẻ bảo hiểm y tế liên thông",
            "thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi",
        ] {
            assert_eq!(linked.search(q).hits[0].code.as_str(), "2.001023", "{q}");
        }
    }

    #[test]
    fn names_should_tell_which_tone_they_write_next_to_a_word() {
        let ix = engine().index();
        let t = |s: &str| Token::new(s);
        // "cấp lại" and "lái xe" stand in several names.
        assert!(ix.names_write(&t("cấp"), Side::Left, &t("lại")));
        assert!(ix.names_write(&t("xe"), Side::Right, &t("lái")));
        assert!(ix.names_write(&t("cap"), Side::Left, &t("lại")));
        // Not with the other tone, nor on the other side.
        assert!(!ix.names_write(&t("xe"), Side::Right, &t("lại")));
        assert!(!ix.names_write(&t("cấp"), Side::Right, &t("lại")));
        // One name's wording is not the catalogue's ("chấp thuận").
        assert!(!ix.names_write(&t("chấp"), Side::Left, &t("thuận")));
        // A loaded snapshot keeps it.
        let loaded = Engine::from_snapshot(&engine().to_snapshot().unwrap()).unwrap();
        assert!(loaded.index().names_write(&t("xe"), Side::Right, &t("lái")));
    }

    #[test]
    fn when_procedure_exists_at_several_levels_should_show_it_once_preferring_the_commune() {
        let f = engine().search("cấp lại thẻ căn cước");
        assert_eq!(f.hits[0].code.as_str(), "1.014064");
        let mut also: Vec<_> = f.hits[0].also.iter().map(|c| c.to_string()).collect();
        also.sort();
        assert_eq!(also, ["1.000757", "2.001194"]);
        assert!(f.hits.iter().skip(1).all(|h| !h.name.contains("căn cước")));
    }

    #[test]
    fn when_syllables_have_typos_should_still_find_the_procedure() {
        assert_eq!(top("dang ky thuong chu").1.as_deref(), Some("1.004222"));
        assert_eq!(top("dăng ký tạm chú").1.as_deref(), Some("1.004194"));
        assert_eq!(top("cấp lại thẻ căn cưới").1.as_deref(), Some("1.014064"));
        assert_eq!(top("giay phep lai se").1.as_deref(), Some("3.000346"));
        assert_eq!(top("lam ho chiu").1.as_deref(), Some("1.001456"));
    }

    #[test]
    fn when_citizen_uses_colloquial_words_should_rewrite_them() {
        assert_eq!(top("nhập hộ khẩu cho con").1.as_deref(), Some("1.004222"));
        assert_eq!(top("làm lại bằng lái").1.as_deref(), Some("3.000348"));
        assert_eq!(top("GPLX").1.as_deref(), Some("3.000346"));
    }

    #[test]
    fn words_a_rewrite_brings_in_place_of_the_citizens_should_share_their_weight() {
        let terms = engine().query_terms("làm lại bằng lái");
        let weight = |key: &str| {
            terms
                .iter()
                .find(|(k, _)| k == key)
                .map(|&(_, w)| w)
                .unwrap_or_else(|| panic!("no {key} in {terms:?}"))
        };
        // "bằng lái" → giấy phép lái xe: "lái" was typed, the three words
        // brought in stand for "bằng" alone, each at the least weight.
        assert_eq!(weight("lai"), 1.0);
        for key in ["giay", "phep", "xe"] {
            assert_eq!(weight(key), Params::default().added_word, "{key}");
        }
        // "làm lại" → cấp lại: one word for one word.
        assert_eq!(weight("cap"), 1.0);
        // A rewrite that keeps every typed word only adds precision.
        let e = Engine::from_procedures(
            &[proc(
                "1.014063",
                "Cấp đổi thẻ căn cước",
                &[Level::Commune],
                "Căn cước",
            )],
            Lexicon::parse(Sources {
                chat: "",
                abbreviations: "",
                synonyms: "đổi thẻ\tcấp đổi thẻ\n",
                aspects: "",
                filler: "",
                variants: "",
                intents: "",
            })
            .unwrap(),
        );
        let terms = e.query_terms("đổi thẻ");
        assert!(
            terms.iter().any(|(k, w)| k == "cap" && *w == 1.0),
            "{terms:?}"
        );
    }

    #[test]
    fn when_query_asks_for_an_aspect_should_detect_it() {
        let f = engine().search("cho e hỏi đăng ký kết hôn cần giấy tờ j");
        assert_eq!(f.aspect, Some(Aspect::Documents));
        assert_eq!(f.hits[0].code.as_str(), "1.000894");
        assert_eq!(
            engine().search("đăng ký tạm trú mất bao lâu").aspect,
            Some(Aspect::Time)
        );
    }

    #[test]
    fn when_query_is_outside_the_catalogue_should_not_answer() {
        for q in [
            "giá vàng hôm nay",
            "thời tiết đà nẵng ngày mai",
            "",
            "   ",
            "!!!",
        ] {
            assert_ne!(engine().search(q).outcome, Outcome::Answer, "{q:?}");
        }
    }

    #[test]
    fn when_query_is_huge_should_read_a_bounded_prefix() {
        let q = "đăng ký khai sinh ".repeat(10_000);
        let f = engine().search(&q);
        assert_eq!(f.hits[0].code.as_str(), "1.001193");
    }

    proptest! {
        #[test]
        fn documents_at_the_floor_should_be_those_a_plain_filter_keeps(
            scores in prop::collection::vec(prop_oneof![Just(0.0f32), 0.0f32..10.0], 0..=BLOCK),
            start in 0usize..10_000,
            floor in 0.0f32..10.0,
            at in prop::option::of(any::<prop::sample::Index>()),
        ) {
            // Now and then exactly one of the scores.
            let floor = match at {
                Some(i) if !scores.is_empty() => scores[i.index(scores.len())],
                _ => floor,
            };
            let mut found = vec![7];
            at_floor(&scores, start, floor, &mut found);
            let mut portable = vec![7];
            at_floor_with(&scores, start, floor, &mut portable);
            let mut plain = vec![7];
            plain.extend(
                scores
                    .iter()
                    .enumerate()
                    .filter(|&(_, &s)| s >= floor)
                    .map(|(k, &s)| rank_key((start + k) as DocId, s)),
            );
            prop_assert_eq!(&found, &plain);
            prop_assert_eq!(&portable, &plain);
            for (&key, (k, &s)) in found[1..].iter().zip(scores.iter().enumerate().filter(|&(_, &s)| s >= floor)) {
                prop_assert_eq!(from_rank_key(key), ((start + k) as DocId, s));
            }
        }

        #[test]
        fn rank_keys_should_order_as_scores_then_documents(
            a in (0u32..100, 0.0f32..1e6), b in (0u32..100, 0.0f32..1e6), tie in any::<bool>(),
        ) {
            let b = if tie { (b.0, a.1) } else { b };
            let by_score = b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            prop_assert_eq!(rank_key(a.0, a.1).cmp(&rank_key(b.0, b.1)), by_score);
        }

        #[test]
        fn block_maxima_should_agree_with_a_plain_scan(
            scores in prop::collection::vec(0.0f32..100.0, 0..300),
        ) {
            let plain = |s: &[f32]| s.iter().copied().fold(0.0, f32::max);
            let mut blocks = Vec::new();
            prop_assert_eq!(block_maxima(&scores, &mut blocks), plain(&scores));
            prop_assert_eq!(blocks.len(), scores.len().div_ceil(BLOCK));
            for (b, chunk) in scores.chunks(BLOCK).enumerate() {
                prop_assert_eq!(blocks[b], plain(chunk));
            }
        }

        #[test]
        fn add_rows_should_give_the_portable_loops_sums_to_the_bit(
            rows in prop::collection::vec(
                (prop::collection::vec(any::<u8>(), 0..200), 0.0f32..10.0), 0..9),
            start in prop::collection::vec(0.0f32..100.0, 0..200),
        ) {
            let rows: Vec<(&[u8], f32)> = rows.iter().map(|(r, w)| (&r[..], *w)).collect();
            let (mut fast, mut portable) = (start.clone(), start);
            add_rows(&rows, &mut fast);
            add_rows_with(&rows, &mut portable);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&fast), bits(&portable));
        }

        #[test]
        fn nfc_and_nfd_queries_give_identical_results(
            q in prop::sample::select(vec![
                "Đăng ký khai sinh", "cấp lại thẻ căn cưới", "đăng ký thường trú cho con",
                "lệ phí cấp hộ chiếu bao nhiêu", "dăng ký tạm chú", "Giấy phép lái xe bị mất",
            ]),
            suffix in "[ a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệ]{0,8}",
        ) {
            use unicode_normalization::UnicodeNormalization;
            let text = format!("{q}{suffix}");
            let nfc: String = text.nfc().collect();
            let nfd: String = text.nfd().collect();
            prop_assert_eq!(engine().search(&nfc), engine().search(&nfd));
        }
    }
}
