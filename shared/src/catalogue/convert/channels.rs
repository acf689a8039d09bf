//! `cach_thuc_thuc_hien`: the table "Hình thức nộp | Thời gian | Phí, lệ phí
//! | Mô tả" flattened into one string:
//!
//! ```text
//! Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(…)Mô tả…Trực tiếp…
//! ```
//!
//! A row starts where a channel label is glued to the next cell (a digit
//! or a capital letter); a label inside a description is followed by a
//! space or a colon ("Trực tiếp: nộp hồ sơ tại…") and does not start a row.

use super::tidy::{self, NO_INFO, char_at, char_before, digits_end};
use super::{Ctx, Problem};
use crate::catalogue::model::{Channel, ChannelOption, Duration, DurationUnit, Fee};

const FIELD: &str = "cach_thuc_thuc_hien";
const HEADER: &str = "Hình thức nộpThời gianPhí, lệ phíMô tả";
const FREE: &str = "Miễn phí";

const LABELS: [(&str, Channel); 3] = [
    ("Trực tiếp", Channel::InPerson),
    ("Trực tuyến", Channel::Online),
    ("Dịch vụ bưu chính", Channel::Postal),
];

/// Longest first, so "Ngày làm việc" is not read as "Ngày".
const UNITS: [(&str, DurationUnit); 10] = [
    ("Ngày làm việc", DurationUnit::WorkingDay),
    ("ngày làm việc", DurationUnit::WorkingDay),
    ("Ngày", DurationUnit::Day),
    ("ngày", DurationUnit::Day),
    ("Giờ", DurationUnit::Hour),
    ("giờ", DurationUnit::Hour),
    ("Tháng", DurationUnit::Month),
    ("tháng", DurationUnit::Month),
    ("Năm", DurationUnit::Year),
    ("năm", DurationUnit::Year),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Currency {
    Dong,
    Foreign,
}

const CURRENCIES: [(&str, Currency); 7] = [
    ("Việt Nam Đồng", Currency::Dong),
    ("VNĐ", Currency::Dong),
    ("VND", Currency::Dong),
    ("Đồng", Currency::Dong),
    ("đồng", Currency::Dong),
    ("USD", Currency::Foreign),
    ("EUR", Currency::Foreign),
];

/// No Vietnamese fee is smaller: an amount under this was listed in
/// thousands ("135 VNĐ" for 135.000 đồng) or is really in dollars.
const SMALLEST_PLAUSIBLE_FEE: u64 = 1_000;

pub(super) fn parse(text: &str, cx: &mut Ctx) -> Vec<ChannelOption> {
    let Some(body) = text.trim_start().strip_prefix(HEADER) else {
        cx.keep_raw(FIELD, text, Problem::TableHeaderMissing);
        return Vec::new();
    };
    let starts = row_starts(body);
    let first = starts.first().map_or(body.len(), |s| s.0);
    if !body[..first].trim().is_empty() {
        cx.keep_raw(FIELD, &body[..first], Problem::ChannelTextKeptRaw);
    }
    if starts.is_empty() && body[..first].trim().is_empty() {
        cx.note(FIELD, Problem::Empty);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(start, channel, label_len)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(body.len(), |s| s.0);
        let row = &body[start..end];
        if let Some(opt) = parse_row(channel, row, label_len, cx) {
            out.push(opt);
        }
    }
    out
}

/// Byte offset, channel and label length of every row start.
fn row_starts(body: &str) -> Vec<(usize, Channel, usize)> {
    let mut out = Vec::new();
    for (i, _) in body.char_indices() {
        for (label, channel) in LABELS {
            if !body[i..].starts_with(label) {
                continue;
            }
            let glued = char_at(body, i + label.len())
                .is_some_and(|c| c.is_ascii_digit() || c.is_uppercase());
            if glued {
                out.push((i, channel, label.len()));
            }
        }
    }
    out
}

/// What the fee column held.
#[derive(Debug, Clone, Copy)]
enum FeeCell<'a> {
    Free,
    NoInfo,
    Missing,
    Amount {
        digits: &'a str,
        currency: Currency,
        /// The cell as written ("10,000 Việt Nam Đồng").
        verbatim: &'a str,
    },
    /// Time and fee glued with no unit between ("120 VNĐ").
    RunTogether {
        verbatim: &'a str,
    },
}

fn parse_row(channel: Channel, row: &str, label_len: usize, cx: &mut Ctx) -> Option<ChannelOption> {
    let cells = &row[label_len..];
    let (time, fee_at) = match parse_time(cells) {
        Some((TimeCell::Fixed(d), at)) => (d, at),
        Some((TimeCell::UnitMissing(amount), at)) => {
            cx.note(FIELD, Problem::TimeUnitMissing);
            (Duration::UnitMissing { amount }, at)
        }
        Some((TimeCell::Absent, at)) => {
            // A number glued to a currency is noted as run together below;
            // anything else means the row has no time.
            if amount_len(cells).is_none() {
                cx.note(FIELD, Problem::TimeUnknown);
            }
            (Duration::Unknown, at)
        }
        None => {
            // Words in the time column ("Không phải trả kết quả cho người
            // nộp thuế"): the fee cell is the first fee token after them.
            match find_fee_token(cells) {
                Some(k) => {
                    cx.keep_raw(FIELD, &row[..label_len + k], Problem::TimeKeptRaw);
                    (Duration::Unknown, k)
                }
                None => {
                    cx.keep_raw(FIELD, row, Problem::ChannelTextKeptRaw);
                    return None;
                }
            }
        }
    };

    let rest = &cells[fee_at..];
    let (cell, after_cell) = parse_fee_cell(rest);
    let cell = match cell {
        FeeCell::Amount { verbatim, .. } if fee_at == 0 => FeeCell::RunTogether { verbatim },
        c => c,
    };
    let (note, description, unbalanced) = split_note(after_cell);
    if unbalanced {
        cx.note(FIELD, Problem::FeeNoteUnbalanced);
    }
    // The row as the source wrote it up to the end of the fee's note: what
    // a fee kept as text is kept raw as.
    let fee_source = &row[..row.len() - description.len()];
    let note = tidy::block(note);
    let (fee, fee_note) = decide_fee(cell, note, fee_source, cx);

    Some(ChannelOption {
        channel,
        time,
        fee,
        description: tidy::block(description),
        fee_note,
    })
}

/// What the time column held.
#[derive(Debug, Clone, PartialEq)]
enum TimeCell {
    Fixed(Duration),
    UnitMissing(f64),
    /// "Không có thông tin", or nothing before the fee.
    Absent,
}

/// Reads the time cell at the start of the row's cells. Returns the time
/// and where the fee cell starts, or `None` when the time is words.
fn parse_time(cells: &str) -> Option<(TimeCell, usize)> {
    if cells.starts_with(NO_INFO) {
        return Some((TimeCell::Absent, NO_INFO.len()));
    }
    if starts_fee(cells) {
        return Some((TimeCell::Absent, 0));
    }
    let num_end = number_end(cells, 0);
    if num_end == 0 {
        return None;
    }
    let number = &cells[..num_end];
    let after = &cells[num_end..];
    let spaced = after.trim_start_matches(' ');
    let skipped = after.len() - spaced.len();
    if let Some((unit_len, unit)) = UNITS
        .iter()
        .find(|(u, _)| spaced.starts_with(u))
        .map(|(u, unit)| (u.len(), *unit))
    {
        let amount = parse_time_amount(number)?;
        return Some((
            TimeCell::Fixed(Duration::Fixed { amount, unit }),
            num_end + skipped + unit_len,
        ));
    }
    if after.starts_with(FREE) || after.starts_with(NO_INFO) {
        let amount = parse_time_amount(number)?;
        return Some((TimeCell::UnitMissing(amount), num_end));
    }
    None
}

/// "7", "0.5", "1,5".
fn parse_time_amount(s: &str) -> Option<f64> {
    if s.chars().filter(|c| matches!(c, '.' | ',')).count() > 1 {
        return None;
    }
    s.replace(',', ".").parse().ok()
}

/// End of a number starting at `i`: digits, possibly grouped or with a
/// decimal part by `.` or `,` ("1,025,000", "0.5"). `i` when no digit.
fn number_end(s: &str, i: usize) -> usize {
    let mut end = digits_end(s, i);
    if end == i {
        return i;
    }
    loop {
        let sep = s.as_bytes().get(end).copied();
        if matches!(sep, Some(b'.' | b',')) {
            let next = digits_end(s, end + 1);
            if next > end + 1 {
                end = next;
                continue;
            }
        }
        return end;
    }
}

fn currency_at(s: &str) -> Option<(usize, Currency)> {
    CURRENCIES
        .iter()
        .find(|(c, _)| s.starts_with(c))
        .map(|(c, cur)| (c.len(), *cur))
}

/// A fee cell starts here: "Miễn phí", the no-information placeholder, or
/// a number followed by a currency.
fn starts_fee(s: &str) -> bool {
    s.starts_with(FREE) || s.starts_with(NO_INFO) || amount_len(s).is_some()
}

/// Length of "<number>[ ]<currency>" at the start of `s`.
fn amount_len(s: &str) -> Option<usize> {
    let n = number_end(s, 0);
    if n == 0 {
        return None;
    }
    let spaced = s[n..].trim_start_matches(' ');
    let skipped = s.len() - n - spaced.len();
    currency_at(spaced).map(|(len, _)| n + skipped + len)
}

/// The first fee cell after some words, past the first character.
fn find_fee_token(cells: &str) -> Option<usize> {
    cells.char_indices().skip(1).map(|(i, _)| i).find(|&i| {
        let at_number_start = !char_before(cells, i).is_some_and(|c| c.is_ascii_digit());
        let s = &cells[i..];
        s.starts_with(FREE)
            || s.starts_with(NO_INFO)
            || (at_number_start && amount_len(s).is_some())
    })
}

/// The fee cell at the start of `rest` and what follows it.
fn parse_fee_cell(rest: &str) -> (FeeCell<'_>, &str) {
    if let Some(r) = rest.strip_prefix(FREE) {
        return (FeeCell::Free, r);
    }
    if let Some(r) = rest.strip_prefix(NO_INFO) {
        return (FeeCell::NoInfo, r);
    }
    if let Some(len) = amount_len(rest) {
        let n = number_end(rest, 0);
        let verbatim = &rest[..len];
        let spaced = rest[n..].trim_start_matches(' ');
        let Some((_, currency)) = currency_at(spaced) else {
            return (FeeCell::Missing, rest);
        };
        return (
            FeeCell::Amount {
                digits: &rest[..n],
                currency,
                verbatim,
            },
            &rest[len..],
        );
    }
    (FeeCell::Missing, rest)
}

/// Splits the fee's parenthesised note off what follows the fee cell.
/// Returns (note, description, unbalanced).
fn split_note(after: &str) -> (&str, &str, bool) {
    if !after.starts_with('(') {
        return ("", after, false);
    }
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (&after[1..i], &after[i + 1..], false);
                }
            }
            _ => {}
        }
    }
    (&after[1..], "", true)
}

/// Chooses the fee from the table cell and its note. The note wins when
/// they disagree, since the note is where the portal's editors write the
/// amount out in full; the cell is then kept raw. A note that states no
/// amount ("- Xe ô tô từ 10 chỗ trở lên", "Miễn phí đối với: người di cư
/// …") does not stand in for a cell that cannot be trusted: the fee is
/// then unknown and the note stays a note.
fn decide_fee(cell: FeeCell<'_>, note: String, source: &str, cx: &mut Ctx) -> (Fee, String) {
    let note_amounts = NoteAmounts::of(&note);
    let states_amount = !note_amounts.all.is_empty() || note_amounts.other;
    let as_text = |note: String, fallback: &str| {
        if note.is_empty() {
            (
                Fee::Text {
                    text: tidy::line(fallback),
                },
                String::new(),
            )
        } else if states_amount {
            (Fee::Text { text: note }, String::new())
        } else {
            (Fee::Unknown, note)
        }
    };
    match cell {
        FeeCell::Free if note_amounts.in_dong => {
            cx.keep_raw(FIELD, source, Problem::FeeFreeContradictsNote);
            as_text(note, FREE)
        }
        FeeCell::Free => (Fee::Free, note),
        FeeCell::NoInfo | FeeCell::Missing => {
            cx.note(FIELD, Problem::FeeUnknown);
            (Fee::Unknown, note)
        }
        FeeCell::RunTogether { verbatim } => {
            cx.keep_raw(FIELD, source, Problem::TimeFeeRunTogether);
            as_text(note, verbatim)
        }
        FeeCell::Amount {
            currency: Currency::Foreign,
            verbatim,
            ..
        } => {
            cx.note(FIELD, Problem::FeeForeignCurrency);
            (
                Fee::Text {
                    text: tidy::line(verbatim),
                },
                note,
            )
        }
        FeeCell::Amount {
            digits, verbatim, ..
        } => match parse_dong(digits) {
            None => {
                cx.keep_raw(FIELD, source, Problem::FeeUnreadable);
                as_text(note, verbatim)
            }
            Some(a) if a < SMALLEST_PLAUSIBLE_FEE => {
                cx.keep_raw(FIELD, source, Problem::FeeImplausibleAmount);
                as_text(note, verbatim)
            }
            Some(a) if note_amounts.in_dong && !note_amounts.all.contains(&a) => {
                cx.keep_raw(FIELD, source, Problem::FeeContradictsNote);
                as_text(note, verbatim)
            }
            Some(a) => (Fee::Amount { dong: vec![a] }, note),
        },
    }
}

/// "100,000" / "100.000" / "100000" → 100000. Groups after the first must
/// have three digits; one kind of separator only.
fn parse_dong(s: &str) -> Option<u64> {
    let has_comma = s.contains(',');
    let has_dot = s.contains('.');
    if has_comma && has_dot {
        return None;
    }
    let sep = if has_comma { ',' } else { '.' };
    let mut groups = s.split(sep);
    let first = groups.next()?;
    if first.is_empty() || ((has_comma || has_dot) && first.len() > 3) {
        return None;
    }
    let mut digits = first.to_owned();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        digits.push_str(g);
    }
    digits.parse().ok()
}

/// Amounts a fee note names.
#[derive(Debug, Default)]
struct NoteAmounts {
    /// Every grouped number ("160.000") and every number followed by a
    /// đồng marker: what the table's amount may agree with.
    all: Vec<u64>,
    /// Whether some number is followed by a đồng marker ("135.000 đồng",
    /// "20.000đ", "50.000 VNĐ"): the note states a price of its own.
    in_dong: bool,
    /// Whether some number is followed by a foreign currency ("50USD")
    /// or is a share of a rate ("Bằng 50% mức thu"): the note states the
    /// fee, though not in đồng.
    other: bool,
}

impl NoteAmounts {
    fn of(note: &str) -> Self {
        let mut out = Self::default();
        let mut i = 0;
        while i < note.len() {
            let starts_number = note.as_bytes()[i].is_ascii_digit()
                && !char_before(note, i)
                    .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',');
            if !starts_number {
                i += char_at(note, i).map_or(1, char::len_utf8);
                continue;
            }
            let end = number_end(note, i);
            let number = &note[i..end];
            let grouped = number.contains(['.', ',']);
            let marked = dong_marker(&note[end..]);
            if let Some(v) = parse_dong(number).filter(|_| grouped || marked) {
                out.all.push(v);
                out.in_dong |= marked;
            }
            let unit = note[end..].trim_start_matches(' ');
            out.other |=
                unit.starts_with('%') || matches!(currency_at(unit), Some((_, Currency::Foreign)));
            i = end;
        }
        out
    }
}

/// Whether `s` starts (after optional spaces) with a đồng marker: "đồng",
/// "Đồng", "VNĐ", "vnđ", "VND", or a lone "đ"/"Đ" ("20.000đ/tờ khai").
fn dong_marker(s: &str) -> bool {
    let s = s.trim_start_matches(' ');
    let words = ["đồng", "Đồng", "VNĐ", "vnđ", "VND", "vnd", "Vnđ"];
    if words.iter().any(|w| s.starts_with(w)) {
        return true;
    }
    let mut chars = s.chars();
    matches!(chars.next(), Some('đ' | 'Đ')) && !chars.next().is_some_and(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(body: &str) -> (Vec<ChannelOption>, Ctx) {
        let mut cx = Ctx::default();
        let text = format!("{HEADER}{body}");
        (parse(&text, &mut cx), cx)
    }

    #[test]
    fn when_amount_is_grouped_should_read_dong() {
        assert_eq!(parse_dong("100,000"), Some(100_000));
        assert_eq!(parse_dong("1.025.000"), Some(1_025_000));
        assert_eq!(parse_dong("135"), Some(135));
        assert_eq!(parse_dong("1150,000"), None);
        assert_eq!(parse_dong("1,00"), None);
    }

    #[test]
    fn when_note_states_prices_should_collect_them() {
        let n = NoteAmounts::of("Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.");
        assert!(n.in_dong);
        assert_eq!(n.all, [135_000]);
        let n = NoteAmounts::of("+ 160.000/hộ chiếu, trường hợp mất: 320.000đ/hộ chiếu");
        assert!(n.in_dong);
        assert_eq!(n.all, [160_000, 320_000]);
        let n = NoteAmounts::of("Thông tư số 25/2021/TT-BTC ngày 07/4/2021");
        assert!(!n.in_dong);
        assert!(n.all.is_empty());
    }

    #[test]
    fn when_label_is_followed_by_space_should_not_start_a_row() {
        let (opts, cx) =
            rows("Trực tiếp2 Ngày làm việcMiễn phí- Trực tiếp: nộp tại Bộ phận Một cửa.");
        assert_eq!(opts.len(), 1);
        assert_eq!(opts[0].description, "- Trực tiếp: nộp tại Bộ phận Một cửa.");
        assert!(cx.notes.is_empty());
    }

    #[test]
    fn when_time_is_words_should_keep_them_raw_and_still_read_the_fee() {
        let (opts, cx) = rows(
            "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng dịch vụ công",
        );
        assert_eq!(opts.len(), 1);
        assert_eq!(opts[0].time, Duration::Unknown);
        assert_eq!(opts[0].fee, Fee::Free);
        assert_eq!(opts[0].description, "Qua Cổng dịch vụ công");
        assert_eq!(
            cx.raw[0].text,
            "Trực tuyếnKhông phải trả kết quả cho người nộp thuế"
        );
        assert!(cx.notes.iter().any(|n| n.problem == Problem::TimeKeptRaw));
    }

    #[test]
    fn when_an_untrusted_cell_has_a_note_without_amount_should_leave_the_fee_unknown() {
        // 1 day glued to 40,000 đồng, or 140,000 đồng: the note does not
        // say, and "- Xe ô tô từ 10 chỗ trở lên" is no fee.
        let (opts, cx) = rows("Trực tuyến140,000 Việt Nam Đồng(- Xe ô tô từ 10 chỗ trở lên)");
        assert_eq!(opts[0].fee, Fee::Unknown);
        assert_eq!(opts[0].fee_note, "- Xe ô tô từ 10 chỗ trở lên");
        assert_eq!(
            cx.raw[0].text,
            "Trực tuyến140,000 Việt Nam Đồng(- Xe ô tô từ 10 chỗ trở lên)"
        );
        // A note that states the amount, in đồng or not, still stands in
        // for the cell.
        let (opts, _) = rows("Trực tuyến120 VNĐ(20.000Đ/tờ khai)");
        assert_eq!(
            opts[0].fee,
            Fee::Text {
                text: "20.000Đ/tờ khai".into()
            }
        );
        for note in ["Phí hải quan 50USD/chuyến bay", "Bằng 50% mức thu lệ phí"] {
            let (opts, _) = rows(&format!("Trực tuyến1 Giờ50 VNĐ({note})"));
            assert_eq!(opts[0].fee, Fee::Text { text: note.into() });
        }
    }

    #[test]
    fn when_fee_is_in_dollars_should_keep_text_and_note() {
        let (opts, _) = rows("Trực tiếp5 Ngày làm việc10 USD(Thẻ: 10 USD/thẻ.)");
        assert_eq!(
            opts[0].fee,
            Fee::Text {
                text: "10 USD".into()
            }
        );
        assert_eq!(opts[0].fee_note, "Thẻ: 10 USD/thẻ.");
    }

    #[test]
    fn when_note_never_closes_should_take_rest_of_row_as_note() {
        let (opts, cx) = rows("Trực tuyến1 Ngày100,000 VNĐ(Căn cứ: Thông tư 269/2016/TT-BTC");
        assert_eq!(
            opts[0].fee,
            Fee::Amount {
                dong: vec![100_000]
            }
        );
        assert_eq!(opts[0].fee_note, "Căn cứ: Thông tư 269/2016/TT-BTC");
        assert!(
            cx.notes
                .iter()
                .any(|n| n.problem == Problem::FeeNoteUnbalanced)
        );
    }
}
