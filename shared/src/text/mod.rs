//! Vietnamese text as citizens type it: normalisation, diacritic folding and
//! syllable tokens.
//!
//! Every piece of text the product compares goes through [`normalize`] and
//! [`tokens`]. A token keeps three spellings of one syllable:
//! - `text`: the normalised syllable (NFC, lower case) as typed;
//! - `folded`: without any diacritic, `đ` → `d` — what matching relies on,
//!   since many citizens type without diacritics;
//! - `toned`: the letters with their vowel marks (â, ă, ê, ô, ơ, ư, đ) and the
//!   tone as a trailing digit, so "hoà" and "hòa" (old and new tone
//!   placement) compare equal; used to reward queries whose diacritics agree.

pub mod lexicon;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters that carry no meaning but break matching: zero-width spaces
/// and joiners, bidi controls, the BOM, soft hyphens.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Full-width ASCII (as typed by some phone keyboards) to ASCII; the
/// ideographic space to a space.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Latin letters that are precomposed and stable under NFC: ASCII, Latin-1
/// letters, Latin Extended-A/B and Latin Extended Additional (where every
/// Vietnamese letter lives). Text made only of these and ASCII needs no
/// normalisation pass.
fn is_plain_latin(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7E | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF)
}

/// NFC, lower case, invisible characters removed, full-width ASCII narrowed,
/// every run of whitespace collapsed to one space, trimmed.
pub fn normalize(s: &str) -> String {
    // Most text is plain Latin already in NFC: lower-case and tidy spaces
    // without the allocation-heavy normalisation pass.
    if s.chars().all(is_plain_latin) {
        let mut out = String::with_capacity(s.len());
        for word in s.split(' ').filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            for c in word.chars() {
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
            }
        }
        return out;
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let cleaned: String = s
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(narrow)
        .flat_map(char::to_lowercase)
        .collect();
    for c in cleaned.nfc() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// The tone marks of Vietnamese as combining characters, with the digit the
/// `toned` spelling appends: huyền 1, sắc 2, hỏi 3, ngã 4, nặng 5.
fn tone_digit(c: char) -> Option<char> {
    match c {
        '\u{0300}' | '\u{0340}' => Some('1'),
        '\u{0301}' | '\u{0341}' => Some('2'),
        '\u{0309}' => Some('3'),
        '\u{0303}' => Some('4'),
        '\u{0323}' => Some('5'),
        _ => None,
    }
}

/// Removes every diacritic and maps đ to d. Decomposition alone leaves đ
/// (it is a letter of its own, not d plus a mark).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            _ => c,
        })
        .collect()
}

/// Letters with vowel marks kept and the tone moved to a trailing digit
/// (see the module docs). Expects one normalised syllable.
pub fn toned(syllable: &str) -> String {
    let mut tone = None;
    let mut base = String::with_capacity(syllable.len());
    for c in syllable.nfd() {
        match tone_digit(c) {
            Some(d) => tone = Some(d),
            None => base.push(c),
        }
    }
    let mut out: String = base.nfc().collect();
    if let Some(d) = tone {
        out.push(d);
    }
    out
}

/// What one character of normalised text contributes to each spelling of
/// a token: its folded letter, its letter with vowel marks but no tone, and
/// its tone digit. Combining marks left over after NFC contribute only to
/// the latter two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Letter {
    pub folded: Option<char>,
    pub marked: Option<char>,
    pub tone: Option<char>,
}

/// Looks a character up; Latin letters with diacritics (where all of
/// Vietnamese lives) come from a table computed once, the rest is
/// computed on the spot.
pub fn letter(c: char) -> Letter {
    use std::sync::OnceLock;
    const FIRST: u32 = 0x00C0;
    const LAST: u32 = 0x1EFF;
    static TABLE: OnceLock<Vec<Letter>> = OnceLock::new();
    if c.is_ascii() {
        return Letter {
            folded: Some(c),
            marked: Some(c),
            tone: None,
        };
    }
    let code = c as u32;
    if (FIRST..=LAST).contains(&code) {
        let table = TABLE.get_or_init(|| {
            (FIRST..=LAST)
                .map(|u| {
                    char::from_u32(u).map_or(
                        Letter {
                            folded: None,
                            marked: None,
                            tone: None,
                        },
                        letter_slow,
                    )
                })
                .collect()
        });
        return table[(code - FIRST) as usize];
    }
    letter_slow(c)
}

fn letter_slow(c: char) -> Letter {
    if let Some(t) = tone_digit(c) {
        return Letter {
            folded: None,
            marked: None,
            tone: Some(t),
        };
    }
    if is_combining_mark(c) {
        return Letter {
            folded: None,
            marked: Some(c),
            tone: None,
        };
    }
    let s = c.to_string();
    let folded = fold(&s);
    let t = toned(&s);
    let mut chars = t.chars();
    let marked = chars.next();
    let tone = chars.next_back().filter(char::is_ascii_digit);
    Letter {
        folded: if folded.chars().count() == 1 {
            folded.chars().next()
        } else {
            Some(c)
        },
        marked,
        tone,
    }
}

/// Whether a normalised syllable carries any diacritic (including đ).
pub fn has_diacritics(syllable: &str) -> bool {
    !syllable.is_ascii()
}

/// One syllable (or number, or Latin word) of normalised text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Token {
    pub text: String,
    pub folded: String,
    pub toned: String,
}

impl Token {
    /// Builds the three spellings of one normalised syllable in a single
    /// pass over its characters (see [`letter`]).
    pub fn new(text: &str) -> Self {
        let text = canonical_number(text);
        if text.is_ascii() {
            // No diacritic: the three spellings are one.
            let folded = canonical_i(text.clone());
            return Self {
                toned: folded.clone(),
                folded,
                text,
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut marked = String::with_capacity(text.len());
        let mut tone = None;
        for c in text.chars() {
            let l = letter(c);
            if let Some(f) = l.folded {
                folded.push(f);
            }
            if let Some(m) = l.marked {
                marked.push(m);
            }
            if l.tone.is_some() {
                tone = l.tone;
            }
        }
        if let Some(t) = tone {
            marked.push(t);
        }
        Self {
            folded: canonical_i(folded),
            toned: canonical_i(marked),
            text,
        }
    }

    /// Whether the citizen typed diacritics on this syllable.
    pub fn accented(&self) -> bool {
        has_diacritics(&self.text)
    }

    /// Whether two correctly spelt tokens are the same word (catalogue text
    /// against lexicon entries): same letters, marks and tone.
    pub fn same_word(&self, other: &Token) -> bool {
        self.toned == other.toned
    }

    /// Whether this query token can stand for `other` (a catalogue token):
    /// same folded letters and, when the query token has diacritics, the
    /// same vowel shapes (â ă ê ô ơ ư). The tone and the stroke of đ are
    /// not compared: mixing up hỏi and ngã ("sổ đõ") or typing d for đ
    /// ("dăng ký") are the commonest slips, while a different vowel shape
    /// ("sơ đồ" against "sổ đỏ") is a different word.
    pub fn compatible(&self, other: &Token) -> bool {
        self.folded == other.folded && (!self.accented() || same_shape(&self.toned, &other.toned))
    }
}

/// Initial consonants after which a lone final `y` and `i` spell the same
/// syllable ("ký"/"kí", "lý"/"lí", "quý"/"quí").
const INITIALS: [&str; 26] = [
    "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p",
    "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];

/// Spells such a final `y` as `i` (the tone digit of a `toned` spelling may
/// follow), so that both accepted orthographies compare equal.
fn canonical_i(mut s: String) -> String {
    let body = s.trim_end_matches(|c: char| c.is_ascii_digit());
    if let Some(initial) = body.strip_suffix('y')
        && INITIALS.contains(&initial)
    {
        let at = initial.len();
        s.replace_range(at..at + 1, "i");
    }
    s
}

/// Whether two `toned` spellings have the same letters and vowel marks,
/// ignoring the tone digit and the stroke of đ.
fn same_shape(a: &str, b: &str) -> bool {
    fn shape(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .map(|c| if c == 'đ' { 'd' } else { c })
    }
    shape(a).eq(shape(b))
}

/// "02" and "2" are the same number to a citizen ("mức độ 02" / "mức 2").
fn canonical_number(s: &str) -> String {
    if s.len() > 1 && s.bytes().all(|b| b.is_ascii_digit()) {
        let t = s.trim_start_matches('0');
        if t.is_empty() { "0".into() } else { t.into() }
    } else {
        s.to_owned()
    }
}

/// Splits normalised text into syllable tokens: runs of letters, marks and
/// digits; everything else separates.
pub fn split(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !is_word_char(c))
        .filter(|s| !s.is_empty())
}

/// Letters, digits and combining marks; the Latin blocks are answered
/// without the general Unicode tables.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if is_plain_latin(c) {
        true
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

/// Normalises and tokenises in one step.
pub fn tokens(s: &str) -> Vec<Token> {
    split(&normalize(s)).map(Token::new).collect()
}

/// The folded syllables of a text joined by single spaces: the key used to
/// compare phrases regardless of diacritics and punctuation.
pub fn folded_key(s: &str) -> String {
    let mut out = String::new();
    for t in tokens(s) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn when_text_has_d_stroke_should_fold_to_d() {
        assert_eq!(fold("Đăng ký đất đai"), "Dang ky dat dai");
        assert_eq!(fold(&normalize("ĐĂNG KÝ")), "dang ky");
    }

    #[test]
    fn when_text_is_nfd_should_normalize_to_nfc() {
        let nfd: String = "Thủ tục đăng ký khai sinh".nfd().collect();
        assert_ne!(nfd, "Thủ tục đăng ký khai sinh");
        assert_eq!(normalize(&nfd), "thủ tục đăng ký khai sinh");
    }

    #[test]
    fn when_text_has_invisible_characters_should_strip_them() {
        assert_eq!(normalize("khai\u{200B} sinh\u{202E}\u{FEFF}"), "khai sinh");
        assert_eq!(normalize("kh\u{200D}ai"), "khai");
    }

    #[test]
    fn when_text_has_fullwidth_digits_should_narrow_them() {
        assert_eq!(normalize("ＭＴ　１２３"), "mt 123");
    }

    #[test]
    fn when_tone_is_placed_old_or_new_style_should_compare_equal() {
        assert_eq!(toned("hoà"), toned("hòa"));
        assert_eq!(toned("thuý"), toned("thúy"));
        assert_eq!(toned("hòa"), "hoa1");
        assert_eq!(toned("được"), "đươc5");
        assert_ne!(toned("sổ"), toned("số"));
    }

    #[test]
    fn when_y_and_i_spell_the_same_syllable_should_compare_equal() {
        assert_eq!(Token::new("ký").toned, Token::new("kí").toned);
        assert_eq!(Token::new("ky").folded, "ki");
        assert_eq!(Token::new("quý").folded, "qui");
        assert_eq!(Token::new("thủy").folded, "thuy");
        assert_eq!(Token::new("ý").folded, "y");
        assert_eq!(Token::new("tay").folded, "tay");
    }

    #[test]
    fn when_tokenizing_should_split_on_punctuation_and_keep_numbers() {
        let t: Vec<_> = tokens("Cấp lại thẻ căn cước (mức độ 02)!")
            .into_iter()
            .map(|t| t.folded)
            .collect();
        assert_eq!(t, ["cap", "lai", "the", "can", "cuoc", "muc", "do", "2"]);
    }

    #[test]
    fn when_query_token_has_no_diacritics_should_be_compatible_with_any() {
        let q = Token::new("so");
        assert!(q.compatible(&Token::new("sổ")));
        assert!(q.compatible(&Token::new("số")));
        let q = Token::new("sổ");
        assert!(q.compatible(&Token::new("sổ")));
        assert!(!q.compatible(&Token::new("sơ")));
        // Tone slips and a missing stroke on đ are forgiven.
        assert!(Token::new("đõ").compatible(&Token::new("đỏ")));
        assert!(Token::new("dăng").compatible(&Token::new("đăng")));
        assert!(!Token::new("đồ").compatible(&Token::new("đỏ")));
    }

    #[test]
    fn when_letters_have_diacritics_the_table_should_agree_with_full_normalisation() {
        for word in [
            "đăng",
            "ký",
            "thường",
            "trú",
            "hoà",
            "Ỷ",
            "nghiêng",
            "quyển",
            "gỡ",
            "ặ",
        ] {
            let w = normalize(word);
            let t = Token::new(&w);
            assert_eq!(t.folded, canonical_i(fold(&w)), "{word}");
            assert_eq!(t.toned, canonical_i(toned(&w)), "{word}");
        }
    }

    #[test]
    fn plain_latin_letters_should_be_nfc_stable_lowercase_stable_and_alphabetic() {
        for u in (0x20..=0x7Eu32).chain(0xC0..=0x24F).chain(0x1E00..=0x1EFF) {
            let c = char::from_u32(u).unwrap();
            if !is_plain_latin(c) {
                continue;
            }
            let s: String = c.to_string();
            assert_eq!(
                s.nfc().collect::<String>(),
                s,
                "U+{u:04X} changes under NFC"
            );
            let lower: String = c.to_lowercase().collect();
            assert_eq!(
                lower.nfc().collect::<String>(),
                lower,
                "U+{u:04X} lower-cases to non-NFC"
            );
            if !c.is_ascii() {
                assert!(c.is_alphabetic(), "U+{u:04X} is not a letter");
            }
        }
    }

    proptest! {
        #[test]
        fn token_spellings_match_full_normalisation(s in "[a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]{1,7}") {
            let w = normalize(&s);
            let t = Token::new(&w);
            prop_assert_eq!(t.folded, canonical_i(fold(&w)));
            prop_assert_eq!(t.toned, canonical_i(toned(&w)));
        }

        #[test]
        fn nfc_and_nfd_spellings_tokenize_identically(s in "\\PC{0,40}") {
            let nfd: String = s.nfd().collect();
            let nfc: String = s.nfc().collect();
            prop_assert_eq!(tokens(&nfd), tokens(&nfc));
        }

        #[test]
        fn normalize_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }
    }
}
