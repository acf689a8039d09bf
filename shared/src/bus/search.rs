//! Stops from what a citizen typed: an address, a street, a landmark or a
//! named place.
//!
//! # How a query is read
//!
//! 1. The first comma-separated part that has words is kept ("101 Nguyễn
//!    Văn Cừ, Liên Chiểu" → "101 Nguyễn Văn Cừ"; "3/2" reads "3 tháng 2").
//! 2. Leading filler is dropped ("trạm xe buýt gần", "đường", "số" before a
//!    number), and a leading house number (or range, "913 - 915") is taken
//!    aside. What is left is the *phrase*: the street, landmark or place.
//!    When it finds nothing, it is tried again without trailing filler
//!    ("… ở đâu", "… Đà Nẵng"), then with a trailing number as the house
//!    number ("Lê Văn Hiến 300").
//! 3. Both the phrase and every stop name go through the same analysis:
//!    [`crate::text`] tokens, "Đ/d" and "ĐD" read as "đối diện", "2/9" as
//!    "2 tháng 9", common abbreviations spelt out (CMT8, NVL, VVK, BV, TTHC,
//!    THPT, …).
//!
//! # What matches
//!
//! - **Stop names** (and the other names the source gives the stop): the
//!   phrase must appear in the name as consecutive words. A word matches
//!   when it is the same word ignoring the tone and the stroke of đ, or
//!   ignoring every diacritic when the citizen typed none
//!   ([`crate::text::Token::compatible`]). A phrase of two words or more
//!   may hold one typo: a wrong vowel shape ("cù" for "cừ") or one letter
//!   added, dropped, changed or swapped ("nguyen vna cu"). Numbers must
//!   match exactly.
//! - **Places** (beaches, bridges, markets): every word of the phrase, in
//!   order, gaps allowed ("bãi biển Mỹ Khê" finds "Bãi tắm biển Mỹ Khê");
//!   the best-matching places give the stops within [`PLACE_RADIUS_M`].
//!   A place whose coordinates are more than [`PLACE_CONSISTENCY_M`] from
//!   every stop named after it is skipped: the source misplaces some ("Cầu
//!   rồng" is a kilometre off), and the stops are the better evidence.
//! - **Nearby places** the source gives a stop (`near`), last.
//!
//! # Order
//!
//! Stops whose name matches come first, those without a typo before those
//! with one. With a house number, stops whose own number (just before the
//! street in their name) is closest come first, the same side of the street
//! (parity) breaking ties, then stops on the street without a number. Then
//! stops around a matching place, nearest first; then stops whose `near`
//! matches. Ties go by stop code.

use super::geo::haversine_m;
use super::index::BusIndex;
use super::model::{Network, Stop};
use crate::text::{self, Token};

/// Stops within this distance of a named place are "at" the place.
pub const PLACE_RADIUS_M: f64 = 500.0;
/// A place further than this from every stop named after it is taken to be
/// misplaced in the source.
pub const PLACE_CONSISTENCY_M: f64 = 1000.0;

/// The cost of a typo against a perfect word (a tone slip costs 1).
const TYPO_COST: u32 = 4;

/// Abbreviations in stop names and queries (folded) and what they stand
/// for.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("cmt8", "cách mạng tháng 8"),
    ("nvl", "nguyễn văn linh"),
    ("vvk", "võ văn kiệt"),
    ("bv", "bệnh viện"),
    ("tthc", "trung tâm hành chính"),
    ("thpt", "trung học phổ thông"),
    ("thcs", "trung học cơ sở"),
    ("th", "tiểu học"),
    ("dh", "đại học"),
    ("cd", "cao đẳng"),
    ("bx", "bến xe"),
    ("cv", "công viên"),
    ("kdl", "khu du lịch"),
    ("kdt", "khu đô thị"),
    ("kcn", "khu công nghiệp"),
    ("ubnd", "ủy ban nhân dân"),
    ("gdtx", "giáo dục thường xuyên"),
    ("tp", "thành phố"),
    ("q", "quận"),
    ("ql", "quốc lộ"),
    ("dd", "đối diện"),
    ("bigc", "big c"),
];

/// Words that open a query without naming anything ("trạm xe buýt gần …").
const LEADING_FILLER: &[&str] = &[
    "trạm",
    "điểm",
    "dừng",
    "xe",
    "buýt",
    "bus",
    "ở",
    "tại",
    "gần",
    "đường",
    "phố",
    "nhà",
    "địa",
    "chỉ",
    "tìm",
    "tôi",
    "em",
    "mình",
    "muốn",
    "đi",
    "đến",
    "tới",
];

/// Words that close a query without naming anything ("… ở đâu", "… gần
/// nhất", "… Đà Nẵng").
const TRAILING_FILLER: &[&str] = &[
    "ở", "đâu", "nào", "nhất", "gần", "không", "ạ", "nhé", "vậy", "thế", "đà", "nẵng", "thành",
    "phố", "tp",
];

/// One analysed word: the token and, for a house number ("101", "310A",
/// "E152"), its value.
#[derive(Debug, Clone)]
struct Word {
    token: Token,
    number: Option<u32>,
}

impl Word {
    fn new(token: Token) -> Self {
        let number = house_number(&token.folded);
        Self { token, number }
    }

    fn folded(&self) -> &str {
        &self.token.folded
    }

    fn has_letters(&self) -> bool {
        self.token.folded.chars().any(char::is_alphabetic)
    }
}

/// A number, possibly with one letter before or after ("310a", "e152").
fn house_number(folded: &str) -> Option<u32> {
    let mut s = folded;
    if let Some(rest) = s.strip_prefix(|c: char| c.is_ascii_alphabetic()) {
        s = rest;
    }
    if let Some(rest) = s.strip_suffix(|c: char| c.is_ascii_alphabetic()) {
        s = rest;
    }
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads "đ/d" (and "d/d") as "đối diện" and "2/9" as "2 tháng 9" in
/// normalised text.
fn rewrite(normalized: &str) -> String {
    let chars: Vec<char> = normalized.chars().collect();
    let mut out = String::with_capacity(normalized.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let word_start = i == 0 || !chars[i - 1].is_alphanumeric();
        if word_start
            && matches!(c, 'đ' | 'd')
            && chars.get(i + 1) == Some(&'/')
            && matches!(chars.get(i + 2), Some('d' | 'đ'))
            && chars.get(i + 3).is_none_or(|n| !n.is_alphanumeric())
        {
            out.push_str("đối diện");
            i += 3;
            continue;
        }
        if c == '/'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            out.push_str(" tháng ");
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Tokens of a text as search compares them (see the module docs).
fn analyze(s: &str) -> Vec<Word> {
    let text = rewrite(&text::normalize(s));
    let raw: Vec<Token> = text::split(&text).map(Token::new).collect();
    let mut words: Vec<Word> = Vec::with_capacity(raw.len() + 4);
    let mut i = 0;
    while i < raw.len() {
        let t = &raw[i];
        // "CMT 8", "CMT-8": the number is a separate token.
        if t.folded == "cmt" && raw.get(i + 1).is_some_and(|n| n.folded == "8") {
            words.extend(expand("cách mạng tháng 8"));
            i += 2;
            continue;
        }
        match ABBREVIATIONS.iter().find(|(short, _)| *short == t.folded) {
            Some((_, long)) => words.extend(expand(long)),
            None => words.push(Word::new(t.clone())),
        }
        i += 1;
    }
    // "cách mạng tháng tám" is the street "Cách Mạng Tháng 8".
    for k in 3..words.len() {
        let run = words[k - 3..=k].iter().map(Word::folded);
        if run.eq(["cach", "mang", "thang", "tam"]) {
            words[k] = Word::new(Token::new("8"));
        }
    }
    words
}

fn expand(phrase: &str) -> impl Iterator<Item = Word> + '_ {
    text::split(phrase).map(|w| Word::new(Token::new(w)))
}

/// Whether two words are one edit apart: a letter added, dropped or
/// changed, or two neighbouring letters swapped ("vna" / "van").
fn one_edit_apart(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        one_edit(a.as_bytes(), b.as_bytes())
    } else {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        one_edit(&a, &b)
    }
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(a.len().min(b.len()));
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    match (a.len(), b.len()) {
        (0, 1) | (1, 0) | (1, 1) => true,
        (2, 2) => a[0] == b[1] && a[1] == b[0],
        _ => false,
    }
}

/// How well a query word stands for a reference word: `(typo, cost)`, or
/// `None` when it does not.
fn word_cost(q: &Word, r: &Word) -> Option<(u8, u32)> {
    let (qf, rf) = (q.folded(), r.folded());
    if !q.has_letters() || !r.has_letters() || q.number.is_some() || r.number.is_some() {
        return (qf == rf).then_some((0, 0));
    }
    if q.token.compatible(&r.token) {
        let exact = !q.token.accented() || q.token.toned == r.token.toned;
        return Some((0, u32::from(!exact)));
    }
    let (lq, lr) = (qf.chars().count(), rf.chars().count());
    if qf == rf || (lq.max(lr) >= 3 && lq.min(lr) >= 2 && one_edit_apart(qf, rf)) {
        return Some((1, TYPO_COST));
    }
    None
}

/// A phrase found in a reference text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    typos: u8,
    cost: u32,
    start: usize,
}

/// The best place where the phrase appears as consecutive words.
fn find_phrase(phrase: &[Word], reference: &[Word], max_typos: u8) -> Option<Found> {
    if phrase.is_empty() || phrase.len() > reference.len() {
        return None;
    }
    let mut best: Option<Found> = None;
    'start: for start in 0..=reference.len() - phrase.len() {
        let (mut typos, mut cost) = (0u8, 0u32);
        for (q, r) in phrase.iter().zip(&reference[start..]) {
            let Some((t, c)) = word_cost(q, r) else {
                continue 'start;
            };
            typos += t;
            cost += c;
            if typos > max_typos {
                continue 'start;
            }
        }
        let f = Found { typos, cost, start };
        if best.is_none_or(|b| f < b) {
            best = Some(f);
        }
    }
    best
}

/// Every phrase word in order, gaps allowed: `(typos, cost + gaps, words
/// the reference has beyond the phrase)`.
fn find_words(phrase: &[Word], reference: &[Word], max_typos: u8) -> Option<(u8, u32, usize)> {
    if phrase.is_empty() || phrase.len() > reference.len() {
        return None;
    }
    let (mut typos, mut cost) = (0u8, 0u32);
    let mut next = 0;
    let mut first = None;
    for q in phrase {
        let (k, (t, c)) =
            (next..reference.len()).find_map(|k| word_cost(q, &reference[k]).map(|tc| (k, tc)))?;
        typos += t;
        cost += c;
        first.get_or_insert(k);
        next = k + 1;
    }
    if typos > max_typos {
        return None;
    }
    let span = next - first.unwrap_or(0);
    let gaps = (span - phrase.len()) as u32;
    Some((typos, cost + gaps, reference.len() - phrase.len()))
}

/// How far a stop's own house number is from the one asked for: twice the
/// difference, plus one when on the other side of the street (odd / even);
/// 0 inside a range ("913 - 915"). `None` when the name has no number just
/// before the street.
fn number_gap(asked: u32, reference: &[Word], street_start: usize) -> Option<u64> {
    // Walk back from the street over at most three words ("Số 171 (Kim
    // Liên) Nguyễn Văn Cừ") to a run of numbers.
    let mut k = street_start;
    let mut skipped = 0;
    while k > 0 && reference[k - 1].number.is_none() {
        skipped += 1;
        if skipped > 3 {
            return None;
        }
        k -= 1;
    }
    let mut numbers = Vec::new();
    while k > 0
        && let Some(n) = reference[k - 1].number
    {
        numbers.push(n);
        k -= 1;
    }
    let (lo, hi) = (*numbers.iter().min()?, *numbers.iter().max()?);
    if numbers.len() >= 2 && (lo..=hi).contains(&asked) {
        return Some(0);
    }
    numbers
        .iter()
        .map(|&n| 2 * u64::from(asked.abs_diff(n)) + u64::from(asked % 2 != n % 2))
        .min()
}

/// A query taken apart: the house number and the phrase.
#[derive(Debug, Clone, PartialEq)]
struct Query {
    house: Option<u32>,
    phrase: Vec<Word>,
}

impl PartialEq for Word {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
    }
}

fn is_filler(w: &Word, list: &[&str]) -> bool {
    list.iter().any(|f| w.token.compatible(&Token::new(f)))
}

/// The readings of a query to try, in order (see the module docs).
fn readings(query: &str) -> Vec<Query> {
    let mut words = query
        .split([',', ';', '\n'])
        .map(analyze)
        .find(|words| words.iter().any(Word::has_letters))
        .unwrap_or_default();
    let strip_leading = |words: &mut Vec<Word>| {
        while let Some(first) = words.first() {
            let numbered_next = words.get(1).is_some_and(|n| n.number.is_some());
            let so = first.folded() == "so" && numbered_next;
            if so || is_filler(first, LEADING_FILLER) {
                words.remove(0);
            } else {
                break;
            }
        }
    };
    strip_leading(&mut words);
    let mut house = None;
    if let Some(n) = words.first().and_then(|w| w.number)
        && words.len() > 1
        && words[1].folded() != "thang"
    {
        house = Some(n);
        while words.first().is_some_and(|w| w.number.is_some()) {
            words.remove(0);
        }
        strip_leading(&mut words);
    }
    let mut out = vec![Query {
        house,
        phrase: words.clone(),
    }];
    while words.len() > 1 && words.last().is_some_and(|w| is_filler(w, TRAILING_FILLER)) {
        words.pop();
    }
    // "Lê Văn Hiến 300": the house number after the street. Not "… tháng
    // 8" (a date-named street) nor "… số 5" (part of a name).
    let trailing_house = match words.as_slice() {
        [.., before, last] if house.is_none() && !matches!(before.folded(), "thang" | "so") => {
            last.number
        }
        _ => None,
    };
    let shorter = Query {
        house,
        phrase: words.clone(),
    };
    if shorter != out[0] {
        out.push(shorter);
    }
    if let Some(n) = trailing_house {
        while words.last().is_some_and(|w| w.number.is_some()) {
            words.pop();
        }
        if words.iter().any(Word::has_letters) {
            out.push(Query {
                house: Some(n),
                phrase: words,
            });
        }
    }
    out
}

/// The analysed names of every stop and place, built on the first search.
#[derive(Debug)]
pub(crate) struct TextIndex {
    /// Per stop: its name, then its aliases.
    names: Vec<Vec<Vec<Word>>>,
    /// Per stop: its `near` place.
    nears: Vec<Option<Vec<Word>>>,
    /// Per place of the network.
    places: Vec<Vec<Word>>,
}

impl TextIndex {
    pub(crate) fn new(network: &Network) -> Self {
        Self {
            names: network
                .stops
                .iter()
                .map(|s| {
                    std::iter::once(&s.name)
                        .chain(&s.aliases)
                        .map(|n| analyze(n))
                        .collect()
                })
                .collect(),
            nears: network
                .stops
                .iter()
                .map(|s| s.near.as_deref().map(analyze))
                .collect(),
            places: network.places.iter().map(|p| analyze(&p.name)).collect(),
        }
    }

    pub(crate) fn search<'a>(
        &self,
        index: &'a BusIndex,
        query: &str,
        limit: usize,
    ) -> Vec<&'a Stop> {
        if limit == 0 {
            return Vec::new();
        }
        for reading in readings(query) {
            let found = self.run(index, &reading);
            if !found.is_empty() {
                return found
                    .into_iter()
                    .take(limit)
                    .map(|i| &index.stops()[i])
                    .collect();
            }
        }
        Vec::new()
    }

    /// The positions of the stops one reading finds, best first.
    fn run(&self, index: &BusIndex, query: &Query) -> Vec<usize> {
        let phrase = &query.phrase;
        if !phrase.iter().any(Word::has_letters) {
            return Vec::new();
        }
        let max_typos = u8::from(phrase.len() >= 2);
        let stops = index.stops();

        // Stop names.
        let mut named: Vec<((u8, u64, u32), usize)> = Vec::new();
        for (i, names) in self.names.iter().enumerate() {
            let best = names
                .iter()
                .filter_map(|name| {
                    let f = find_phrase(phrase, name, max_typos)?;
                    let gap = match query.house {
                        Some(n) => number_gap(n, name, f.start).unwrap_or(u64::MAX),
                        None => 0,
                    };
                    Some((f.typos, gap, f.cost))
                })
                .min();
            if let Some(score) = best {
                named.push((score, i));
            }
        }
        named.sort();
        let mut out: Vec<usize> = named.iter().map(|(_, i)| *i).collect();

        // Places: the best-matching ones that agree with the stops named
        // after them.
        let scored: Vec<((u8, u32, usize), usize)> = self
            .places
            .iter()
            .enumerate()
            .filter_map(|(p, words)| find_words(phrase, words, max_typos).map(|s| (s, p)))
            .collect();
        if let Some(best) = scored.iter().map(|(s, _)| *s).min() {
            let mut around: Vec<(f64, usize)> = Vec::new();
            for &(_, p) in scored.iter().filter(|(s, _)| *s == best) {
                let place = &index.places()[p];
                let misplaced = !named.is_empty()
                    && named.iter().all(|(_, i)| {
                        haversine_m(place.lat, place.lng, stops[*i].lat, stops[*i].lng)
                            > PLACE_CONSISTENCY_M
                    });
                if misplaced {
                    continue;
                }
                around.extend(index.nearby_positions(
                    place.lat,
                    place.lng,
                    PLACE_RADIUS_M,
                    usize::MAX,
                ));
                for (i, s) in stops.iter().enumerate() {
                    if s.near.as_deref() == Some(place.name.as_str()) {
                        around.push((haversine_m(place.lat, place.lng, s.lat, s.lng), i));
                    }
                }
            }
            around.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (_, i) in around {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }

        // The source's nearby places.
        for (i, near) in self.nears.iter().enumerate() {
            if let Some(words) = near
                && find_phrase(phrase, words, max_typos).is_some()
                && !out.contains(&i)
            {
                out.push(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(words: &[Word]) -> Vec<&str> {
        words.iter().map(Word::folded).collect()
    }

    #[test]
    fn when_names_use_abbreviations_should_spell_them_out() {
        assert_eq!(
            folded(&analyze("307-309 đường CMT8")),
            ["307", "309", "duong", "cach", "mang", "thang", "8"]
        );
        assert_eq!(
            folded(&analyze("178 CMT 8")),
            ["178", "cach", "mang", "thang", "8"]
        );
        assert_eq!(
            folded(&analyze("Đ/d 04 Nguyễn Thị Minh Khai")),
            ["doi", "dien", "4", "nguyen", "thi", "minh", "khai"]
        );
        assert_eq!(
            folded(&analyze("152A-154 Đường 2/9")),
            ["152a", "154", "duong", "2", "thang", "9"]
        );
        assert_eq!(
            folded(&analyze("ĐD 151 Trần Phú")),
            ["doi", "dien", "151", "tran", "phu"]
        );
        assert_eq!(
            folded(&analyze("cách mạng tháng tám")),
            ["cach", "mang", "thang", "8"]
        );
    }

    #[test]
    fn when_a_query_has_a_house_number_should_take_it_aside() {
        let r = readings("số 171 nguyen van cu");
        assert_eq!(r[0].house, Some(171));
        assert_eq!(folded(&r[0].phrase), ["nguyen", "van", "cu"]);
        let r = readings("Trạm xe buýt gần 913 - 915 Nguyễn Lương Bằng, Liên Chiểu");
        assert_eq!(r[0].house, Some(913));
        assert_eq!(folded(&r[0].phrase), ["nguyen", "luong", "bang"]);
        let r = readings("đường 2/9");
        assert_eq!(r[0].house, None);
        assert_eq!(folded(&r[0].phrase), ["2", "thang", "9"]);
        assert_eq!(folded(&readings("3/2")[0].phrase), ["3", "thang", "2"]);
        let r = readings("chợ cồn ở đâu");
        assert_eq!(folded(&r[1].phrase), ["cho", "con"]);
        let r = readings("Lê Văn Hiến 300");
        assert_eq!(r[0].house, None);
        assert_eq!(r[1].house, Some(300));
        assert_eq!(folded(&r[1].phrase), ["le", "van", "hien"]);
        assert_eq!(readings("trường trung cấp nghề số 5").len(), 1);
    }

    #[test]
    fn house_numbers_should_allow_one_letter() {
        assert_eq!(house_number("310a"), Some(310));
        assert_eq!(house_number("e152"), Some(152));
        assert_eq!(house_number("08t3"), None);
        assert_eq!(house_number("ab"), None);
    }

    #[test]
    fn when_words_differ_by_one_letter_should_count_a_typo() {
        assert!(one_edit_apart("nguyen", "ngyen"));
        assert!(one_edit_apart("van", "vna"));
        assert!(one_edit_apart("cu", "cuf"));
        assert!(one_edit_apart("luong", "luogn"));
        assert!(one_edit_apart("bang", "bagn"));
        assert!(one_edit_apart("aab", "ab"));
        assert!(one_edit_apart("ơn", "ôn"));
        assert!(!one_edit_apart("hien", "thoai"));
        assert!(!one_edit_apart("abc", "cba"));
        assert!(!one_edit_apart("duan", "dan2"));
        assert!(!one_edit_apart("same", "same"));
        let w = |s: &str| Word::new(Token::new(&text::normalize(s)));
        assert_eq!(word_cost(&w("cu"), &w("cừ")), Some((0, 0)));
        assert_eq!(word_cost(&w("cứ"), &w("cừ")), Some((0, 1)));
        assert_eq!(word_cost(&w("cù"), &w("cừ")), Some((1, TYPO_COST)));
        assert_eq!(word_cost(&w("ngyen"), &w("nguyễn")), Some((1, TYPO_COST)));
        assert_eq!(word_cost(&w("101"), &w("102")), None);
        assert_eq!(word_cost(&w("le"), &w("la")), None);
    }

    #[test]
    fn when_a_stop_name_has_a_number_before_the_street_should_measure_the_gap() {
        let name = analyze("Số 171(Kim Liên) Nguyễn Văn Cừ");
        assert_eq!(number_gap(171, &name, 4), Some(0));
        assert_eq!(number_gap(101, &name, 4), Some(140));
        let range = analyze("Số 913 - 915 Nguyễn Lương Bằng");
        assert_eq!(number_gap(914, &range, 3), Some(0));
        assert_eq!(number_gap(920, &range, 3), Some(11));
        let none = analyze("THCS Nguyễn Lương Bằng");
        assert_eq!(number_gap(50, &none, 4), None);
    }
}
