//! `can_cu_phap_ly`: the table "Tên văn bản pháp lý | Mã văn bản" flattened:
//!
//! ```text
//! Tên văn bản pháp lýMã văn bảnLuật 54/2014/QH1354/2014/QH13Thông tư 12/2015/TT-BTC12/2015/TT-BTCSửa đổi…22/2019/TT-BTC
//! ```
//!
//! A row ends with its number ("54/2014/QH13", "118/2025/NĐ-CP") glued to
//! the next row's title, or at the end of the text. A number inside a
//! title is followed by a space or punctuation ("Thông tư số 12/2015/TT-BTC
//! ngày…"), or directly by the number cell repeating it.

use super::tidy::{self, char_at, char_before, digits_end};
use super::{Ctx, Problem};
use crate::catalogue::model::LegalDoc;

const FIELD: &str = "can_cu_phap_ly";
const HEADER: &str = "Tên văn bản pháp lýMã văn bản";

/// The next label of the portal page, when the scrape ran past the table.
const NEXT_SECTION: &str = "Cơ quan thực hiện";

pub(super) fn parse(text: &str, cx: &mut Ctx) -> Vec<LegalDoc> {
    let Some(body) = text.trim_start().strip_prefix(HEADER) else {
        cx.keep_raw(FIELD, text, Problem::TableHeaderMissing);
        return Vec::new();
    };
    let body = match body.find(NEXT_SECTION) {
        Some(i) => {
            cx.keep_raw(FIELD, &body[i..], Problem::PageTextKeptRaw);
            &body[..i]
        }
        None => body,
    };
    let numbers = numbers(body);
    let mut out: Vec<LegalDoc> = Vec::new();
    let mut row_start = 0;
    for (k, &(s, e)) in numbers.iter().enumerate() {
        if s < row_start || !ends_row(body, e, numbers.get(k + 1).map(|n| n.0)) {
            continue;
        }
        let number = body[s..e].replace("- ", "-");
        let title = title(&body[row_start..s]);
        row_start = e;
        let doc = LegalDoc {
            title: if title.is_empty() {
                number.clone()
            } else {
                title
            },
            number,
        };
        if !out.contains(&doc) {
            out.push(doc);
        }
    }
    let rest = title(&body[row_start..]);
    if !rest.chars().any(char::is_alphabetic) {
        // The period closing the last title, or digits of a number the
        // grammar does not know: the latter kept raw.
        if rest.chars().any(|c| c.is_ascii_digit()) {
            cx.keep_raw(FIELD, &rest, Problem::LegalWithoutNumber);
        }
    } else {
        cx.note(FIELD, Problem::LegalWithoutNumber);
        out.push(LegalDoc {
            title: rest,
            number: String::new(),
        });
    }
    if out.is_empty() {
        cx.note(FIELD, Problem::Empty);
    }
    out
}

/// Whether the number ending at `end` ends its row.
fn ends_row(body: &str, end: usize, next_number: Option<usize>) -> bool {
    let rest = body[end..].trim();
    if rest.is_empty() || rest == "." {
        return true;
    }
    match char_at(body, end) {
        Some(c) if c.is_whitespace() || ",;:)]./".contains(c) => false,
        _ => next_number != Some(end),
    }
}

/// Start and end of every document number in `body`, left to right.
fn numbers(body: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut last_end = usize::MAX;
    while i < body.len() {
        let at_digit = body.as_bytes()[i].is_ascii_digit();
        // A number starts after a non-digit, or right where the previous
        // one ended ("QH1354/2014/QH13": two numbers back to back).
        let can_start = at_digit
            && (i == last_end || !char_before(body, i).is_some_and(|c| c.is_ascii_digit()));
        if can_start
            && let Some((start, e)) = number_at(body, i)
                .map(|e| (i, e))
                .or_else(|| after_year(body, i))
        {
            out.push((start, e));
            last_end = e;
            i = e;
            continue;
        }
        i += char_at(body, i).map_or(1, char::len_utf8);
    }
    out
}

/// A title ending in a year glued to the number cell ("Luật Khiếu nại năm
/// 201102/2011/QH13"): the number starts after the year.
fn after_year(body: &str, i: usize) -> Option<(usize, usize)> {
    let run = &body[i..digits_end(body, i)];
    let year: u32 = run.get(..4)?.parse().ok()?;
    if run.len() <= 4 || !(1945..=2099).contains(&year) {
        return None;
    }
    number_at(body, i + 4).map(|e| (i + 4, e))
}

/// A number at `i`: "NN/YYYY/SUFFIX" or "NN/SUFFIX", where SUFFIX is
/// capital groups joined by hyphens ("TT-BTC", "NĐ-CP", "QĐ-TTg",
/// "TTLT-BYT-BCT-BNNPTNT", "QH13"); or a bare "NN/YYYY" ending the text.
/// Returns the end.
fn number_at(body: &str, i: usize) -> Option<usize> {
    let d = digits_end(body, i);
    if d - i > 5 || body.as_bytes().get(d) != Some(&b'/') {
        return None;
    }
    let y = digits_end(body, d + 1);
    let year = y - (d + 1) == 4;
    if year && body[y..].trim().is_empty() {
        // "…của Bộ Xây dựng14/2026" closing the table: a number whose
        // issuer the portal left out.
        return Some(y);
    }
    let suffix_at = if year && body.as_bytes().get(y) == Some(&b'/') {
        y + 1
    } else if y == d + 1 {
        d + 1
    } else {
        return None;
    };
    suffix_end(body, suffix_at)
}

fn is_capital(c: char) -> bool {
    c.is_ascii_uppercase() || c == 'Đ'
}

/// Issuer codes that end a number. The flattening glues the next title
/// to the code ("NĐ-CPLuật…", "TT-BTCThông tư…"), so a run of capitals is
/// cut after the longest known code it starts with.
const ISSUERS: [&str; 40] = [
    "CP", "BTC", "BTP", "BCA", "NHNN", "BNNMT", "BGTVT", "BXD", "BNNPTNT", "BTNMT", "BKHĐT",
    "BHXH", "BLĐTBXH", "UBND", "HĐND", "BYT", "BKHCN", "VPCP", "BNV", "BVHTTDL", "BCT", "BQP",
    "VKSNDTC", "TANDTC", "BNG", "VPQH", "CTN", "HĐTP", "BTTTT", "BGDĐT", "KTNN", "QH", "UBTVQH",
    "TTLT", "VBHN", "BNN", "BKH", "BGD", "BCĐ", "NHCSXH",
];

/// End of the suffix starting at `i`, if there is one.
fn suffix_end(body: &str, i: usize) -> Option<usize> {
    let mut pos = i;
    loop {
        let run_end = pos
            + body[pos..]
                .chars()
                .take_while(|&c| is_capital(c))
                .map(char::len_utf8)
                .sum::<usize>();
        if run_end == pos {
            return (pos > i).then_some(pos);
        }
        let run = &body[pos..run_end];
        let mut end = run_end;
        if run.ends_with("QH") {
            // The legislature's term: "QH13", "UBTVQH15".
            let d = digits_end(body, end);
            end = d.min(end + 2);
        } else if run == "TT" && char_at(body, end) == Some('g') {
            // QĐ-TTg: the Prime Minister's decisions.
            end += 1;
        }
        // Groups are joined by hyphens, and by slashes in older numbers
        // ("191/2005/TTLT/BQP-BLĐTBXH-BTC"), now and then by a typo'd
        // underscore ("TT_BCA").
        // "NĐ- CP": a stray space after the hyphen is tolerated.
        let joiner = if body[end..].starts_with("- ") { 2 } else { 1 };
        let continues = body[end..].starts_with(['-', '/', '_'])
            && char_at(body, end + joiner).is_some_and(is_capital);
        if continues {
            pos = end + joiner;
            continue;
        }
        if end == run_end {
            end = pos + final_group_len(run, char_at(body, run_end));
        }
        return Some(end);
    }
}

/// How much of the last run of capitals belongs to the number.
fn final_group_len(run: &str, next: Option<char>) -> usize {
    if let Some(code) = ISSUERS
        .iter()
        .filter(|c| run.starts_with(*c))
        .max_by_key(|c| c.len())
    {
        return code.len();
    }
    // An unknown code glued to a capitalised word ("NĐ-CQuy định" with the
    // P lost): the last capital starts the word.
    let last = run.chars().next_back().map_or(0, char::len_utf8);
    if next.is_some_and(char::is_lowercase) && run.len() > last {
        run.len() - last
    } else {
        run.len()
    }
}

/// Document kinds that introduce a number in the number cell ("Luật số
/// 146/2025/QH15"); when glued to the title before, they belong to the
/// number, not to the title.
const KINDS: [&str; 11] = [
    "Thông tư liên tịch",
    "Thông tư",
    "Nghị định",
    "Nghị quyết",
    "Quyết định",
    "Pháp lệnh",
    "Chỉ thị",
    "Luật",
    "Luất",
    "LUẬT",
    "Lệnh",
];

fn title(s: &str) -> String {
    let t = s.trim_end();
    let t = t
        .strip_suffix(" số")
        .or_else(|| t.strip_suffix("số"))
        .map_or(t, str::trim_end);
    let cut = KINDS.iter().find_map(|k| {
        let start = t.len().checked_sub(k.len())?;
        let glued = t.ends_with(k)
            && start > 0
            && char_before(t, start).is_some_and(|c| !c.is_whitespace());
        glued.then_some(start)
    });
    let t = match cut {
        Some(start) => &t[..start],
        None => s,
    };
    tidy::line(t)
        .trim_end_matches([';', ',', ':', '-', ' '])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(body: &str) -> (Vec<LegalDoc>, Ctx) {
        let mut cx = Ctx::default();
        (parse(&format!("{HEADER}{body}"), &mut cx), cx)
    }

    fn pairs(d: &[LegalDoc]) -> Vec<(&str, &str)> {
        d.iter()
            .map(|d| (d.title.as_str(), d.number.as_str()))
            .collect()
    }

    #[test]
    fn when_title_repeats_the_number_should_split_once() {
        let (d, cx) = docs(
            "Luật 54/2014/QH1354/2014/QH13Thông tư 12/2015/TT-BTC12/2015/TT-BTCSửa đổi Thông tư số 12/2015/TT-BTC ngày 30 tháng 01 năm 2015 về hải quan22/2019/TT-BTC",
        );
        assert_eq!(
            pairs(&d),
            [
                ("Luật 54/2014/QH13", "54/2014/QH13"),
                ("Thông tư 12/2015/TT-BTC", "12/2015/TT-BTC"),
                (
                    "Sửa đổi Thông tư số 12/2015/TT-BTC ngày 30 tháng 01 năm 2015 về hải quan",
                    "22/2019/TT-BTC"
                ),
            ]
        );
        assert!(cx.notes.is_empty());
    }

    #[test]
    fn when_next_title_is_glued_to_the_issuer_should_cut_at_the_issuer() {
        let (d, _) = docs(
            "Về thủ tục hành chính118/2025/NĐ-CPLuật Quản lý thuế38/2019/QH14sửa đổi Thông tư 19/2021/TT-BTC46/2024/TT-BTCQuyết định của Thủ tướng12/2020/QĐ-TTgLuật Thú yLuật 79/2015/QH13",
        );
        assert_eq!(
            pairs(&d),
            [
                ("Về thủ tục hành chính", "118/2025/NĐ-CP"),
                ("Luật Quản lý thuế", "38/2019/QH14"),
                ("sửa đổi Thông tư 19/2021/TT-BTC", "46/2024/TT-BTC"),
                ("Quyết định của Thủ tướng", "12/2020/QĐ-TTg"),
                ("Luật Thú y", "79/2015/QH13"),
            ]
        );
    }

    #[test]
    fn when_number_is_truncated_should_not_eat_the_next_title() {
        let (d, _) =
            docs("Thực hiện thủ tục hành chính118/2025/NĐ-CQuy định về đất đai151/2025/NĐ-CP");
        assert_eq!(
            pairs(&d),
            [
                ("Thực hiện thủ tục hành chính", "118/2025/NĐ-C"),
                ("Quy định về đất đai", "151/2025/NĐ-CP"),
            ]
        );
    }

    #[test]
    fn when_number_has_slashes_or_no_issuer_at_the_end_should_still_split() {
        let (d, cx) = docs(
            "Hướng dẫn chế độ191/2005/TTLT/BQP-BLĐTBXH-BTCSửa đổi Nghị định của Bộ Xây dựng14/2026",
        );
        assert_eq!(
            pairs(&d),
            [
                ("Hướng dẫn chế độ", "191/2005/TTLT/BQP-BLĐTBXH-BTC"),
                ("Sửa đổi Nghị định của Bộ Xây dựng", "14/2026"),
            ]
        );
        assert!(cx.notes.is_empty());
    }

    #[test]
    fn when_title_has_no_number_should_keep_it_and_note() {
        let (d, cx) = docs("Luật Thú y 79/2015/QH13Luật Thú y 2015");
        assert_eq!(
            pairs(&d),
            [("Luật Thú y", "79/2015/QH13"), ("Luật Thú y 2015", "")]
        );
        assert_eq!(cx.notes[0].problem, Problem::LegalWithoutNumber);
    }

    #[test]
    fn when_page_text_follows_the_table_should_keep_it_raw() {
        let (d, cx) = docs(
            "Lệnh 21/2014/L-CTN21/2014/L-CTNNghị quyết 165/2024/NĐ- CP165/2024/NĐ- CPCơ quan thực hiệnTòa án nhân dân tối cao",
        );
        assert_eq!(
            pairs(&d),
            [
                ("Lệnh 21/2014/L-CTN", "21/2014/L-CTN"),
                ("Nghị quyết 165/2024/NĐ- CP", "165/2024/NĐ-CP")
            ]
        );
        assert_eq!(cx.raw[0].text, "Cơ quan thực hiệnTòa án nhân dân tối cao");
        assert_eq!(cx.notes[0].problem, Problem::PageTextKeptRaw);
    }

    #[test]
    fn when_title_ends_in_a_year_glued_to_the_number_should_split_after_the_year() {
        let (d, _) =
            docs("Luật Khiếu nại năm 201102/2011/QH13Nghị định 05/2012/NĐ-CP05/2012/NĐ-CP");
        assert_eq!(
            pairs(&d),
            [
                ("Luật Khiếu nại năm 2011", "02/2011/QH13"),
                ("Nghị định 05/2012/NĐ-CP", "05/2012/NĐ-CP")
            ]
        );
    }

    #[test]
    fn when_date_precedes_the_number_should_not_read_the_date_as_number() {
        let (d, _) = docs("Luật Đất đai ngày 18/01/2024;31/2024/QH15");
        assert_eq!(
            pairs(&d),
            [("Luật Đất đai ngày 18/01/2024", "31/2024/QH15")]
        );
    }
}
