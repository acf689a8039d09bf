//! `thanh_phan_ho_so`: one or more tables "Tên giấy tờ | Mẫu đơn, tờ khai |
//! Số lượng", each flattened after its case heading:
//!
//! ```text
//! --Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị…Mẫu số 05.docx1 bản chínhBản sao…0 bản chính,1 bản sao
//! (ii) Khai quyết toán…:Tên giấy tờMẫu đơn, tờ khaiSố lượng…
//! ```
//!
//! A row ends with its quantity, "N bản chính" or "N bản chính,M bản
//! sao", glued to the next row's name. Text between the last quantity of
//! one table and the next table's header is that table's case heading.

use super::tidy::{self, char_at, char_before};
use super::{Ctx, Problem};
use crate::catalogue::model::{Document, DocumentGroup, Quantity};

const FIELD: &str = "thanh_phan_ho_so";
const HEADER: &str = "Tên giấy tờMẫu đơn, tờ khaiSố lượng";
const ORIGINALS: &str = " bản chính";
const COPIES: &str = " bản sao";

pub(super) fn parse(text: &str, cx: &mut Ctx) -> Vec<DocumentGroup> {
    if is_no_case(text) {
        cx.note(FIELD, Problem::Empty);
        return Vec::new();
    }
    if !text.contains(HEADER) {
        cx.keep_raw(FIELD, text, Problem::TableHeaderMissing);
        return Vec::new();
    }
    let mut parts = text.split(HEADER);
    let mut heading = parts.next().unwrap_or_default();
    let mut groups = Vec::new();
    let mut parts = parts.peekable();
    while let Some(part) = parts.next() {
        let (documents, trailing) = rows(part, cx);
        if documents.is_empty() {
            // A header with no row under it: its heading and text would be
            // lost otherwise.
            let lost = format!("{heading}\n{}", &part[..part.len() - trailing.len()]);
            if !is_no_case(&lost) {
                cx.keep_raw(FIELD, &lost, Problem::DocumentsKeptRaw);
            }
        } else {
            groups.push(DocumentGroup {
                case: case_heading(heading),
                documents,
            });
        }
        if parts.peek().is_some() {
            heading = trailing;
        } else if !trailing.trim().is_empty() {
            cx.keep_raw(FIELD, trailing, Problem::DocumentsKeptRaw);
        }
    }
    groups
}

/// The portal prints "--" (sometimes a longer run of dashes) for "no
/// particular case".
fn is_no_case(s: &str) -> bool {
    s.chars().all(|c| c == '-' || c.is_whitespace())
}

fn case_heading(s: &str) -> String {
    if is_no_case(s) {
        String::new()
    } else {
        tidy::block(s)
    }
}

/// One quantity cell found in a table's text.
#[derive(Debug, Clone, Copy)]
struct QuantityCell {
    /// Where the document's name ends (the quantity's digits start).
    name_end: usize,
    /// Where the next row starts.
    end: usize,
    quantity: Quantity,
    /// The digit run before " bản chính" was longer than one digit and all
    /// but the last were left to the name.
    split: bool,
}

/// The rows of one table and the text after its last row.
fn rows<'a>(part: &'a str, cx: &mut Ctx) -> (Vec<Document>, &'a str) {
    let cells = quantity_cells(part);
    let mut documents = Vec::with_capacity(cells.len());
    let mut prev = 0;
    for q in cells {
        if q.name_end < prev {
            continue;
        }
        if q.split {
            cx.note(FIELD, Problem::QuantityDigitsSplit);
        }
        let segment = &part[prev..q.name_end];
        prev = q.end;
        let (name, forms) = match split_forms(segment) {
            Some(split) => split,
            None => {
                cx.keep_raw(FIELD, segment, Problem::FormBoundaryUnclear);
                (segment, Vec::new())
            }
        };
        let name = tidy::line(name);
        if name.is_empty() && forms.is_empty() {
            cx.keep_raw(FIELD, &part[q.name_end..q.end], Problem::DocumentsKeptRaw);
            continue;
        }
        documents.push(Document {
            name,
            forms: forms.into_iter().map(tidy::line).collect(),
            quantity: Some(q.quantity),
        });
    }
    (documents, &part[prev..])
}

/// Every quantity cell of a table, in order.
///
/// The cell's count is glued to the name before it, so "…ngày
/// 28/8/20201 bản chính" is the name "…28/8/2020" and one original: a
/// dossier never asks for ten or more originals, so only the last digit is
/// the count. A "N bản chính" inside a name is followed by a space or
/// punctuation, or by the real quantity cell ("…: 01 bản chính1 bản
/// chính"), and is left to the name.
fn quantity_cells(part: &str) -> Vec<QuantityCell> {
    let mut out = Vec::new();
    for (j, _) in part.match_indices(ORIGINALS) {
        let digits_start = j - part[..j]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits_start == j {
            continue;
        }
        let mut end = j + ORIGINALS.len();
        let mut copies = 0;
        if let Some((n, len)) = part[end..]
            .strip_prefix(',')
            .and_then(|r| count_then(r, COPIES))
        {
            copies = n;
            end += 1 + len;
        }
        let rest = &part[end..];
        let glued_to_next = match rest.chars().next() {
            None => true,
            Some(c) => !(c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | ')')),
        };
        if !glued_to_next || count_then(rest, ORIGINALS).is_some() {
            continue;
        }
        let split = j - digits_start > 1;
        let count_start = if split { j - 1 } else { digits_start };
        let originals = part[count_start..j].parse().unwrap_or(0);
        out.push(QuantityCell {
            name_end: count_start,
            end,
            quantity: Quantity { originals, copies },
            split,
        });
    }
    out
}

/// "<digits><suffix>" at the start of `s`: the number and the length.
fn count_then(s: &str, suffix: &str) -> Option<(u32, usize)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || !s[n..].starts_with(suffix) {
        return None;
    }
    Some((s[..n].parse().ok()?, n + suffix.len()))
}

/// File extensions of the portal's form templates; longer spellings first
/// so ".docx" is not read as ".doc".
const EXTENSIONS: [&str; 7] = [".docx", ".doc", ".xlsx", ".xls", ".pdf", ".rar", ".zip"];

/// Start and end of every form-file extension in `s`.
fn extensions(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, _) in s.match_indices('.') {
        let rest = &s[i..];
        let Some(ext) = EXTENSIONS.iter().find(|e| {
            rest.get(..e.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(e))
        }) else {
            continue;
        };
        let end = i + ext.len();
        // ".document", ".pdfs": a word, not an extension.
        if char_at(s, end).is_some_and(|c| c.is_ascii_lowercase()) {
            continue;
        }
        out.push((i, end));
    }
    out
}

/// How far before the first extension a form's file name may start, in
/// characters: the portal's file names run up to about 70.
const MAX_FORM_NAME: usize = 100;

/// Splits a name cell into the document's name and its form file names
/// ("Đơn đề nghị… (Mẫu số 05).Mẫu số 05.docx" → "Đơn đề nghị… (Mẫu số
/// 05).", ["Mẫu số 05.docx"]). `None` when the cell ends in a file name
/// but where that name starts cannot be told.
fn split_forms(segment: &str) -> Option<(&str, Vec<&str>)> {
    let exts = extensions(segment);
    let trimmed_end = segment.trim_end().len();
    if exts.last().is_none_or(|&(_, e)| e != trimmed_end) {
        return Some((segment, Vec::new()));
    }
    let first = exts.first()?.0;
    let start = form_start(&segment[..first])?;
    let mut forms = Vec::new();
    let mut cur = start;
    for &(s, e) in &exts {
        if s < cur {
            continue;
        }
        let form = segment[cur..e].trim();
        if !form.is_empty() {
            forms.push(form);
        }
        cur = e;
    }
    Some((&segment[..start], forms))
}

/// Where the first form's file name starts in `head` (the text before the
/// first extension): the first place within [`MAX_FORM_NAME`] characters of
/// the extension where one word is glued to the next the way only the
/// flattening glues them, e.g. "…(Mẫu số 05).Mẫu", "…trên cạnMẫu",
/// "…NĐ-CPMau", "…(mẫu NA17)101-Mau".
fn form_start(head: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = head.char_indices().collect();
    let n = chars.len();
    let from = n.saturating_sub(MAX_FORM_NAME).max(1);
    (from..n)
        .find_map(|k| {
            let (i, b) = chars[k];
            let a = chars[k - 1].1;
            let p = if k >= 2 { chars[k - 2].1 } else { ' ' };
            let next = chars.get(k + 1).map_or('.', |c| c.1);
            let glued = if b.is_uppercase() {
                a.is_lowercase()
                    || matches!(a, ';' | ':' | ')' | ']' | '”' | '"' | '.')
                    || (a.is_ascii_digit() && next.is_lowercase())
                    || (a.is_uppercase() && p.is_uppercase() && next.is_lowercase())
            } else if b.is_lowercase() {
                matches!(a, ';' | ')') || (a == '.' && p.is_alphabetic())
            } else if b.is_ascii_digit() {
                matches!(a, ')' | ';' | ':')
                    || (a == '.' && !p.is_ascii_digit())
                    || a.is_lowercase()
            } else {
                false
            };
            glued.then_some(i)
        })
        .filter(|&i| char_before(head, i).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> (Vec<DocumentGroup>, Ctx) {
        let mut cx = Ctx::default();
        (parse(s, &mut cx), cx)
    }

    #[test]
    fn when_name_ends_with_a_sentence_and_a_form_should_split_at_the_glue() {
        assert_eq!(
            split_forms("Đơn đề nghị theo Mẫu số 05 (điểm b mục 3.1).Mẫu số 05.docx"),
            Some((
                "Đơn đề nghị theo Mẫu số 05 (điểm b mục 3.1).",
                vec!["Mẫu số 05.docx"]
            ))
        );
        assert_eq!(
            split_forms("Tờ trình (theo mẫu)PHỤ LỤC SỐ 01- chấp thuận.docxPHỤ LỤC SỐ 02.docx"),
            Some((
                "Tờ trình (theo mẫu)",
                vec!["PHỤ LỤC SỐ 01- chấp thuận.docx", "PHỤ LỤC SỐ 02.docx"]
            ))
        );
        assert_eq!(
            split_forms("Phiếu khai báo (mẫu NA17)101-Mau A17 tam tru.doc"),
            Some(("Phiếu khai báo (mẫu NA17)", vec!["101-Mau A17 tam tru.doc"]))
        );
        assert_eq!(
            split_forms("Giấy tờ không có mẫu"),
            Some(("Giấy tờ không có mẫu", vec![]))
        );
    }

    #[test]
    fn when_form_name_is_glued_without_any_sign_should_refuse_to_split() {
        assert_eq!(
            split_forms("Báo cáo kết quả khảo nghiệm thức ăn chăn nuôibáo cáo.pdf"),
            None
        );
    }

    #[test]
    fn when_quantity_is_glued_to_a_year_should_take_the_last_digit() {
        let (g, cx) = parse_str(
            "--Tên giấy tờMẫu đơn, tờ khaiSố lượngBản kê theo Nghị định 100/2020/NĐ-CP ngày 28/8/20202 bản chính",
        );
        assert_eq!(
            g[0].documents[0].name,
            "Bản kê theo Nghị định 100/2020/NĐ-CP ngày 28/8/2020"
        );
        assert_eq!(
            g[0].documents[0].quantity,
            Some(Quantity {
                originals: 2,
                copies: 0
            })
        );
        assert!(
            cx.notes
                .iter()
                .any(|n| n.problem == Problem::QuantityDigitsSplit)
        );
    }

    #[test]
    fn when_name_mentions_a_quantity_should_keep_it_in_the_name() {
        let (g, _) = parse_str(
            "--Tên giấy tờMẫu đơn, tờ khaiSố lượngVăn bản đề nghị: 01 bản chính1 bản chính+ Giấy ủy quyền: 01 bản chính có xác nhận;1 bản chính,1 bản sao",
        );
        let d = &g[0].documents;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "Văn bản đề nghị: 01 bản chính");
        assert_eq!(d[1].name, "+ Giấy ủy quyền: 01 bản chính có xác nhận;");
        assert_eq!(
            d[1].quantity,
            Some(Quantity {
                originals: 1,
                copies: 1
            })
        );
    }

    #[test]
    fn when_text_follows_the_last_table_should_keep_it_raw() {
        let (g, cx) =
            parse_str("--Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn1 bản chínhGhi chú: nộp tại Sở");
        assert_eq!(g[0].documents.len(), 1);
        assert_eq!(cx.raw[0].text, "Ghi chú: nộp tại Sở");
        assert_eq!(cx.notes[0].problem, Problem::DocumentsKeptRaw);
    }
}
