//! Civil dates in the city's time zone (Asia/Ho_Chi_Minh, UTC+7, no
//! daylight saving): what "ngày hẹn trả", "hôm nay" and "tuần này" mean.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The city's offset from UTC, in seconds.
pub const LOCAL_OFFSET: i64 = 7 * 3600;
/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let d = Self { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The UTC date of a unix time.
    pub fn utc(at: i64) -> Self {
        Self::from_days(at.div_euclid(DAY))
    }

    /// The city's date at a unix time.
    pub fn local(at: i64) -> Self {
        Self::utc(at + LOCAL_OFFSET)
    }

    /// Unix time of this date's local midnight.
    pub fn local_midnight(self) -> i64 {
        self.days() * DAY - LOCAL_OFFSET
    }

    /// `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        Self::new(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    /// Day of the week, Monday = 0 … Sunday = 6.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        ((self.days() + 3).rem_euclid(7)) as u32
    }

    /// `dd/mm/yyyy`, as dates are written in Vietnam.
    pub fn vi(self) -> String {
        format!("{:02}/{:02}/{}", self.day, self.month, self.year)
    }
}

/// Days in a month (1–12) of a year.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date YYYY-MM-DD: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_should_round_trip_across_centuries_and_leap_days() {
        for days in (-800_000..800_000).step_by(97) {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(
            Date::parse("2028-02-29").map(|d| d.to_string()).as_deref(),
            Some("2028-02-29")
        );
        assert_eq!(Date::parse("2026-02-29"), None);
        assert_eq!(Date::parse("2100-02-29"), None);
        assert_eq!(Date::parse("2000-02-29").map(Date::days), Some(11_016));
    }

    #[test]
    fn local_date_should_turn_at_local_midnight() {
        // 2026-11-29 16:59:59 UTC = 23:59:59 local; a second later it is the 30th.
        let d = Date::new(2026, 11, 30).unwrap();
        let midnight = d.local_midnight();
        assert_eq!(Date::local(midnight), d);
        assert_eq!(Date::local(midnight - 1), Date::new(2026, 11, 29).unwrap());
        assert_eq!(Date::utc(midnight), Date::new(2026, 11, 29).unwrap());
    }

    #[test]
    fn weekday_should_start_on_monday() {
        assert_eq!(Date::new(2026, 11, 30).unwrap().weekday(), 0);
        assert_eq!(Date::new(2026, 11, 29).unwrap().weekday(), 6);
    }

    #[test]
    fn malformed_dates_should_be_refused() {
        for s in [
            "2026-13-01",
            "2026-1-01",
            "26-11-29",
            "2026-11-3x",
            "2026/11/29",
            "",
        ] {
            assert_eq!(Date::parse(s), None, "{s}");
        }
    }
}
