//! The lexicon the team curates under `data/lexicon/`: how citizens' words
//! map to the catalogue's words.
//!
//! - `chat.tsv`: chat spelling, one typed token → standard words (`ko` → không);
//! - `abbreviations.tsv`, `synonyms.tsv`: a phrase citizens use → the phrase
//!   the catalogue uses (`gplx` → giấy phép lái xe, `sổ đỏ` → giấy chứng
//!   nhận quyền sử dụng đất); a phrase may have several targets; an
//!   abbreviation of one meaning is spelt out before phrases are looked
//!   for, so that they apply to what it stands for;
//! - `aspects.tsv`: cue phrases for the part of a procedure asked about;
//! - `filler.txt`: phrases that say nothing about which procedure is meant;
//! - `variants.tsv`: markers that make a procedure a special variant of a
//!   more general one ("có yếu tố nước ngoài", "lưu động").
//!
//! Phrases match on tokens: a query token without diacritics matches any
//! spelling with the same letters, one with diacritics only the same
//! diacritics (see [`Token::compatible`]).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{Token, tokens};
use crate::Error;
use crate::catalogue::Aspect;
use crate::lookup::NoticeKind;

/// The text of every lexicon file, as shipped in `data/lexicon/`.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub chat: &'a str,
    pub abbreviations: &'a str,
    pub synonyms: &'a str,
    pub aspects: &'a str,
    pub filler: &'a str,
    pub variants: &'a str,
    pub intents: &'a str,
}

impl Sources<'_> {
    /// A digest of the source texts (FxHash: stable, not cryptographic).
    pub fn digest(&self) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        for text in [
            self.chat,
            self.abbreviations,
            self.synonyms,
            self.aspects,
            self.filler,
            self.variants,
            self.intents,
        ] {
            h.write(text.as_bytes());
            h.write_u8(0xff);
        }
        h.finish()
    }
}

impl Sources<'static> {
    /// The project's lexicon, compiled into the binary so that every
    /// function and the CLI use the same one without reading files.
    pub const EMBEDDED: Sources<'static> = Sources {
        chat: include_str!("../../../data/lexicon/chat.tsv"),
        abbreviations: include_str!("../../../data/lexicon/abbreviations.tsv"),
        synonyms: include_str!("../../../data/lexicon/synonyms.tsv"),
        aspects: include_str!("../../../data/lexicon/aspects.tsv"),
        filler: include_str!("../../../data/lexicon/filler.txt"),
        variants: include_str!("../../../data/lexicon/variants.tsv"),
        intents: include_str!("../../../data/lexicon/intents.tsv"),
    };
}

/// Phrases indexed by the folded spelling of their first token, and as
/// paths of folded syllables from a root (a trie): a query position is
/// followed along the path its syllables spell, so that only phrases
/// folding exactly like the words there are compared, longest first, and
/// the longest phrase starting at a position wins.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhraseTable<V> {
    entries: Vec<(Vec<Token>, V)>,
    /// First folded syllable → entries, longest first.
    by_first: FxHashMap<String, Vec<u32>>,
    /// The paths; node 0 is the root.
    nodes: Vec<Node>,
    /// Whether a syllable typed with diacritics must carry the entry's
    /// tone too. Short function words differ by tone alone ("đâu"/"đầu",
    /// "bạn"/"bản"), so filler and cue tables are strict; citizens' names
    /// for procedures are matched forgiving tone slips ("sổ đõ").
    strict: bool,
}

/// One step of a path of folded syllables.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Node {
    /// Next folded syllable → its node.
    next: FxHashMap<String, u32>,
    /// The node one syllable back (the root's is itself).
    back: u32,
    /// The entries whose phrase ends here, in file order.
    ends: Vec<u32>,
}

impl<V> Default for PhraseTable<V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            by_first: FxHashMap::default(),
            nodes: vec![Node::default()],
            strict: false,
        }
    }
}

impl<V> PhraseTable<V> {
    fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }

    /// How query word `q` spells phrase word `p`: `None` when it does not,
    /// `Some(true)` when only with a slipped tone, which a strict table
    /// counts (see [`Self::fits`]), `Some(false)` otherwise.
    fn slip(&self, q: &Token, p: &Token) -> Option<bool> {
        if q.folded != p.folded {
            return None;
        }
        if !q.accented() || (self.strict && q.same_word(p)) {
            return Some(false);
        }
        super::same_shape(&q.toned, &p.toned).then_some(self.strict)
    }

    /// Whether the query's words `window` spell `phrase`. In a strict
    /// table one word of a phrase of several may carry a slipped tone
    /// ("giây tờ gì", "ơ đâu"): a lone function word is told from another
    /// by its tone alone ("đâu"/"đầu"), a phrase is told by its words.
    fn fits(&self, window: &[Token], phrase: &[Token]) -> bool {
        let mut slips = 0;
        for (q, p) in window.iter().zip(phrase) {
            match self.slip(q, p) {
                None => return false,
                Some(slip) => slips += usize::from(slip),
            }
        }
        tolerated(slips, phrase.len())
    }

    fn insert(&mut self, phrase: Vec<Token>, value: V) {
        let Some(first) = phrase.first() else {
            return;
        };
        let id = self.entries.len() as u32;
        let first = first.folded.clone();
        let mut node = 0u32;
        for t in &phrase {
            let at = self.nodes.len() as u32;
            let step = *self.nodes[node as usize]
                .next
                .entry(t.folded.clone())
                .or_insert(at);
            if step == at {
                self.nodes.push(Node {
                    back: node,
                    ..Node::default()
                });
            }
            node = step;
        }
        self.nodes[node as usize].ends.push(id);
        self.entries.push((phrase, value));
        // A stable sort, so entries of equal length keep file order.
        let entries = &self.entries;
        let list = self.by_first.entry(first).or_default();
        list.push(id);
        list.sort_by_key(|&i| std::cmp::Reverse(entries[i as usize].0.len()));
    }

    /// The entries folding like `query[at..at + n]`, for every such n
    /// with entries, longest first.
    fn paths<'a>(
        &'a self,
        query: &[Token],
        at: usize,
    ) -> impl Iterator<Item = (usize, &'a [u32])> + use<'a, V> {
        let mut node = 0u32;
        let mut n = 0;
        while let Some(&step) = query
            .get(at + n)
            .and_then(|t| self.nodes[node as usize].next.get(&t.folded))
        {
            node = step;
            n += 1;
        }
        std::iter::from_fn(move || {
            while n > 0 {
                let here = &self.nodes[node as usize];
                let len = n;
                node = here.back;
                n -= 1;
                if !here.ends.is_empty() {
                    return Some((len, here.ends.as_slice()));
                }
            }
            None
        })
    }

    /// The entries of `ends` that match `window`.
    fn matching<'a, 'w>(
        &'a self,
        window: &'w [Token],
        ends: &'a [u32],
    ) -> impl Iterator<Item = &'a (Vec<Token>, V)> + use<'a, 'w, V> {
        ends.iter()
            .map(|&i| &self.entries[i as usize])
            .filter(move |(phrase, _)| self.fits(window, phrase))
    }

    /// The longest phrase that starts at `query[at]`, with its length.
    /// Among phrases of equal length, a spelling whose diacritics agree
    /// with the query's wins over one that merely folds alike.
    pub fn longest_at(&self, query: &[Token], at: usize) -> Option<(usize, &V)> {
        for (n, ends) in self.paths(query, at) {
            let window = &query[at..at + n];
            let mut best: Option<(usize, &V)> = None;
            for (phrase, value) in self.matching(window, ends) {
                let exact = window
                    .iter()
                    .zip(phrase)
                    .filter(|(q, p)| q.toned == p.toned)
                    .count();
                if best.is_none_or(|(e, _)| exact > e) {
                    best = Some((exact, value));
                }
            }
            if let Some((_, value)) = best {
                return Some((n, value));
            }
        }
        None
    }

    /// Like [`Self::longest_at`], but query words for which `skip` holds
    /// may come between the words of a phrase. Returns how many query
    /// words the match spans.
    pub fn longest_at_skipping(
        &self,
        query: &[Token],
        at: usize,
        skip: impl Fn(&Token) -> bool,
    ) -> Option<(usize, &V)> {
        let first = query.get(at)?;
        let list = self.by_first.get(&first.folded)?;
        let mut best: Option<(usize, usize, &V)> = None;
        for (phrase, value) in list.iter().map(|&i| &self.entries[i as usize]) {
            let mut q = at;
            let mut matched = 0;
            let mut slips = 0;
            while matched < phrase.len() && q < query.len() {
                let slip = self.slip(&query[q], &phrase[matched]);
                if let Some(slip) = slip
                    && tolerated(slips + usize::from(slip), phrase.len())
                {
                    slips += usize::from(slip);
                    matched += 1;
                    q += 1;
                } else if matched > 0 && skip(&query[q]) {
                    q += 1;
                } else {
                    break;
                }
            }
            if matched == phrase.len() && best.is_none_or(|(len, _, _)| phrase.len() > len) {
                best = Some((phrase.len(), q - at, value));
            }
        }
        best.map(|(_, span, v)| (span, v))
    }

    /// Every value whose phrase starts at `query[at]` with the longest
    /// matching length (several targets of one ambiguous abbreviation).
    pub fn all_longest_at(&self, query: &[Token], at: usize) -> Option<(usize, Vec<&V>)> {
        self.all_longest_at_with(query, at, |_, _| true)
    }

    /// Like [`Self::all_longest_at`], but a query word typed with another
    /// tone than the phrase's matches only when `tone_slip(the query words
    /// matched, its position among them)` allows it: the caller may know
    /// that the word as typed is a word of its own there ("thuê đất" is
    /// not "thuế đất").
    pub fn all_longest_at_with(
        &self,
        query: &[Token],
        at: usize,
        tone_slip: impl Fn(&[Token], usize) -> bool,
    ) -> Option<(usize, Vec<&V>)> {
        for (n, ends) in self.paths(query, at) {
            let window = &query[at..at + n];
            let values: Vec<&V> =
                self.matching(window, ends)
                    .filter(|(phrase, _)| {
                        window.iter().zip(phrase).enumerate().all(|(k, (q, p))| {
                            !q.accented() || q.same_word(p) || tone_slip(window, k)
                        })
                    })
                    .map(|(_, v)| v)
                    .collect();
            if !values.is_empty() {
                return Some((n, values));
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The abbreviations a name is indexed under in full, with their full
/// words ([`Lexicon::indexed_in_full`]).
#[derive(Debug)]
pub struct FullForms<'a>(Vec<(&'a Token, &'a [Token])>);

impl<'a> FullForms<'a> {
    /// The full words of a name's word, when it is one of the
    /// abbreviations (the first that fits it).
    pub fn of(&self, t: &Token) -> Option<&'a [Token]> {
        self.0
            .iter()
            .find(|(a, _)| t.compatible(a))
            .map(|&(_, words)| words)
    }

    pub fn list(&self) -> &[(&'a Token, &'a [Token])] {
        &self.0
    }
}

/// What a message is about, besides procedures (see `intents.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intent {
    Greeting,
    Menu,
    Thanks,
    Handover,
    BackToBot,
    /// The status of a submitted dossier, asked without its code.
    Dossier,
    Bus,
    /// City notices, no kind named: the bot offers the kinds.
    NoticesMenu,
    Notices(NoticeKind),
}

impl Intent {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "greeting" => Self::Greeting,
            "menu" => Self::Menu,
            "thanks" => Self::Thanks,
            "handover" => Self::Handover,
            "back_to_bot" => Self::BackToBot,
            "bus" => Self::Bus,
            "dossier" => Self::Dossier,
            "notices_menu" => Self::NoticesMenu,
            _ => Self::Notices(NoticeKind::parse(s.strip_prefix("notices:")?)?),
        })
    }

    /// Whether the phrase must be the whole message (filler aside) rather
    /// than anywhere in it.
    pub fn whole_message(self) -> bool {
        matches!(
            self,
            Self::Greeting | Self::Menu | Self::Thanks | Self::NoticesMenu
        )
    }
}

/// The parsed lexicon (serialisable, so that a search engine's snapshot
/// carries the lexicon it was built with).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lexicon {
    /// Exact typed token → replacement tokens.
    /// (A fixed hasher: the same lexicon always serialises to the same
    /// bytes, and indexes its words under the same term ids.)
    pub chat: FxHashMap<String, Vec<Token>>,
    /// Abbreviations of one meaning, spelt out before any phrase is
    /// looked for (after chat spelling), so that phrases apply to what
    /// they stand for ("chứng thực HĐ" reads as "chứng thực hợp đồng"):
    /// folded spelling → (the abbreviation, its words).
    pub spelled_out: FxHashMap<String, Vec<(Token, Vec<Token>)>>,
    /// Citizen phrase → catalogue phrases (synonyms, and abbreviations of
    /// several meanings).
    pub rewrites: PhraseTable<Vec<Token>>,
    pub aspects: PhraseTable<Aspect>,
    pub filler: PhraseTable<()>,
    /// Variant markers, as phrases.
    pub variants: Vec<Vec<Token>>,
    /// Markers a query asks for whenever it asks for another (the third
    /// column of `variants.tsv`): (asked, also asked), by index.
    variant_implies: Vec<(u16, u16)>,
    /// First folded syllable of a variant marker → its indices.
    variant_index: FxHashMap<String, Vec<u16>>,
    /// Phrases that say what a message is about besides procedures.
    pub intents: Vec<(Vec<Token>, Intent)>,
    /// Phrases by which a citizen asks what something is ("bảo hiểm y tế
    /// là gì"), not how to do a procedure: `definition` in `intents.tsv`.
    /// Kept apart from `intents`: the search reads them, not the dialogue.
    pub definitions: Vec<Vec<Token>>,
    /// One-word filler ("thì", "là", "ạ"): cues are also looked for with
    /// these left out, so that "ai thì được" reads as "ai được". Sorted
    /// by folded spelling.
    glue: Vec<Token>,
    /// Folded spelling → its range in `glue`, made on first use (cues are
    /// looked for at every syllable of every query).
    #[serde(skip)]
    glue_index: OnceLock<FxHashMap<String, (u32, u32)>>,
    /// [`Sources::digest`] of what this lexicon was parsed from: tells
    /// whether a search engine saved elsewhere used the same lexicon.
    pub source_digest: u64,
}

/// Non-comment, non-blank lines with their 1-based numbers, split on tabs.
fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            return None;
        }
        Some((i + 1, line.split('\t').map(str::trim).collect()))
    })
}

fn err(file: &'static str, line: usize, message: impl Into<String>) -> Error {
    Error::Lexicon {
        file,
        line,
        message: message.into(),
    }
}

/// Tokens of one side of an entry; an entry side without any token is an
/// error, not a silent no-op.
fn phrase(file: &'static str, line: usize, s: &str) -> Result<Vec<Token>, Error> {
    let t = tokens(s);
    if t.is_empty() {
        Err(err(file, line, format!("{s:?} has no words")))
    } else {
        Ok(t)
    }
}

/// A rewrite: a citizen phrase and what it stands for.
type Rewrite = (Vec<Token>, Vec<Token>);

/// The rewrites of `abbreviations.tsv` or `synonyms.tsv`, in file order.
fn rewrite_lines(file: &'static str, text: &str) -> Result<Vec<Rewrite>, Error> {
    rows(text)
        .map(|(line, cols)| {
            let (from, to) = pair(file, line, &cols)?;
            Ok((phrase(file, line, from)?, phrase(file, line, to)?))
        })
        .collect()
}

fn pair<'a>(
    file: &'static str,
    line: usize,
    cols: &[&'a str],
) -> Result<(&'a str, &'a str), Error> {
    match cols {
        [a, b, ..] if !a.is_empty() && !b.is_empty() => Ok((a, b)),
        _ => Err(err(file, line, "expected two tab-separated columns")),
    }
}

impl Lexicon {
    /// The project's lexicon. The files are part of the build, so a parse
    /// failure here is a defect caught by the test suite.
    pub fn embedded() -> Result<Self, Error> {
        Self::parse(Sources::EMBEDDED)
    }

    pub fn parse(src: Sources<'_>) -> Result<Self, Error> {
        let mut lex = Lexicon {
            aspects: PhraseTable::strict(),
            filler: PhraseTable::strict(),
            source_digest: src.digest(),
            ..Lexicon::default()
        };
        for (line, cols) in rows(src.chat) {
            let (from, to) = pair("chat.tsv", line, &cols)?;
            let from = phrase("chat.tsv", line, from)?;
            let [from] = from.as_slice() else {
                return Err(err("chat.tsv", line, "the typed side must be one token"));
            };
            lex.chat
                .insert(from.text.clone(), phrase("chat.tsv", line, to)?);
        }
        let abbreviations = rewrite_lines("abbreviations.tsv", src.abbreviations)?;
        let synonyms = rewrite_lines("synonyms.tsv", src.synonyms)?;
        // An abbreviation of one line is spelt out first; one of several
        // lines stays a rewrite, its meanings searched side by side.
        let lines_of = |from: &[Token]| {
            abbreviations
                .iter()
                .filter(|(f, _)| same_phrase(f, from))
                .count()
        };
        let (spelled, kept): (Vec<_>, Vec<_>) = abbreviations
            .iter()
            .partition(|(from, _)| from.len() == 1 && lines_of(from) == 1);
        for (from, to) in spelled {
            lex.spelled_out
                .entry(from[0].folded.clone())
                .or_default()
                .push((from[0].clone(), to.clone()));
        }
        // Phrases are matched on spelt-out text, so they are written so
        // too ("làm cccd" is "làm thẻ căn cước"); one that becomes another
        // line's twin is kept once.
        let mut seen: std::collections::HashSet<(Vec<String>, Vec<String>)> =
            std::collections::HashSet::new();
        let key = |p: &[Token]| p.iter().map(|t| t.toned.clone()).collect::<Vec<_>>();
        for (from, to) in kept.into_iter().chain(&synonyms) {
            let from = lex.spell_out(from.clone());
            if seen.insert((key(&from), key(to))) {
                lex.rewrites.insert(from, to.clone());
            }
        }
        for (line, cols) in rows(src.aspects) {
            let (cue, aspect) = pair("aspects.tsv", line, &cols)?;
            let aspect = aspect
                .parse()
                .map_err(|e: String| err("aspects.tsv", line, e))?;
            lex.aspects
                .insert(phrase("aspects.tsv", line, cue)?, aspect);
        }
        for (line, cols) in rows(src.filler) {
            lex.filler.insert(phrase("filler.txt", line, cols[0])?, ());
        }
        let mut implied: Vec<(usize, u16, &str)> = Vec::new();
        for (line, cols) in rows(src.variants) {
            if let Some(other) = cols.get(2) {
                implied.push((line, lex.variants.len() as u16, other));
            }
            let m = phrase("variants.tsv", line, cols[0])?;
            let at = lex.variants.len() as u16;
            lex.variant_index
                .entry(m[0].folded.clone())
                .or_default()
                .push(at);
            lex.variants.push(m);
        }
        for (line, asked, other) in implied {
            let other = phrase("variants.tsv", line, other)?;
            let also = lex
                .variants
                .iter()
                .position(|v| same_phrase(v, &other))
                .filter(|&also| also != asked as usize)
                .ok_or_else(|| {
                    err(
                        "variants.tsv",
                        line,
                        "the third column must be another line's marker",
                    )
                })?;
            lex.variant_implies.push((asked, also as u16));
        }
        for (line, cols) in rows(src.intents) {
            let (p, intent) = pair("intents.tsv", line, &cols)?;
            if intent == "definition" {
                lex.definitions.push(phrase("intents.tsv", line, p)?);
                continue;
            }
            let intent = Intent::parse(intent)
                .ok_or_else(|| err("intents.tsv", line, format!("unknown intent {intent:?}")))?;
            lex.intents.push((phrase("intents.tsv", line, p)?, intent));
        }
        lex.glue = lex
            .filler
            .entries
            .iter()
            .filter_map(|(p, _)| match p.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            })
            .collect();
        // Sorted by folded spelling, for `is_glue`.
        lex.glue.sort_by(|a, b| a.folded.cmp(&b.folded));
        Ok(lex)
    }

    /// The aspects asked for, in the order the query asks them. Glue
    /// words may stand between the words of a cue ("ai thì được" reads as
    /// "ai được").
    pub fn aspects_in(&self, query: &[Token]) -> Vec<Aspect> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < query.len() {
            match self
                .aspects
                .longest_at_skipping(query, i, |t| self.is_glue(t))
            {
                Some((n, a)) => {
                    if !out.contains(a) {
                        out.push(*a);
                    }
                    i += n;
                }
                None => i += 1,
            }
        }
        out
    }

    /// The intents whose phrase occurs in `text`, with where the phrase
    /// starts and how long it is. One-syllable phrases must be spelt
    /// exactly (tone included); longer ones match like filler does.
    pub fn intents_in(&self, text: &[Token]) -> Vec<(usize, usize, Intent)> {
        let mut out = Vec::new();
        for at in 0..text.len() {
            for (phrase, intent) in &self.intents {
                if phrase_at(text, at, phrase) {
                    out.push((at, phrase.len(), *intent));
                }
            }
        }
        out
    }

    /// Whether `text` asks what something is (a phrase of
    /// [`Lexicon::definitions`] occurs in it, matched as intents are).
    pub fn asks_definition(&self, text: &[Token]) -> bool {
        (0..text.len()).any(|at| self.definitions.iter().any(|p| phrase_at(text, at, p)))
    }

    /// Whether `t` is filler (one-word filler, strictly).
    pub fn is_glue(&self, t: &Token) -> bool {
        let index = self.glue_index.get_or_init(|| {
            let mut index: FxHashMap<String, (u32, u32)> = FxHashMap::default();
            for (i, g) in self.glue.iter().enumerate() {
                let range = index
                    .entry(g.folded.clone())
                    .or_insert((i as u32, i as u32));
                range.1 = i as u32 + 1;
            }
            index
        });
        let Some(&(from, to)) = index.get(t.folded.as_str()) else {
            return false;
        };
        self.glue[from as usize..to as usize]
            .iter()
            .any(|g| !t.accented() || g.same_word(t))
    }

    /// The variant markers that occur in `text`. A lone syllable must be
    /// spelt exactly, tone included ("lai" typed bare is lại, lái or lai);
    /// longer markers match as phrases do. A marker asked for brings the
    /// markers it implies (a foreigner named asks for the variants "có yếu
    /// tố nước ngoài" too).
    pub fn markers_in<T: std::borrow::Borrow<Token>>(&self, texts: &[&[T]], out: &mut Vec<u16>) {
        for &text in texts {
            for at in 0..text.len() {
                let Some(list) = self.variant_index.get(&text[at].borrow().folded) else {
                    continue;
                };
                for &m in list {
                    let phrase = &self.variants[m as usize];
                    let found = match phrase.as_slice() {
                        [one] => text[at].borrow().same_word(one),
                        _ => text.get(at..at + phrase.len()).is_some_and(|w| {
                            w.iter().zip(phrase).all(|(a, b)| a.borrow().compatible(b))
                        }),
                    };
                    if found && !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        for &(asked, also) in &self.variant_implies {
            if out.contains(&asked) && !out.contains(&also) {
                out.push(also);
            }
        }
    }

    /// Whether one of two markers implies the other (`variants.tsv`'s third
    /// column): in one name they mark one variant.
    pub fn markers_linked(&self, a: u16, b: u16) -> bool {
        self.variant_implies
            .iter()
            .any(|&(x, y)| (x, y) == (a, b) || (x, y) == (b, a))
    }

    /// Whether a phrase of the lexicon (a rewrite, a cue or filler) starts
    /// with this syllable.
    pub fn starts_phrase(&self, t: &Token) -> bool {
        [
            &self.rewrites.by_first,
            &self.aspects.by_first,
            &self.filler.by_first,
        ]
        .iter()
        .any(|m| m.contains_key(&t.folded))
    }

    /// The abbreviations a name that writes them is indexed under in full
    /// too, with their full words: those of one meaning, which a query
    /// never keeps ("UBND" is spelt out before anything is searched), and
    /// those the catalogue writes both ways ("sổ BHXH" and "sổ bảo hiểm xã
    /// hội", whose lines in `abbreviations.tsv` keep the abbreviation
    /// itself as a reading), so that the words typed in full find it.
    /// Listed once per index built (reading the rewrites is not free).
    pub fn indexed_in_full(&self) -> FullForms<'_> {
        let mut out = self.written_both_ways();
        out.extend(
            self.spelled_out
                .values()
                .flatten()
                .map(|(a, to)| (a, to.as_slice())),
        );
        // A fixed order: the index files the first that fits a name's word.
        out.sort_by(|x, y| x.0.text.cmp(&y.0.text));
        FullForms(out)
    }

    /// The abbreviations the catalogue writes both ways (see
    /// [`Self::indexed_in_full`]).
    fn written_both_ways(&self) -> Vec<(&Token, &[Token])> {
        let rewrites = &self.rewrites.entries;
        let kept = |from: &[Token]| {
            rewrites
                .iter()
                .any(|(f, to)| same_phrase(f, from) && same_phrase(to, from))
        };
        rewrites
            .iter()
            .filter_map(|(from, to)| match from.as_slice() {
                [abbreviation]
                    if abbreviation.text.is_ascii() && !same_phrase(to, from) && kept(from) =>
                {
                    Some((abbreviation, to.as_slice()))
                }
                _ => None,
            })
            .collect()
    }

    /// Spells out abbreviations of one meaning ([`Lexicon::spelled_out`]).
    pub fn spell_out(&self, query: Vec<Token>) -> Vec<Token> {
        let expansion = |t: &Token| {
            let list = self.spelled_out.get(&t.folded)?;
            list.iter().find(|(a, _)| t.compatible(a)).map(|(_, to)| to)
        };
        if !query.iter().any(|t| expansion(t).is_some()) {
            return query;
        }
        let mut out = Vec::with_capacity(query.len() + 4);
        for t in query {
            match expansion(&t) {
                Some(to) => out.extend(to.iter().cloned()),
                None => out.push(t),
            }
        }
        out
    }

    /// Applies chat spelling: each token typed exactly as a `chat.tsv`
    /// entry is replaced by its standard words.
    pub fn unchat(&self, query: Vec<Token>) -> Vec<Token> {
        let mut out = Vec::with_capacity(query.len());
        for t in query {
            match self.chat.get(&t.text) {
                Some(rep) => out.extend(rep.iter().cloned()),
                None => out.push(t),
            }
        }
        out
    }
}

/// Whether a phrase of `len` words still matches with `slips` slipped
/// tones ([`PhraseTable::fits`]): one, in a phrase of several words.
fn tolerated(slips: usize, len: usize) -> bool {
    slips == 0 || (slips == 1 && len > 1)
}

/// Whether two phrases are the same words (see [`Token::same_word`]).
fn same_phrase(a: &[Token], b: &[Token]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_word(y))
}

/// Whether `phrase` occurs in `text` at `at`. A one-syllable phrase must be
/// spelt exactly (tone included) unless it is written without diacritics;
/// a longer one matches like filler does (a syllable typed without
/// diacritics matches any spelling with the same letters).
fn phrase_at(text: &[Token], at: usize, phrase: &[Token]) -> bool {
    text.get(at..at + phrase.len())
        .is_some_and(|window| matches_phrase(window, phrase))
}

/// Whether `window` (as many tokens as `phrase`) is `phrase`, as
/// [`phrase_at`] compares.
pub fn matches_phrase<T: std::borrow::Borrow<Token>>(window: &[T], phrase: &[Token]) -> bool {
    window.len() == phrase.len()
        && match phrase {
            [one] => {
                let w = window[0].borrow();
                w.same_word(one) || (!one.accented() && w.folded == one.folded)
            }
            _ => window.iter().zip(phrase).all(|(q, p)| {
                let q = q.borrow();
                q.folded == p.folded && (!q.accented() || q.same_word(p))
            }),
        }
}

/// Whether `phrase` occurs in `text` as consecutive compatible tokens.
pub fn contains_phrase<T: std::borrow::Borrow<Token>>(text: &[T], phrase: &[Token]) -> bool {
    !phrase.is_empty()
        && text
            .windows(phrase.len())
            .any(|w| w.iter().zip(phrase).all(|(a, b)| a.borrow().compatible(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Lexicon {
        Lexicon::parse(Sources {
            chat: "# chat\nko\tkhông\nđc\tđược\nj\tgì\n",
            abbreviations: "gplx\tgiấy phép lái xe\nđkkh\tđăng ký kết hôn\n",
            synonyms: "bằng lái\tgiấy phép lái xe\nbằng lái xe\tgiấy phép lái xe\nsổ đỏ\tgiấy chứng nhận quyền sử dụng đất\n",
            aspects: "bao lâu\ttime\nmất bao lâu\ttime\nbao nhiêu tiền\tfee\n",
            filler: "cho em hỏi\nạ\n",
            variants: "lưu động\nyếu tố nước ngoài\n",
            intents: "xin chào\tgreeting\nbão\tnotices:storm\n",
        })
        .unwrap()
    }

    #[test]
    fn a_marker_asked_for_should_bring_the_markers_it_implies() {
        let src = |variants| Sources {
            variants,
            ..Sources::EMBEDDED
        };
        let lex = Lexicon::parse(src(
            "người nước ngoài\tforeigners\tcó yếu tố nước ngoài\ncó yếu tố nước ngoài\nlưu động\n",
        ))
        .unwrap();
        let asked = |q: &str| {
            let mut out = Vec::new();
            lex.markers_in(&[tokens(q).as_slice()], &mut out);
            out.sort_unstable();
            out
        };
        assert_eq!(asked("khai tử cho người nước ngoài"), vec![0, 1]);
        assert_eq!(asked("khai tử có yếu tố nước ngoài"), vec![1]);
        assert_eq!(asked("khai tử lưu động"), vec![2]);
        // The third column must name another line's marker.
        for bad in [
            "người nước ngoài\tforeigners\tyếu tố\n",
            "người nước ngoài\tforeigners\tngười nước ngoài\n",
        ] {
            let e = Lexicon::parse(src(bad)).unwrap_err().to_string();
            assert!(e.contains("variants.tsv"), "{e}");
        }
    }

    #[test]
    fn definition_phrases_should_match_as_intents_do() {
        let lex = Lexicon::embedded().unwrap();
        let asks = |q: &str| lex.asks_definition(&lex.unchat(tokens(q)));
        for q in [
            "bảo hiểm y tế là gì",
            "bhyt la j",
            "thế nào là hộ nghèo",
            "khai niem ho ngheo",
        ] {
            assert!(asks(q), "{q}");
        }
        // Other words that fold alike, and questions about a procedure.
        for q in ["lá gì", "làm gì", "cần giấy tờ gì", "đăng ký tạm trú ở đâu"]
        {
            assert!(!asks(q), "{q}");
        }
        // Kept out of the dialogue's intents.
        assert!(lex.intents_in(&tokens("bảo hiểm y tế là gì")).is_empty());
    }

    #[test]
    fn when_chat_spelling_is_typed_should_replace_it() {
        let lex = small();
        let t: Vec<_> = lex
            .unchat(tokens("ko đc j"))
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["không", "được", "gì"]);
    }

    #[test]
    fn names_should_be_indexed_in_full_under_the_abbreviations_a_query_spells_or_keeps() {
        let lex = Lexicon::parse(Sources {
            chat: "",
            abbreviations: "tnhh\ttnhh\ntnhh\ttrách nhiệm hữu hạn\nmst\tmã số thuế\n\
                            dk\tđăng ký\ndk\tđiều kiện\n",
            synonyms: "sổ đỏ\tsổ đỏ\nsổ đỏ\tgiấy chứng nhận quyền sử dụng đất\n",
            aspects: "",
            filler: "",
            variants: "",
            intents: "",
        })
        .unwrap();
        let listed = |list: &[(&Token, &[Token])]| -> Vec<(String, String)> {
            list.iter()
                .map(|&(a, words)| {
                    let words: Vec<&str> = words.iter().map(|t| t.text.as_str()).collect();
                    (a.text.clone(), words.join(" "))
                })
                .collect()
        };
        let pair = |a: &str, w: &str| (a.to_owned(), w.to_owned());
        // Written both ways: "tnhh" only; not "mst" (one meaning, always
        // spelt out), nor "dk" (two meanings, neither itself), nor a phrase
        // of words.
        assert_eq!(
            listed(&lex.written_both_ways()),
            [pair("tnhh", "trách nhiệm hữu hạn")]
        );
        // Indexed in full: those and the abbreviations of one meaning.
        assert_eq!(
            listed(lex.indexed_in_full().list()),
            [
                pair("mst", "mã số thuế"),
                pair("tnhh", "trách nhiệm hữu hạn")
            ]
        );
        // The project's lexicon.
        let lex = Lexicon::embedded().unwrap();
        let both: Vec<&str> = lex
            .written_both_ways()
            .into_iter()
            .map(|(a, _)| a.text.as_str())
            .collect();
        for a in ["bhxh", "bhyt", "tnhh"] {
            assert!(both.contains(&a), "{a}: {both:?}");
        }
        assert!(!both.contains(&"gplx"), "{both:?}");
        let in_full = lex.indexed_in_full();
        assert!(in_full.list().iter().any(|(a, _)| a.text == "ubnd"));
    }

    #[test]
    fn an_abbreviation_of_one_meaning_should_be_spelt_out_before_phrases() {
        let lex = Lexicon::parse(Sources {
            chat: "",
            abbreviations: "hđ\thợp đồng\ndk\tđăng ký\ndk\tđiều kiện\n",
            synonyms: "chứng thực hợp đồng\tchứng thực giao dịch\nlàm hđ\tsoạn hợp đồng\n",
            aspects: "",
            filler: "",
            variants: "",
            intents: "",
        })
        .unwrap();
        let text = |q: &str| -> Vec<String> {
            lex.spell_out(tokens(q))
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(text("chứng thực HĐ"), ["chứng", "thực", "hợp", "đồng"]);
        assert_eq!(text("chung thuc hd"), ["chung", "thuc", "hợp", "đồng"]);
        // Of several meanings: left to the rewrites.
        assert_eq!(text("dk"), ["dk"]);
        assert!(lex.rewrites.longest_at(&tokens("dk"), 0).is_some());
        // The phrases apply to the spelt-out words, and are written so.
        let q = lex.spell_out(tokens("chứng thực HĐ"));
        let (n, to) = lex.rewrites.longest_at(&q, 0).unwrap();
        assert_eq!((n, to.len()), (4, 4));
        assert!(
            lex.rewrites
                .longest_at(&lex.spell_out(tokens("làm hđ")), 0)
                .is_some()
        );
    }

    #[test]
    fn when_phrases_overlap_should_take_the_longest() {
        let lex = small();
        let q = tokens("bang lai xe bi mat");
        let (n, to) = lex.rewrites.longest_at(&q, 0).unwrap();
        assert_eq!(n, 3);
        assert_eq!(to.len(), 4);
    }

    #[test]
    fn when_query_diacritics_disagree_should_not_match() {
        let lex = small();
        assert!(lex.rewrites.longest_at(&tokens("sổ đỏ"), 0).is_some());
        assert!(lex.rewrites.longest_at(&tokens("so do"), 0).is_some());
        assert!(lex.rewrites.longest_at(&tokens("sơ đồ"), 0).is_none());
    }

    #[test]
    fn a_phrase_of_several_words_should_forgive_one_slipped_tone_in_a_strict_table() {
        let lex = small();
        let cue = |q: &str| lex.aspects.longest_at(&tokens(q), 0).map(|(n, a)| (n, *a));
        assert_eq!(cue("bao lâu"), Some((2, Aspect::Time)));
        assert_eq!(cue("bao lầu"), Some((2, Aspect::Time)));
        assert_eq!(cue("mất bào lâu"), Some((3, Aspect::Time)));
        assert_eq!(cue("bào lầu"), None);
        assert_eq!(
            cue("bao lâu").is_some(),
            lex.aspects_in(&tokens("bao lầu")) == [Aspect::Time]
        );
        assert!(lex.aspects_in(&tokens("bào lầu")).is_empty());
        // A lone word is told from another by its tone.
        assert!(lex.filler.longest_at(&tokens("ạ"), 0).is_some());
        assert!(lex.filler.longest_at(&tokens("à"), 0).is_none());
        assert!(lex.filler.longest_at(&tokens("cho em hòi"), 0).is_some());
        // Other vowel marks are another word, slip or not.
        assert_eq!(cue("bao lân"), None);
    }

    /// The phrases at a position as a scan of every entry finds them: the
    /// longest that match, each with how many of its words agree with the
    /// query's diacritics, in file order.
    fn scan<'a, V>(
        table: &'a PhraseTable<V>,
        q: &[Token],
        at: usize,
    ) -> Vec<(usize, usize, &'a V)> {
        let mut found: Vec<(usize, usize, &V)> = Vec::new();
        for (phrase, value) in &table.entries {
            let Some(window) = q.get(at..at + phrase.len()) else {
                continue;
            };
            if table.fits(window, phrase) {
                let exact = window
                    .iter()
                    .zip(phrase)
                    .filter(|(a, b)| a.toned == b.toned)
                    .count();
                found.push((phrase.len(), exact, value));
            }
        }
        let n = found.iter().map(|f| f.0).max().unwrap_or(0);
        found.retain(|f| f.0 == n);
        found
    }

    /// Of a scan, what `longest_at` answers: the first of those agreeing
    /// most.
    fn best<V>(found: &[(usize, usize, V)]) -> Option<(usize, &V)> {
        let most = found.iter().map(|f| f.1).max()?;
        found.iter().find(|f| f.1 == most).map(|f| (f.0, &f.2))
    }

    proptest::proptest! {
        /// Queries made of the embedded lexicon's own phrases, whole or cut
        /// short, each word typed with or without its diacritics.
        #[test]
        fn phrases_should_be_found_as_a_scan_of_every_entry_finds_them(
            picks in proptest::collection::vec((0usize..100_000, 1usize..6, proptest::bool::ANY), 1..5),
        ) {
            static LEXICON: OnceLock<Lexicon> = OnceLock::new();
            let lex = LEXICON.get_or_init(|| Lexicon::embedded().unwrap());
            let phrases: Vec<&Vec<Token>> = lex.rewrites.entries.iter().map(|(p, _)| p)
                .chain(lex.aspects.entries.iter().map(|(p, _)| p))
                .chain(lex.filler.entries.iter().map(|(p, _)| p))
                .collect();
            let mut q: Vec<Token> = Vec::new();
            for &(i, words, bare) in &picks {
                for (k, w) in phrases[i % phrases.len()].iter().take(words).enumerate() {
                    let bare = bare && (i + k) % 3 != 0;
                    q.push(if bare { Token::new(&w.folded) } else { w.clone() });
                }
            }
            for at in 0..q.len() {
                let found = scan(&lex.rewrites, &q, at);
                let all: Vec<&Vec<Token>> = found.iter().map(|f| f.2).collect();
                let n = found.first().map(|f| f.0);
                proptest::prop_assert_eq!(lex.rewrites.all_longest_at(&q, at), n.map(|n| (n, all)));
                let found = scan(&lex.aspects, &q, at);
                proptest::prop_assert_eq!(lex.aspects.longest_at(&q, at), best(&found).map(|(n, v)| (n, *v)));
                let found = scan(&lex.filler, &q, at);
                proptest::prop_assert_eq!(lex.filler.longest_at(&q, at), best(&found).map(|(n, v)| (n, *v)));
            }
        }
    }

    #[test]
    fn when_entry_is_malformed_should_name_file_and_line() {
        let e = Lexicon::parse(Sources {
            chat: "",
            abbreviations: "# c\n\ngplx giấy phép\n",
            synonyms: "",
            aspects: "",
            filler: "",
            variants: "",
            intents: "",
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("abbreviations.tsv") && e.contains("line 3"),
            "{e}"
        );
    }

    #[test]
    fn when_aspect_is_unknown_should_fail() {
        let e = Lexicon::parse(Sources {
            chat: "",
            abbreviations: "",
            synonyms: "",
            aspects: "bao lâu\tduration\n",
            filler: "",
            variants: "",
            intents: "",
        });
        assert!(e.is_err());
    }

    #[test]
    fn embedded_lexicon_should_parse() {
        let lex = Lexicon::embedded().unwrap();
        assert!(!lex.chat.is_empty() && !lex.rewrites.is_empty() && !lex.aspects.is_empty());
    }
}
