//! Dossier codes (mã hồ sơ) as fixed by Thông tư 01/2018/TT-VPCP, Điều 19:
//! `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX` — receiving agency, receipt date,
//! daily sequence; e.g. `000.00.04.H51-200221-0001`.
//!
//! Citizens type them with spaces, lower case, missing or extra separators
//! and full-width digits: [`DossierCode::find_in`] recognises all of these
//! inside free text and canonicalises to ASCII. A code written with
//! look-alike letters (Cyrillic Н for H) is refused, never matched to
//! someone else's dossier.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A canonical dossier code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DossierCode(String);

/// What looking for a code in a message found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Code(DossierCode),
    /// Something shaped like a code but written with characters that only
    /// look like the right ones: refused.
    LookAlike,
    None,
}

/// Characters citizens put between the parts of a code.
fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '_' | '/' | ' ' | ',' | '·' | '–' | '—')
}

/// Full-width ASCII to ASCII.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A letter that is not ASCII but looks like an ASCII letter or digit
/// (Cyrillic and Greek capitals and lower case, a few Latin variants).
fn is_look_alike(c: char) -> bool {
    matches!(
        c,
        'А' | 'В'
            | 'Е'
            | 'К'
            | 'М'
            | 'Н'
            | 'О'
            | 'Р'
            | 'С'
            | 'Т'
            | 'У'
            | 'Х'
            | 'а'
            | 'е'
            | 'о'
            | 'р'
            | 'с'
            | 'у'
            | 'х'
            | 'һ'
            | 'Һ'
            | 'Α'
            | 'Β'
            | 'Ε'
            | 'Ζ'
            | 'Η'
            | 'Ι'
            | 'Κ'
            | 'Μ'
            | 'Ν'
            | 'Ο'
            | 'Ρ'
            | 'Τ'
            | 'Υ'
            | 'Χ'
            | 'ο'
            | 'ι'
            | 'ν'
            | 'Ӏ'
            | 'ӏ'
            | 'ℍ'
            | 'ℋ'
            | 'ℌ'
    )
}

impl DossierCode {
    /// Parses one code written on its own (separators optional).
    pub fn parse(s: &str) -> Option<Self> {
        match Self::find_in(s) {
            Found::Code(c) if c.0.len() == 25 => Some(c),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The receipt date as (year, month, day), from YYMMDD.
    pub fn receipt_date(&self) -> (i32, u32, u32) {
        let d = &self.0[14..20];
        let n = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(0);
        (2000 + n(0..2) as i32, n(2..4), n(4..6))
    }

    /// The first code in `text`, canonical. Looks at every run of digits,
    /// letters and separators: a run whose characters (separators left out)
    /// read as 7 digits, a letter, 12 digits is a code.
    pub fn find_in(text: &str) -> Found {
        let chars: Vec<char> = text.chars().map(narrow).collect();
        let mut look_alike = false;
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            // A candidate starts at a digit not preceded by a letter or digit.
            if i > 0 && (chars[i - 1].is_alphanumeric()) {
                i += 1;
                continue;
            }
            let mut compact = String::new();
            let mut j = i;
            let mut foreign = false;
            while j < chars.len() && compact.len() < 20 {
                let c = chars[j];
                if c.is_ascii_alphanumeric() {
                    compact.push(c.to_ascii_uppercase());
                } else if is_look_alike(c) || (c.is_alphabetic() && !c.is_ascii()) {
                    foreign = true;
                    compact.push('?');
                } else if !is_separator(c) {
                    break;
                }
                j += 1;
            }
            // The code must end at a word boundary.
            let ends = chars.get(j).is_none_or(|c| !c.is_alphanumeric());
            if compact.len() == 20 && ends && shape_ok(&compact) {
                if foreign {
                    look_alike = true;
                } else {
                    return Found::Code(Self(format!(
                        "{}.{}.{}.{}-{}-{}",
                        &compact[0..3],
                        &compact[3..5],
                        &compact[5..7],
                        &compact[7..10],
                        &compact[10..16],
                        &compact[16..20]
                    )));
                }
            }
            i = j.max(i + 1);
        }
        if look_alike {
            Found::LookAlike
        } else {
            Found::None
        }
    }
}

/// 7 digits, a letter (or a refused look-alike), 12 digits, and a plausible
/// receipt date.
fn shape_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..7) && (b[7].is_ascii_uppercase() || b[7] == b'?') && digits(8..20)) {
        return false;
    }
    let month: u32 = c[12..14].parse().unwrap_or(0);
    let day: u32 = c[14..16].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

impl TryFrom<String> for DossierCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        // The text is not repeated: errors reach logs, codes must not.
        Self::parse(&s).ok_or_else(|| "not a dossier code".to_owned())
    }
}

impl From<DossierCode> for String {
    fn from(c: DossierCode) -> String {
        c.0
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Found {
        DossierCode::find_in(s)
    }

    fn canonical(s: &str) -> Found {
        Found::Code(DossierCode(s.into()))
    }

    #[test]
    fn when_code_is_inside_free_text_should_find_it() {
        assert_eq!(
            code("tra cứu hồ sơ 000.00.17.H17-251104-0012 giúp mình"),
            canonical("000.00.17.H17-251104-0012")
        );
    }

    #[test]
    fn when_code_is_typed_loosely_should_canonicalise_it() {
        for s in [
            "000.00.04.h51-200221-0001",
            "000 00 04 H51 200221 0001",
            "0000004H512002210001",
            "000..00.04.H51--200221-0001",
            "０００.００.０４.Ｈ５１-２００２２１-０００１",
        ] {
            assert_eq!(code(s), canonical("000.00.04.H51-200221-0001"), "{s}");
        }
    }

    #[test]
    fn when_code_uses_look_alike_letters_should_refuse_it() {
        assert_eq!(code("000.00.04.Н51-200221-0001"), Found::LookAlike);
        assert_eq!(code("000.00.04.Η51-200221-0001"), Found::LookAlike);
    }

    #[test]
    fn when_numbers_only_resemble_a_code_should_find_nothing() {
        for s in [
            "0905123456",
            "000.00.04.H51-201321-0001",
            "000.00.04.H51-200221-00012",
            "x000.00.04.H51-200221-0001",
        ] {
            assert_eq!(code(s), Found::None, "{s}");
        }
    }

    #[test]
    fn receipt_date_should_come_from_the_code() {
        let c = DossierCode::parse("000.00.04.H51-200221-0001").unwrap();
        assert_eq!(c.receipt_date(), (2020, 2, 21));
    }
}
