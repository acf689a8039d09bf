//! Slips citizens make, applied to labelled queries, to measure how much
//! retrieval depends on clean typing.
//!
//! Each kind changes one word of a query (or, for [`Slip::Fold`], all its
//! diacritics) in a way people really type: a tone mark left off, another
//! tone key struck, a letter dropped, doubled, swapped with its neighbour
//! or replaced by one next to it on the keyboard, a consonant spelt the way
//! it sounds in one region or another. The word and the change are chosen
//! by a generator seeded from the query's text, so a run is reproducible
//! and a change of the engine is judged on the same misspellings.
//!
//! A line the slip cannot apply to (no tone mark to drop, no word long
//! enough) is left out: the figures are over changed queries only.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::Labelled;
use crate::seeded::SplitMix;

/// One kind of slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slip {
    /// Every diacritic left off ("đăng ký" → "dang ky").
    Fold,
    /// One word's tone mark left off ("bằng lái" → "băng lái").
    ToneDrop,
    /// One word's tone mark struck as another ("sổ đỏ" → "sồ đỏ").
    ToneSwap,
    /// One letter dropped, doubled, swapped with the next, or replaced by a
    /// neighbouring key, in a word of at least four letters.
    Typo,
    /// One initial or final consonant spelt as it sounds (tr/ch, s/x,
    /// d/gi/r, l/n; final n/ng, t/c).
    Sound,
}

impl Slip {
    pub const ALL: [Slip; 5] = [
        Slip::Fold,
        Slip::ToneDrop,
        Slip::ToneSwap,
        Slip::Typo,
        Slip::Sound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Slip::Fold => "fold",
            Slip::ToneDrop => "tone-drop",
            Slip::ToneSwap => "tone-swap",
            Slip::Typo => "typo",
            Slip::Sound => "sound",
        }
    }

    pub fn parse(s: &str) -> Option<Slip> {
        Slip::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The five tone marks as combining characters: huyền, sắc, hỏi, ngã, nặng.
const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0309}', '\u{0303}', '\u{0323}'];

/// Keys next to each letter on a QWERTY keyboard (Vietnamese is typed on
/// one, with Telex or VNI on top).
fn neighbours(c: char) -> &'static str {
    match c {
        'q' => "wa",
        'w' => "qes",
        'e' => "wrd",
        'r' => "etf",
        't' => "ryg",
        'y' => "tuh",
        'u' => "yij",
        'i' => "uok",
        'o' => "ipl",
        'p' => "ol",
        'a' => "qsz",
        's' => "adwx",
        'd' => "sfec",
        'f' => "dgrv",
        'g' => "fhtb",
        'h' => "gjyn",
        'j' => "hkum",
        'k' => "jli",
        'l' => "ko",
        'z' => "xa",
        'x' => "zcs",
        'c' => "xvd",
        'v' => "cbf",
        'b' => "vng",
        'n' => "bmh",
        'm' => "nj",
        _ => "",
    }
}

/// Initials and finals spelt alike in speech, each with what it is
/// mistaken for. Longer spellings first, so "tr" is not read as "t".
const INITIALS: [(&str, &str); 10] = [
    ("tr", "ch"),
    ("ch", "tr"),
    ("gi", "d"),
    ("s", "x"),
    ("x", "s"),
    ("d", "gi"),
    ("r", "d"),
    ("l", "n"),
    ("n", "l"),
    ("v", "d"),
];
const FINALS: [(&str, &str); 4] = [("ng", "n"), ("n", "ng"), ("t", "c"), ("c", "t")];

/// The generator of one query's slips, seeded from the slip's name and
/// the text (FNV-1a), so that every run perturbs a query the same way.
fn draw(seed: u64, slip: Slip, text: &str) -> SplitMix {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in slip.as_str().bytes().chain([0]).chain(text.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    SplitMix(h)
}

/// Applies `slip` to a query; `None` when it has nothing to apply to.
pub fn perturb(query: &str, slip: Slip, seed: u64) -> Option<String> {
    if slip == Slip::Fold {
        let folded = crate::text::fold(query);
        return (folded != query).then_some(folded);
    }
    let mut rng = draw(seed, slip, query);
    let mut words: Vec<&str> = query.split(' ').collect();
    let changed: Vec<(usize, String)> = words
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            let mut d = draw(rng.next_u64(), slip, w);
            change(w, slip, &mut d).map(|c| (i, c))
        })
        .collect();
    if changed.is_empty() {
        return None;
    }
    let (at, word) = &changed[rng.below(changed.len())];
    words[*at] = word;
    Some(words.join(" "))
}

/// One word with the slip applied, or `None` when it does not apply.
fn change(word: &str, slip: Slip, rng: &mut SplitMix) -> Option<String> {
    if !word.chars().all(char::is_alphabetic) || word.is_empty() {
        return None;
    }
    match slip {
        Slip::Fold => None,
        Slip::ToneDrop | Slip::ToneSwap => {
            let nfd: Vec<char> = word.nfd().collect();
            let at = nfd.iter().position(|c| TONES.contains(c))?;
            let mut out = nfd.clone();
            out.remove(at);
            if slip == Slip::ToneSwap {
                let others: Vec<char> = TONES.into_iter().filter(|&t| t != nfd[at]).collect();
                // After the vowel's own marks, so that it composes ("ậ"
                // struck as ngã is "ẫ", not "ã" and a loose circumflex).
                let end = (at..out.len())
                    .find(|&i| !is_combining_mark(out[i]))
                    .unwrap_or(out.len());
                out.insert(end, others[rng.below(others.len())]);
            }
            Some(out.into_iter().nfc().collect())
        }
        Slip::Typo => {
            let chars: Vec<char> = word.chars().collect();
            if crate::text::fold(word).chars().count() < 4 {
                return None;
            }
            let i = rng.below(chars.len());
            let mut out = chars.clone();
            match rng.below(4) {
                0 => {
                    out.remove(i);
                }
                1 => out.insert(i, chars[i]),
                2 if i + 1 < chars.len() && chars[i] != chars[i + 1] => out.swap(i, i + 1),
                _ => {
                    let base = crate::text::fold(&chars[i].to_lowercase().to_string());
                    let near = base.chars().next().map_or("", neighbours);
                    if near.is_empty() {
                        out.remove(i);
                    } else {
                        let keys: Vec<char> = near.chars().collect();
                        out[i] = keys[rng.below(keys.len())];
                    }
                }
            }
            Some(out.into_iter().collect())
        }
        Slip::Sound => {
            let lower = word.to_lowercase();
            let mut options: Vec<String> = Vec::new();
            if let Some((from, to)) = INITIALS
                .iter()
                .find(|(from, _)| lower.starts_with(from) && lower.len() > from.len())
            {
                let rest = &lower[from.len()..];
                let next = crate::text::fold(rest).chars().next();
                // "nh", "ng" are initials of their own; "d" before "i"
                // would double the vowel ("dịch" → "giịch").
                let own = *from == "n" && matches!(next, Some('h' | 'g'));
                let doubled = *to == "gi" && next == Some('i');
                if !own && !doubled {
                    options.push(format!("{to}{rest}"));
                }
            }
            if let Some((from, to)) = FINALS
                .iter()
                .find(|(from, _)| lower.ends_with(from) && lower.len() > from.len() + 1)
            {
                options.push(format!("{}{to}", &lower[..lower.len() - from.len()]));
            }
            (!options.is_empty()).then(|| options.swap_remove(rng.below(options.len())))
        }
    }
}

/// The labelled lines with `slip` applied, those it cannot apply to left
/// out; labels and slices are kept.
pub fn perturb_all(lines: &[Labelled], slip: Slip, seed: u64) -> Vec<Labelled> {
    lines
        .iter()
        .filter_map(|l| perturb(&l.q, slip, seed).map(|q| Labelled { q, ..l.clone() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slip_should_change_one_word_the_way_its_name_says() {
        let q = "đổi bằng lái xe hết hạn";
        let fold = perturb(q, Slip::Fold, 1).unwrap();
        assert_eq!(fold, "doi bang lai xe het han");
        for slip in [Slip::ToneDrop, Slip::ToneSwap, Slip::Typo, Slip::Sound] {
            let p = perturb(q, slip, 1).unwrap();
            let differ = q
                .split(' ')
                .zip(p.split(' '))
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(differ, 1, "{slip:?}: {p}");
            assert_eq!(q.split(' ').count(), p.split(' ').count(), "{slip:?}: {p}");
        }
        // A dropped tone keeps the vowel's own marks.
        let p = perturb("bằng", Slip::ToneDrop, 1).unwrap();
        assert_eq!(p, "băng");
        let p = perturb("sổ", Slip::ToneSwap, 1).unwrap();
        assert!(["sồ", "số", "sỗ", "sộ"].contains(&p.as_str()), "{p}");
        // A struck tone composes with the vowel's own marks.
        for seed in 0..20 {
            let p = perturb("lập", Slip::ToneSwap, seed).unwrap();
            assert_eq!(p.chars().count(), 3, "{p:?}");
        }
        let p = perturb("trú", Slip::Sound, 1).unwrap();
        assert_eq!(p, "chú");
    }

    #[test]
    fn a_slip_with_nothing_to_apply_to_should_leave_the_line_out() {
        assert_eq!(perturb("dang ky", Slip::ToneDrop, 1), None);
        assert_eq!(perturb("dang ky", Slip::Fold, 1), None);
        assert_eq!(perturb("ký bé", Slip::Typo, 1), None);
        assert_eq!(perturb("123 456", Slip::Sound, 1), None);
    }

    #[test]
    fn the_same_seed_should_give_the_same_slips() {
        let q = "cấp lại giấy phép lái xe bị mất";
        for slip in Slip::ALL {
            assert_eq!(perturb(q, slip, 7), perturb(q, slip, 7));
        }
        let differ = (0..20u64)
            .filter_map(|s| perturb(q, Slip::Typo, s))
            .collect::<std::collections::BTreeSet<_>>();
        assert!(differ.len() > 5, "{differ:?}");
    }

    #[test]
    fn slips_should_parse_from_their_names() {
        for slip in Slip::ALL {
            assert_eq!(Slip::parse(slip.as_str()), Some(slip));
        }
        assert_eq!(Slip::parse("nope"), None);
    }
}
