//! Text clean-up shared by every field: the portal mixes NFC and NFD (even
//! inside one word), pastes Word bullets from the private-use area and
//! separates words with tabs and no-break spaces.

use unicode_normalization::{UnicodeNormalization, is_nfc};

/// One source field after [`prepare`]: NFC, invisible characters gone,
/// every whitespace character but the line break turned into a space.
/// Runs of spaces are left alone so byte positions keep their meaning for
/// the parsers; [`line`] and [`block`] tidy the pieces they cut out.
#[derive(Debug)]
pub(super) struct Prepared {
    pub text: String,
    /// The source was not NFC (some or all of it decomposed).
    pub was_nfd: bool,
    /// Zero-width, bidi or private-use characters were dropped.
    pub had_invisible: bool,
}

/// Characters that carry nothing a reader could see: zero-width spaces and
/// joiners, bidi marks, the BOM, soft hyphens, and the private-use area
/// where Word's symbol-font bullets (U+F0FC, U+F0A7…) end up.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{E000}'..='\u{F8FF}')
}

pub(super) fn prepare(raw: &str) -> Prepared {
    let was_nfd = !is_nfc(raw);
    let mut had_invisible = false;
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.nfc().peekable();
    while let Some(c) = chars.next() {
        if is_invisible(c) {
            had_invisible = true;
            continue;
        }
        match c {
            '\r' => {
                // A lone CR is a line break too; CR LF is one break.
                if chars.peek() != Some(&'\n') {
                    text.push('\n');
                }
            }
            '\n' => text.push('\n'),
            c if c.is_whitespace() || c.is_control() => text.push(' '),
            c => text.push(c),
        }
    }
    Prepared {
        text,
        was_nfd,
        had_invisible,
    }
}

/// One line: every run of whitespace (line breaks included) becomes one
/// space; trimmed.
pub(super) fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Paragraphs kept: each line tidied as by [`line`], empty lines dropped,
/// lines joined by a single `\n`.
pub(super) fn block(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for l in s.lines() {
        let l = line(l);
        if l.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&l);
    }
    out
}

/// The portal's placeholder for a field it has no value for.
pub(super) const NO_INFO: &str = "Không có thông tin";

pub(super) fn is_no_info(s: &str) -> bool {
    let l = line(s);
    let l = l.trim_end_matches('.');
    l.to_lowercase() == NO_INFO.to_lowercase()
}

/// Splits a comma-separated list the way the portal writes it: commas
/// inside parentheses do not split ("Tổ chức (không bao gồm doanh nghiệp,
/// HTX)"), and a piece starting in lower case continues the previous item
/// ("Cán bộ, công chức, viên chức" is one category; "Ủy ban nhân dân xã,
/// phường, thị trấn" one agency). Duplicates are dropped, order kept.
pub(super) fn split_list(s: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            ',' | ';' | '\n' if depth == 0 => {
                pieces.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(&s[start..]);

    let mut items: Vec<String> = Vec::new();
    for piece in pieces {
        let piece = line(piece);
        if piece.is_empty() {
            continue;
        }
        let continues = piece.chars().next().is_some_and(char::is_lowercase);
        match items.last_mut() {
            Some(last) if continues => {
                last.push_str(", ");
                last.push_str(&piece);
            }
            _ => items.push(piece),
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let item = item.trim_end_matches(['.', ' ']).to_owned();
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The character just before byte `i`, if any.
pub(super) fn char_before(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

/// The character at byte `i`, if any.
pub(super) fn char_at(s: &str, i: usize) -> Option<char> {
    s[i..].chars().next()
}

/// End of the run of ASCII digits starting at byte `i`.
pub(super) fn digits_end(s: &str, i: usize) -> usize {
    i + s[i..].bytes().take_while(u8::is_ascii_digit).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_word_mixes_nfc_and_nfd_should_come_out_nfc() {
        // "Thủ tục" with the first syllable decomposed and the second not.
        let mixed = "Thu\u{309} tục";
        let p = prepare(mixed);
        assert!(p.was_nfd);
        assert_eq!(p.text, "Thủ tục");
        assert!(is_nfc(&p.text));
    }

    #[test]
    fn when_text_has_word_bullets_and_nbsp_should_drop_and_space_them() {
        let p = prepare("\u{F0FC}\u{A0}Giấy\tphép\u{200E}\r\nhai");
        assert!(p.had_invisible);
        assert_eq!(p.text, " Giấy phép\nhai");
        assert_eq!(line(&p.text), "Giấy phép hai");
        assert_eq!(block(" a  b \n\n\n c "), "a b\nc");
    }

    #[test]
    fn when_list_has_commas_inside_parentheses_or_lowercase_tails_should_keep_items_whole() {
        assert_eq!(
            split_list(
                "Tổ chức (không bao gồm doanh nghiệp, HTX), Cán bộ, công chức, viên chức, Doanh nghiệp"
            ),
            [
                "Tổ chức (không bao gồm doanh nghiệp, HTX)",
                "Cán bộ, công chức, viên chức",
                "Doanh nghiệp"
            ]
        );
        assert_eq!(
            split_list("Ủy ban nhân dân xã, phường, thị trấn., Bộ Công an, Bộ Công an"),
            ["Ủy ban nhân dân xã, phường, thị trấn", "Bộ Công an"]
        );
    }

    #[test]
    fn when_placeholder_has_any_case_or_spacing_should_count_as_no_info() {
        assert!(is_no_info(" Không có  thông tin "));
        assert!(is_no_info("không có thông tin."));
        assert!(!is_no_info("Không"));
    }
}
