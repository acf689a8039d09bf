//! `ket_qua_xu_ly`: the result names, each followed by the portal's result
//! code, then the rest of the page the scrape swept up:
//!
//! ```text
//! Giấy chứng nhận…Mã: KQ.G17.000321Văn bản từ chốiMã: KQ.G17.000322Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phố…Nộp hồ sơ
//! ```

use super::tidy::{self, char_at};
use super::{Ctx, Problem};

const FIELD: &str = "ket_qua_xu_ly";
const CODE: &str = "Mã:";
const KEYWORDS: &str = "Từ khóa";
const DESCRIPTION: &str = "Mô tả";
/// Where the page's "choose an agency and submit" widget starts.
const WIDGET: &str = "Chọn cơ quan thực hiện";
const UNDECIDED_CODE: &str = "Chưa xác định";

pub(super) fn parse(text: &str, cx: &mut Ctx) -> Vec<String> {
    let mut noise = false;
    let cut = [KEYWORDS, WIDGET]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let (head, tail) = text.split_at(cut);
    if !tail.trim().is_empty() {
        noise = true;
        extra_blocks(tail, cx);
    }

    let mut names: Vec<String> = Vec::new();
    let mut pieces = head.split(CODE);
    let mut push = |s: &str| {
        let name = tidy::line(s);
        if !name.is_empty() && !tidy::is_no_info(&name) && !names.contains(&name) {
            names.push(name);
        }
    };
    if let Some(first) = pieces.next() {
        push(first);
    }
    for piece in pieces {
        noise = true;
        push(&piece[code_len(piece)..]);
    }
    if noise {
        cx.note(FIELD, Problem::ResultNoiseStripped);
    }
    names
}

/// The keywords and description the page shows under the results are
/// usually "Không có thông tin"; when they say something it is kept raw.
fn extra_blocks(tail: &str, cx: &mut Ctx) {
    let Some(rest) = tail.strip_prefix(KEYWORDS) else {
        return;
    };
    let widget = rest.find(WIDGET).unwrap_or(rest.len());
    let rest = &rest[..widget];
    let (keywords, description) = match rest.find(DESCRIPTION) {
        Some(i) => (&rest[..i], &rest[i + DESCRIPTION.len()..]),
        None => (rest, ""),
    };
    for (label, value) in [(KEYWORDS, keywords), (DESCRIPTION, description)] {
        if !value.trim().is_empty() && !tidy::is_no_info(value) {
            cx.keep_raw(
                FIELD,
                &format!("{label}: {}", value.trim()),
                Problem::ResultExtraKeptRaw,
            );
        }
    }
}

/// Length of the result code at the start of `piece`, which runs straight
/// into the next result's name: "KQ.G19.000314Văn bản…", "adjfsbjTừ…",
/// "000.00.00.G04-KQ3337", "Chưa xác định".
fn code_len(piece: &str) -> usize {
    let lead = piece.len() - piece.trim_start().len();
    let s = &piece[lead..];
    if s.starts_with(UNDECIDED_CODE) {
        return lead + UNDECIDED_CODE.len();
    }
    let mut end = 0;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let code_char = c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        // A capital followed by a small letter starts the next name; so
        // does a letter right after the code's closing digits.
        let starts_name = (c.is_uppercase()
            && char_at(s, i + c.len_utf8()).is_some_and(char::is_lowercase))
            || (c.is_alphabetic()
                && prev.is_some_and(|p| p.is_ascii_digit())
                && i > 0
                && !c.is_ascii_uppercase());
        if !code_char || starts_name {
            break;
        }
        end = i + c.len_utf8();
        prev = Some(c);
    }
    lead + end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_code_runs_into_the_next_name_should_cut_at_the_capital() {
        assert_eq!(code_len(" KQ.G19.000314Văn bản"), 14);
        assert_eq!(code_len("adjfsbjTừ khóa"), 7);
        assert_eq!(code_len("000.00.00.G04-KQ3337"), 20);
        assert_eq!(code_len(" Chưa xác địnhTừ"), 1 + UNDECIDED_CODE.len());
        assert_eq!(code_len("KQ.G10.000123văn bản"), 13);
    }

    #[test]
    fn when_two_results_have_codes_should_keep_both_names() {
        let mut cx = Ctx::default();
        let r = parse(
            "Văn bản chấp thuậnMã: KQ.G19.000314Văn bản không chấp thuậnMã: KQ.G19.000406Từ khóaKhông có thông tinMô tảKhông có thông tin",
            &mut cx,
        );
        assert_eq!(r, ["Văn bản chấp thuận", "Văn bản không chấp thuận"]);
        assert!(cx.raw.is_empty());
    }

    #[test]
    fn when_description_says_something_should_keep_it_raw() {
        let mut cx = Ctx::default();
        let r = parse(
            "Quyết định công nhậnMã: KQ.G10.000033Từ khóaKhông có thông tinMô tả- Thời hạn: 5 năm.Chọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ",
            &mut cx,
        );
        assert_eq!(r, ["Quyết định công nhận"]);
        assert_eq!(cx.raw[0].text, "Mô tả: - Thời hạn: 5 năm.");
    }
}
