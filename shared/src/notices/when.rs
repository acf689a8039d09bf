//! Time expressions in citizens' messages ("hôm nay", "tuần sau",
//! "ngày 12/11"…) turned into a window of unix seconds.
//!
//! Đà Nẵng keeps Vietnam's time, Asia/Ho_Chi_Minh: UTC+7 all year, with no
//! daylight saving, so local calendar days are fixed 86 400-second slices
//! shifted by seven hours. The calendar maths is [`crate::calendar`]'s.
//!
//! Phrases match on tokens ([`crate::text::tokens`]), so they are found
//! with or without diacritics ("tuan sau" = "tuần sau") and regardless of
//! case and punctuation. Weeks start on Monday.

use std::sync::OnceLock;

use crate::calendar::{self, Date};
use crate::text::{Token, normalize, split};

/// Vietnam's offset from UTC, in seconds (UTC+7, no daylight saving).
pub const UTC_OFFSET: i64 = calendar::LOCAL_OFFSET;

const DAY: i64 = calendar::DAY;

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    Date {
        year: year as i32,
        month,
        day,
    }
    .days()
}

/// The date (year, month 1–12, day 1–31) of a count of days since
/// 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let d = Date::from_days(days);
    (i64::from(d.year), d.month, d.day)
}

/// Whether a year of the Gregorian calendar has 29 February.
pub fn is_leap_year(year: i64) -> bool {
    calendar::days_in_month(year as i32, 2) == 29
}

/// The number of days of a month (1–12) of a year; 0 for a month out of
/// range.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    if (1..=12).contains(&month) {
        calendar::days_in_month(year as i32, month)
    } else {
        0
    }
}

/// The local day (days since 1970-01-01 in Vietnam) that contains `unix`.
pub fn local_day(unix: i64) -> i64 {
    (unix + UTC_OFFSET).div_euclid(DAY)
}

/// The unix second at which a local day begins (00:00 in Vietnam).
pub fn day_start(local_day: i64) -> i64 {
    local_day * DAY - UTC_OFFSET
}

/// The day of the week of a local day: 0 = Monday … 6 = Sunday
/// (1970-01-01 was a Thursday).
pub fn weekday(local_day: i64) -> i64 {
    (local_day + 3).rem_euclid(7)
}

/// What a phrase means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// A day counted from today: 0 today, 1 tomorrow, 2 the day after.
    Day(i64),
    /// A Monday-to-Monday week counted from this one.
    Week(i64),
    /// Saturday and Sunday of a week counted from this one.
    Weekend(i64),
    /// A calendar month counted from this one.
    Month(i64),
}

/// The phrases understood, each with what it means. The longest phrase
/// starting at a position wins ("cuối tuần sau" over "cuối tuần").
const PHRASES: &[(&str, Span)] = &[
    ("hôm nay", Span::Day(0)),
    ("bữa nay", Span::Day(0)),
    ("ngày mai", Span::Day(1)),
    ("sáng mai", Span::Day(1)),
    ("trưa mai", Span::Day(1)),
    ("chiều mai", Span::Day(1)),
    ("tối mai", Span::Day(1)),
    ("ngày mốt", Span::Day(2)),
    ("ngày kia", Span::Day(2)),
    ("tuần này", Span::Week(0)),
    ("tuần sau", Span::Week(1)),
    ("tuần tới", Span::Week(1)),
    ("cuối tuần", Span::Weekend(0)),
    ("cuối tuần này", Span::Weekend(0)),
    ("cuối tuần sau", Span::Weekend(1)),
    ("cuối tuần tới", Span::Weekend(1)),
    ("tháng này", Span::Month(0)),
    ("tháng sau", Span::Month(1)),
    ("tháng tới", Span::Month(1)),
];

/// One syllable of the message with where it sits in the normalised text.
struct Word<'a> {
    token: Token,
    raw: &'a str,
    start: usize,
    end: usize,
}

/// The window `[from, to)` (unix seconds) that a message's time expression
/// names, relative to `now`, or `None` when it names none.
///
/// Understood, with or without diacritics:
/// - "hôm nay"; "ngày mai" (also "sáng/trưa/chiều/tối mai", and "mai" opening
///   the message); "ngày mốt"/"ngày kia": one local day;
/// - "tuần này", "tuần sau"/"tuần tới": a week from Monday 00:00 to the
///   next Monday 00:00 (the whole calendar week, including days already
///   past: a caller that wants only what is still to come clamps `from`
///   to `now`);
/// - "cuối tuần" (this week's Saturday and Sunday, including on Sunday
///   itself), "cuối tuần sau/tới";
/// - "tháng này", "tháng sau"/"tháng tới"; "tháng 12", "tháng 12/2026",
///   "tháng 12 năm 2026": a calendar month;
/// - "dd/mm", "ngày dd/mm/yyyy", "dd-mm-yyyy", "ngày dd tháng mm (năm
///   yyyy)": one day.
///
/// A date or month without a year is taken in whichever year (last, this or
/// next) puts it nearest to today, so "02/01" asked on 31 December means
/// the coming 2 January. When a message holds several expressions, the
/// first one wins. Impossible dates (31/04, 29/02 of a common year) are
/// ignored.
pub fn window_in(text: &str, now: i64) -> Option<(i64, i64)> {
    let normalized = normalize(text);
    let words = words(&normalized);
    let today = local_day(now);
    (0..words.len()).find_map(|i| {
        date_at(&normalized, &words, i, today)
            .or_else(|| month_at(&normalized, &words, i, today))
            .or_else(|| phrase_at(&words, i).map(|span| window_of(span, today)))
    })
}

/// The syllables of normalised text with their byte offsets.
fn words(normalized: &str) -> Vec<Word<'_>> {
    let base = normalized.as_ptr() as usize;
    split(normalized)
        .map(|raw| {
            // `split` yields sub-slices of `normalized`.
            let start = raw.as_ptr() as usize - base;
            Word {
                token: Token::new(raw),
                raw,
                start,
                end: start + raw.len(),
            }
        })
        .collect()
}

/// The phrase of [`PHRASES`] (the longest) starting at word `i`.
fn phrase_at(words: &[Word<'_>], i: usize) -> Option<Span> {
    static PATTERNS: OnceLock<Vec<(Vec<Token>, Span)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        PHRASES
            .iter()
            .map(|(phrase, span)| (split(phrase).map(Token::new).collect(), *span))
            .collect()
    });
    let mut best: Option<(usize, Span)> = None;
    for (pattern, span) in patterns {
        let fits = pattern.len() <= words.len() - i
            && pattern
                .iter()
                .zip(&words[i..])
                .all(|(p, w)| w.token.compatible(p));
        if fits && best.is_none_or(|(len, _)| pattern.len() > len) {
            best = Some((pattern.len(), *span));
        }
    }
    if best.is_none() && i == 0 && words[0].token.compatible(&Token::new("mai")) {
        // "mai có cắt điện không": a message opening with "mai".
        return Some(Span::Day(1));
    }
    best.map(|(_, span)| span)
}

/// The window of a phrase, today being `today` (a local day).
fn window_of(span: Span, today: i64) -> (i64, i64) {
    match span {
        Span::Day(n) => (day_start(today + n), day_start(today + n + 1)),
        Span::Week(n) => {
            let monday = today - weekday(today) + 7 * n;
            (day_start(monday), day_start(monday + 7))
        }
        Span::Weekend(n) => {
            let saturday = today - weekday(today) + 5 + 7 * n;
            (day_start(saturday), day_start(saturday + 2))
        }
        Span::Month(n) => {
            let (year, month, _) = civil_from_days(today);
            let index = year * 12 + i64::from(month) - 1 + n;
            month_window(index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
        }
    }
}

/// The window of a calendar month.
fn month_window(year: i64, month: u32) -> (i64, i64) {
    let first = days_from_civil(year, month, 1);
    let next = first + i64::from(days_in_month(year, month));
    (day_start(first), day_start(next))
}

/// The text between two words, trimmed: the separator of a date.
fn gap<'a>(normalized: &'a str, words: &[Word<'_>], i: usize) -> &'a str {
    normalized[words[i].end..words[i + 1].start].trim()
}

/// A number of one to `max_digits` ASCII digits.
fn number(raw: &str, max_digits: usize) -> Option<u32> {
    if raw.is_empty() || raw.len() > max_digits || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// A year written with four digits (1970–2199) or two (2000–2099).
fn year(raw: &str) -> Option<i64> {
    let n = i64::from(number(raw, 4)?);
    match raw.len() {
        4 if (1970..2200).contains(&n) => Some(n),
        2 => Some(2000 + n),
        _ => None,
    }
}

/// A date starting at word `i`: "12/11", "12/11/2026", "12-11-2026",
/// "ngày 12 tháng 11 (năm 2026)". The optional "ngày" before the numbers
/// is skipped by starting at the number itself.
fn date_at(normalized: &str, words: &[Word<'_>], i: usize, today: i64) -> Option<(i64, i64)> {
    let day = number(words[i].raw, 2)?;
    // Not the tail of a longer number group ("1/12/11", "0905-12-11").
    if i > 0 && matches!(gap(normalized, words, i - 1), "/" | "-" | ".") {
        return None;
    }
    let (month, year_word, used) = if let Some(w) = words.get(i + 1)
        && matches!(gap(normalized, words, i), "/" | "-")
    {
        let separator = gap(normalized, words, i);
        let month = number(w.raw, 2)?;
        let year_word = words
            .get(i + 2)
            .filter(|_| gap(normalized, words, i + 1) == separator);
        // "8-10" is a range of hours or days more often than a date:
        // a dash needs the year.
        if separator == "-" && year_word.is_none() {
            return None;
        }
        (month, year_word, i + 1 + usize::from(year_word.is_some()))
    } else if i > 0
        && words[i - 1].token.compatible(&Token::new("ngày"))
        && words
            .get(i + 1)
            .is_some_and(|w| w.token.compatible(&Token::new("tháng")))
    {
        let month = number(words.get(i + 2)?.raw, 2)?;
        let year_word = words
            .get(i + 3)
            .filter(|w| w.token.compatible(&Token::new("năm")))
            .and(words.get(i + 4));
        (
            month,
            year_word,
            i + 2 + 2 * usize::from(year_word.is_some()),
        )
    } else {
        return None;
    };
    // Nor the head of one ("12/11/2026/5").
    if used + 1 < words.len() && matches!(gap(normalized, words, used), "/" | "-") {
        return None;
    }
    let chosen = match year_word {
        Some(w) => {
            let y = year(w.raw)?;
            valid(y, month, day).then_some(y)
        }
        None => {
            let (this, _, _) = civil_from_days(today);
            // The nearest valid year; on a tie, the later one.
            [this + 1, this, this - 1]
                .into_iter()
                .filter(|&y| valid(y, month, day))
                .min_by_key(|&y| (days_from_civil(y, month, day) - today).abs())
        }
    }?;
    let d = days_from_civil(chosen, month, day);
    Some((day_start(d), day_start(d + 1)))
}

/// Whether a day of a month of a year exists.
fn valid(year: i64, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// A month starting at word `i`: "tháng 12", "tháng 12/2026", "tháng 12 năm
/// 2026", or a bare "12/2026".
fn month_at(normalized: &str, words: &[Word<'_>], i: usize, today: i64) -> Option<(i64, i64)> {
    let (month, year_word) = if words[i].token.compatible(&Token::new("tháng")) {
        let month = number(words.get(i + 1)?.raw, 2)?;
        let year_word = match words.get(i + 2) {
            Some(w) if w.token.compatible(&Token::new("năm")) => words.get(i + 3),
            Some(w) if gap(normalized, words, i + 1) == "/" && w.raw.len() == 4 => Some(w),
            _ => None,
        };
        (month, year_word)
    } else {
        let month = number(words[i].raw, 2)?;
        let w = words.get(i + 1)?;
        if gap(normalized, words, i) != "/" || w.raw.len() != 4 {
            return None;
        }
        if i > 0 && matches!(gap(normalized, words, i - 1), "/" | "-" | ".") {
            return None;
        }
        (month, Some(w))
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let chosen = match year_word {
        Some(w) => year(w.raw)?,
        None => {
            let (this, current, _) = civil_from_days(today);
            let now_index = this * 12 + i64::from(current);
            [this + 1, this, this - 1]
                .into_iter()
                .min_by_key(|&y| (y * 12 + i64::from(month) - now_index).abs())
                .unwrap_or(this)
        }
    };
    Some(month_window(chosen, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a local (UTC+7) date and time.
    fn local(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        day_start(days_from_civil(y, m, d)) + hh * 3600 + mm * 60
    }

    /// The window of whole local days [from, to).
    fn days(from: (i64, u32, u32), to: (i64, u32, u32)) -> Option<(i64, i64)> {
        Some((
            local(from.0, from.1, from.2, 0, 0),
            local(to.0, to.1, to.2, 0, 0),
        ))
    }

    #[test]
    fn when_converting_dates_should_round_trip_over_four_centuries() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in -1_000..150_000 {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
        assert_eq!(weekday(days_from_civil(2026, 11, 29)), 6, "a Sunday");
        assert_eq!(weekday(days_from_civil(2026, 11, 30)), 0, "a Monday");
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    #[test]
    fn when_now_is_late_sunday_evening_local_should_use_the_local_day() {
        // Sunday 29 November 2026, 23:30 in Đà Nẵng (16:30 UTC).
        let now = local(2026, 11, 29, 23, 30);
        assert_eq!(
            window_in("lịch cắt điện hôm nay", now),
            days((2026, 11, 29), (2026, 11, 30))
        );
        assert_eq!(
            window_in("ngày mai có cắt nước không", now),
            days((2026, 11, 30), (2026, 12, 1))
        );
        assert_eq!(
            window_in("tuần này", now),
            days((2026, 11, 23), (2026, 11, 30))
        );
        assert_eq!(
            window_in("tuan sau", now),
            days((2026, 11, 30), (2026, 12, 7))
        );
        assert_eq!(
            window_in("Tuần tới", now),
            days((2026, 11, 30), (2026, 12, 7))
        );
        assert_eq!(
            window_in("cuối tuần", now),
            days((2026, 11, 28), (2026, 11, 30))
        );
        assert_eq!(
            window_in("cuoi tuan sau", now),
            days((2026, 12, 5), (2026, 12, 7))
        );
    }

    #[test]
    fn when_now_is_just_after_midnight_monday_local_should_start_a_new_week() {
        // Monday 00:30 in Đà Nẵng is still Sunday 17:30 in UTC.
        let now = local(2026, 11, 30, 0, 30);
        assert_eq!(
            window_in("tuần này", now),
            days((2026, 11, 30), (2026, 12, 7))
        );
        assert_eq!(
            window_in("hom nay", now),
            days((2026, 11, 30), (2026, 12, 1))
        );
        assert_eq!(
            window_in("cuối tuần này", now),
            days((2026, 12, 5), (2026, 12, 7))
        );
    }

    #[test]
    fn when_now_is_new_years_eve_should_roll_into_the_next_year() {
        let now = local(2026, 12, 31, 21, 0);
        assert_eq!(window_in("ngay mai", now), days((2027, 1, 1), (2027, 1, 2)));
        assert_eq!(
            window_in("tháng này", now),
            days((2026, 12, 1), (2027, 1, 1))
        );
        assert_eq!(
            window_in("tháng sau", now),
            days((2027, 1, 1), (2027, 2, 1))
        );
        // Thursday 31 December: the week runs 28 Dec – 4 Jan.
        assert_eq!(
            window_in("tuần sau", now),
            days((2027, 1, 4), (2027, 1, 11))
        );
        assert_eq!(
            window_in("tuần này", now),
            days((2026, 12, 28), (2027, 1, 4))
        );
        // A date without a year: the nearest one.
        assert_eq!(
            window_in("kết quả ngày 02/01", now),
            days((2027, 1, 2), (2027, 1, 3))
        );
        assert_eq!(
            window_in("lịch ngày 30/12", now),
            days((2026, 12, 30), (2026, 12, 31))
        );
        assert_eq!(window_in("tháng 1", now), days((2027, 1, 1), (2027, 2, 1)));
    }

    #[test]
    fn when_february_of_a_leap_year_should_have_29_days() {
        let now = local(2028, 2, 28, 8, 0);
        assert_eq!(
            window_in("tháng này", now),
            days((2028, 2, 1), (2028, 3, 1))
        );
        assert_eq!(
            window_in("ngày mai", now),
            days((2028, 2, 29), (2028, 3, 1))
        );
        assert_eq!(window_in("29/02", now), days((2028, 2, 29), (2028, 3, 1)));
        assert_eq!(
            window_in("tháng sau", now),
            days((2028, 3, 1), (2028, 4, 1))
        );
        // Tuesday 29 February 2028 belongs to the week of 28 February.
        assert_eq!(
            window_in("tuần này", local(2028, 2, 29, 12, 0)),
            days((2028, 2, 28), (2028, 3, 6))
        );
        // 29/02/2027 does not exist.
        assert_eq!(window_in("ngày 29/02/2027", now), None);
    }

    #[test]
    fn when_message_has_a_full_date_should_use_its_year() {
        let now = local(2026, 11, 29, 10, 0);
        assert_eq!(
            window_in("Lịch tiếp công dân ngày 15/01/2027", now),
            days((2027, 1, 15), (2027, 1, 16))
        );
        assert_eq!(
            window_in("cat dien 5-12-2026", now),
            days((2026, 12, 5), (2026, 12, 6))
        );
        assert_eq!(
            window_in("ngày 3 tháng 12", now),
            days((2026, 12, 3), (2026, 12, 4))
        );
        assert_eq!(
            window_in("ngày 3 tháng 12 năm 2027", now),
            days((2027, 12, 3), (2027, 12, 4))
        );
        assert_eq!(window_in("12/26", now), None, "month 26 does not exist");
        assert_eq!(
            window_in("ngày 7/12/26", now),
            days((2026, 12, 7), (2026, 12, 8))
        );
    }

    #[test]
    fn when_message_names_a_month_should_cover_that_month() {
        let now = local(2026, 11, 29, 10, 0);
        assert_eq!(
            window_in("lịch tiếp dân tháng 12", now),
            days((2026, 12, 1), (2027, 1, 1))
        );
        assert_eq!(
            window_in("tháng 1/2027", now),
            days((2027, 1, 1), (2027, 2, 1))
        );
        assert_eq!(
            window_in("thang 2 nam 2027", now),
            days((2027, 2, 1), (2027, 3, 1))
        );
        assert_eq!(
            window_in("kết quả 01/2027", now),
            days((2027, 1, 1), (2027, 2, 1))
        );
        assert_eq!(window_in("tháng 13", now), None);
    }

    #[test]
    fn when_message_has_no_time_expression_should_return_none() {
        let now = local(2026, 11, 29, 10, 0);
        for text in [
            "lịch cắt điện phường Hải Châu",
            "cắt điện từ 8-10 giờ",
            "hồ sơ 000.00.04.H51-200221-0001",
            "gọi 0905-123-456",
            "hoa mai nở",
            "tuần",
            "tháng",
            "31/04",
            "1/2/3/4",
        ] {
            assert_eq!(window_in(text, now), None, "{text}");
        }
    }

    #[test]
    fn when_message_opens_with_mai_should_mean_tomorrow() {
        let now = local(2026, 11, 29, 10, 0);
        assert_eq!(
            window_in("mai có cúp điện không", now),
            days((2026, 11, 30), (2026, 12, 1))
        );
        assert_eq!(
            window_in("chiều mai", now),
            days((2026, 11, 30), (2026, 12, 1))
        );
        assert_eq!(window_in("xã Trà Mai cũ", now), None);
    }

    #[test]
    fn when_message_has_several_expressions_should_take_the_first() {
        let now = local(2026, 11, 29, 10, 0);
        assert_eq!(
            window_in("tuần sau, không phải hôm nay", now),
            days((2026, 11, 30), (2026, 12, 7))
        );
        assert_eq!(
            window_in("ngày 1/12 hay tháng sau", now),
            days((2026, 12, 1), (2026, 12, 2))
        );
    }
}
