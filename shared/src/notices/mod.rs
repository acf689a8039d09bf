//! City notices and the areas they concern (the wards of Đà Nẵng and their
//! former names).
//!
//! - [`Notice`]: one announcement (a power cut, a storm warning, a
//!   reception schedule…), for some wards or the whole city, valid over a
//!   window of time; [`read_jsonl`] reads and checks a file of them.
//! - [`areas`]: the 94 wards since 1 July 2025 and every name they can be
//!   called by; [`Areas::find_in`] finds the place a message names.
//! - [`when`]: the window of time a message names ("tuần sau", "12/12").
//! - [`select`]: the notices of a kind for an area and a window, newest
//!   first.
//!
//! Everything here is pure: the caller brings the notices, the clock and
//! the message.

pub mod areas;
pub mod vietmap;
pub mod when;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use areas::{ATTRIBUTION, Area, Areas, District, Ward};
pub use when::window_in;

use crate::lookup::NoticeKind;

/// How many notices a reply lists at most; the rest are counted.
pub const MAX_NOTICES_SHOWN: usize = 5;

/// The longest notice id, in characters.
pub const MAX_ID_CHARS: usize = 64;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 2000;
/// How the title of every sample notice begins.
pub const SAMPLE_PREFIX: &str = "[Mẫu]";

impl NoticeKind {
    /// Every kind of notice, in the order a menu lists them.
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::PowerCut,
        NoticeKind::WaterCut,
        NoticeKind::Storm,
        NoticeKind::Reception,
        NoticeKind::Policy,
        NoticeKind::ExamResults,
    ];
}

/// One announcement of the city or of a public utility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Unique, stable id: 1–64 characters of `A-Z a-z 0-9 . _ -`.
    pub id: String,
    pub kind: NoticeKind,
    /// One line, at most 200 characters.
    pub title: String,
    /// At most 2000 characters.
    pub body: String,
    /// Codes of the wards concerned ([`Ward::code`]); empty for the whole
    /// city.
    pub areas: Vec<String>,
    /// When the notice starts to apply (unix seconds, inclusive).
    pub valid_from: i64,
    /// When it stops applying (unix seconds, exclusive).
    pub valid_to: i64,
    /// When it was published (unix seconds).
    pub published_at: i64,
    /// The page of the announcement (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Written by the project for demonstration and tests, not a real
    /// announcement; its title begins with [`SAMPLE_PREFIX`].
    #[serde(default)]
    pub sample: bool,
}

impl Notice {
    /// Checks the notice, returning every problem found (joined by "; "):
    /// the id's length and characters, the title's and body's length, a
    /// window that ends after it starts, an https source, ward codes known
    /// to `areas` and not repeated, and that `sample` and the "[Mẫu]" title
    /// prefix go together.
    pub fn validate(&self, areas: &Areas) -> Result<(), String> {
        let mut problems = Vec::new();
        let id_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if self.id.is_empty() || self.id.chars().count() > MAX_ID_CHARS {
            problems.push(format!("id must have 1 to {MAX_ID_CHARS} characters"));
        } else if !self.id.chars().all(id_ok) {
            problems.push(format!(
                "id {:?} may only contain A-Z a-z 0-9 . _ -",
                self.id
            ));
        }
        if self.title.trim().is_empty() {
            problems.push("the title is empty".to_owned());
        } else if self.title.chars().count() > MAX_TITLE_CHARS {
            problems.push(format!(
                "the title is longer than {MAX_TITLE_CHARS} characters"
            ));
        }
        if self.title.contains(['\n', '\r']) {
            problems.push("the title must be one line".to_owned());
        }
        if self.body.trim().is_empty() {
            problems.push("the body is empty".to_owned());
        } else if self.body.chars().count() > MAX_BODY_CHARS {
            problems.push(format!(
                "the body is longer than {MAX_BODY_CHARS} characters"
            ));
        }
        if self.valid_from >= self.valid_to {
            problems.push("valid_from must be before valid_to".to_owned());
        }
        if let Some(source) = &self.source {
            let host = source.strip_prefix("https://").unwrap_or_default();
            if host.is_empty() || host.starts_with('/') || source.chars().any(char::is_whitespace) {
                problems.push(format!("source {source:?} is not an https:// link"));
            }
        }
        for (i, code) in self.areas.iter().enumerate() {
            if areas.ward(code).is_none() {
                problems.push(format!("unknown ward code {code:?}"));
            } else if self.areas[..i].contains(code) {
                problems.push(format!("ward code {code:?} is listed twice"));
            }
        }
        let prefixed = self.title.trim_start().starts_with(SAMPLE_PREFIX);
        if self.sample && !prefixed {
            problems.push(format!("a sample's title must begin with {SAMPLE_PREFIX}"));
        } else if prefixed && !self.sample {
            problems.push(format!(
                "a title beginning with {SAMPLE_PREFIX} needs \"sample\": true"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Whether the notice applies at some moment of `[from, to)`.
    pub fn overlaps(&self, from: i64, to: i64) -> bool {
        self.valid_from < to && from < self.valid_to
    }

    /// Whether the notice concerns some ward of `area` (a notice for the
    /// whole city concerns every area).
    pub fn concerns(&self, area: &Area) -> bool {
        self.areas.is_empty() || self.areas.iter().any(|c| area.wards.contains(c))
    }
}

/// The notices of `kind` (any kind when `None`) that apply at some moment
/// of `[from, to)` and concern `area` (anywhere when `None`), newest
/// first: by `valid_from`, then `published_at`, latest first, then by id.
/// A caller shows at most [`MAX_NOTICES_SHOWN`] of them.
pub fn select<'a>(
    notices: &'a [Notice],
    kind: Option<NoticeKind>,
    area: Option<&Area>,
    from: i64,
    to: i64,
) -> Vec<&'a Notice> {
    let mut out: Vec<&Notice> = notices
        .iter()
        .filter(|n| kind.is_none_or(|k| n.kind == k))
        .filter(|n| n.overlaps(from, to))
        .filter(|n| area.is_none_or(|a| n.concerns(a)))
        .collect();
    out.sort_by(|a, b| {
        b.valid_from
            .cmp(&a.valid_from)
            .then(b.published_at.cmp(&a.published_at))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// Reads notices, one JSON object a line (blank lines skipped), checking
/// each with [`Notice::validate`] and that no id appears twice. Either
/// every notice, or every problem with its line number (from 1).
pub fn read_jsonl(text: &str, areas: &Areas) -> Result<Vec<Notice>, Vec<(usize, String)>> {
    match read_jsonl_lenient(text, areas) {
        (valid, problems) if problems.is_empty() => Ok(valid),
        (_, problems) => Err(problems),
    }
}

/// Like [`read_jsonl`], but keeps the valid notices of a file that also
/// has bad lines: (valid, bad lines). Of an id given twice, the first
/// line counts.
pub fn read_jsonl_lenient(text: &str, areas: &Areas) -> (Vec<Notice>, Vec<(usize, String)>) {
    let mut notices = Vec::new();
    let mut problems = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let notice: Notice = match serde_json::from_str(line) {
            Ok(n) => n,
            Err(e) => {
                problems.push((line_no, format!("not a notice: {e}")));
                continue;
            }
        };
        let mut valid = true;
        if let Err(e) = notice.validate(areas) {
            problems.push((line_no, format!("{}: {e}", notice.id)));
            valid = false;
        }
        if let Some(first) = first_line.get(&notice.id) {
            problems.push((
                line_no,
                format!("duplicate id {:?} (first on line {first})", notice.id),
            ));
            valid = false;
        } else {
            first_line.insert(notice.id.clone(), line_no);
        }
        if valid {
            notices.push(notice);
        }
    }
    (notices, problems)
}

#[cfg(test)]
mod tests {
    use super::when::{day_start, days_from_civil};
    use super::*;

    const SAMPLES: &str = include_str!("../../../data/samples/notices.jsonl");

    fn areas() -> Areas {
        Areas::embedded().expect("the shipped wards load")
    }

    /// Unix seconds of a local (UTC+7) date and hour.
    fn at(y: i64, m: u32, d: u32, hour: i64) -> i64 {
        day_start(days_from_civil(y, m, d)) + hour * 3600
    }

    fn notice(id: &str, kind: NoticeKind, areas: &[&str], from: i64, to: i64) -> Notice {
        Notice {
            id: id.to_owned(),
            kind,
            title: format!("Thông báo {id}"),
            body: "Nội dung.".to_owned(),
            areas: areas.iter().map(|s| (*s).to_owned()).collect(),
            valid_from: from,
            valid_to: to,
            published_at: from - 86_400,
            source: None,
            sample: false,
        }
    }

    fn ids(v: &[&Notice]) -> Vec<String> {
        v.iter().map(|n| n.id.clone()).collect()
    }

    fn area(codes: &[&str]) -> Area {
        Area {
            label: "test".to_owned(),
            wards: codes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn when_selecting_should_order_newest_first_and_break_ties() {
        let with = |id: &str, valid_from: i64, published_at: i64| Notice {
            published_at,
            ..notice(id, NoticeKind::PowerCut, &[], valid_from, 300)
        };
        let all = [
            with("a", 100, 10),
            with("b", 150, 50),
            with("d2", 150, 60),
            with("d", 150, 60),
            with("c", 150, 60),
        ];
        // The latest start first; on the same start the latest publication;
        // then by id.
        let got = select(&all, None, None, 0, 1_000);
        assert_eq!(ids(&got), ["c", "d", "d2", "b", "a"]);
    }

    #[test]
    fn when_window_touches_a_notice_edge_should_respect_the_exclusive_end() {
        let n = [notice("n", NoticeKind::WaterCut, &[], 100, 200)];
        let sel = |from, to| ids(&select(&n, Some(NoticeKind::WaterCut), None, from, to));
        assert_eq!(
            sel(200, 300),
            Vec::<String>::new(),
            "ends as the window starts"
        );
        assert_eq!(
            sel(0, 100),
            Vec::<String>::new(),
            "starts as the window ends"
        );
        assert_eq!(sel(199, 300), ["n"]);
        assert_eq!(sel(0, 101), ["n"]);
        assert_eq!(sel(120, 130), ["n"], "a window inside the notice");
        assert_eq!(sel(0, 1_000), ["n"], "a notice inside the window");
    }

    #[test]
    fn when_selecting_by_kind_and_area_should_keep_city_wide_notices() {
        let all = [
            notice("city", NoticeKind::Storm, &[], 0, 100),
            notice("hai-chau", NoticeKind::Storm, &["19469"], 0, 100),
            notice("hoa-vang", NoticeKind::Storm, &["22285", "22797"], 0, 100),
            notice("power", NoticeKind::PowerCut, &["19469"], 0, 100),
        ];
        let got = |kind, a: Option<&Area>| {
            let mut v = ids(&select(&all, kind, a, 0, 100));
            v.sort();
            v
        };
        assert_eq!(
            got(Some(NoticeKind::Storm), Some(&area(&["19469"]))),
            ["city", "hai-chau"]
        );
        assert_eq!(
            got(Some(NoticeKind::Storm), Some(&area(&["22797", "21261"]))),
            ["city", "hoa-vang"]
        );
        assert_eq!(
            got(Some(NoticeKind::Storm), None),
            ["city", "hai-chau", "hoa-vang"]
        );
        assert_eq!(
            got(None, Some(&area(&["19469"]))),
            ["city", "hai-chau", "power"]
        );
        assert_eq!(got(Some(NoticeKind::Policy), None), Vec::<String>::new());
    }

    #[test]
    fn when_a_notice_is_malformed_should_say_what_is_wrong() {
        let a = areas();
        let mut n = notice("ok.id_1-2", NoticeKind::Policy, &["19469"], 0, 1);
        assert_eq!(n.validate(&a), Ok(()));
        n.id = "có dấu".to_owned();
        n.valid_to = 0;
        n.areas = vec!["19469".to_owned(), "19469".to_owned(), "1".to_owned()];
        n.source = Some("http://danang.gov.vn".to_owned());
        n.title = "x".repeat(201);
        let problems = n.validate(&a).expect_err("invalid");
        for part in [
            "id",
            "valid_from",
            "twice",
            "unknown ward",
            "https",
            "title",
        ] {
            assert!(problems.contains(part), "{part}: {problems}");
        }
        let mut n = notice("s", NoticeKind::Policy, &[], 0, 1);
        n.sample = true;
        assert!(n.validate(&a).is_err(), "a sample needs the [Mẫu] prefix");
        n.title = "[Mẫu] Thông báo".to_owned();
        assert_eq!(n.validate(&a), Ok(()));
        n.sample = false;
        assert!(n.validate(&a).is_err(), "the prefix needs sample: true");
        n.title = "é".repeat(MAX_TITLE_CHARS);
        n.body = "ơ".repeat(MAX_BODY_CHARS);
        n.id = "x".repeat(MAX_ID_CHARS);
        assert_eq!(n.validate(&a), Ok(()), "limits count characters, not bytes");
        n.body = " \n".to_owned();
        assert!(n.validate(&a).is_err(), "an empty body");
    }

    #[test]
    fn when_reading_jsonl_should_report_every_bad_line() {
        let a = areas();
        let good = |id: &str| {
            serde_json::to_string(&notice(id, NoticeKind::Reception, &["19725"], 0, 10))
                .expect("serialises")
        };
        let text = [
            good("one"),
            String::new(),
            "{not json".to_owned(),
            good("two"),
            good("one"),
            r#"{"id":"three","kind":"storm","title":"t","body":"b","areas":["x"],"valid_from":5,"valid_to":1,"published_at":0}"#.to_owned(),
            r#"{"id":"four","kind":"meteor","title":"t","body":"b","areas":[],"valid_from":0,"valid_to":1,"published_at":0}"#.to_owned(),
            r#"{"id":"five","kind":"storm","title":"t","body":"b","areas":[],"valid_from":0,"valid_to":1,"published_at":0,"colour":"red"}"#.to_owned(),
        ]
        .join("\n");
        let problems = read_jsonl(&text, &a).expect_err("bad lines");
        let lines: Vec<usize> = problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 5, 6, 7, 8], "{problems:?}");
        assert!(
            problems[1]
                .1
                .contains("duplicate id \"one\" (first on line 1)")
        );
        assert!(problems[2].1.contains("unknown ward") && problems[2].1.contains("valid_from"));
        let ok = [good("one"), good("two")].join("\n");
        assert_eq!(read_jsonl(&ok, &a).map(|v| v.len()), Ok(2));
        assert_eq!(read_jsonl("", &a), Ok(Vec::new()));
    }

    #[test]
    fn when_loading_the_shipped_samples_should_validate_and_cover_every_kind() {
        let a = areas();
        let samples = read_jsonl(SAMPLES, &a).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(samples.len() >= 12);
        assert!(
            samples
                .iter()
                .all(|n| n.sample && n.title.starts_with(SAMPLE_PREFIX))
        );
        for kind in NoticeKind::ALL {
            assert!(samples.iter().any(|n| n.kind == kind), "{kind:?}");
        }
        assert!(
            samples.iter().any(|n| n.areas.is_empty()),
            "a city-wide one"
        );
        // Around 1 December 2026 some are current, some upcoming, some over.
        let now = at(2026, 12, 1, 9);
        assert!(samples.iter().any(|n| n.overlaps(now, now + 1)));
        assert!(samples.iter().any(|n| n.valid_from > now));
        assert!(samples.iter().any(|n| n.valid_to <= now));
        assert!(samples.iter().all(|n| n.published_at <= n.valid_to));
    }

    #[test]
    fn when_asking_about_floods_in_old_hoa_vang_should_find_the_sample_warnings() {
        let a = areas();
        let samples = read_jsonl(SAMPLES, &a).unwrap_or_else(|e| panic!("{e:?}"));
        let text = "huyện Hòa Vang có cảnh báo lũ hôm nay không";
        let place = a.find_in(text).expect("an area");
        let now = at(2026, 11, 30, 8);
        let (from, to) = window_in(text, now).expect("a window");
        let got = select(&samples, Some(NoticeKind::Storm), Some(&place), from, to);
        assert!(got.len() >= 2, "the flood warning and the city-wide storm");
        assert!(got.iter().any(|n| !n.areas.is_empty()));
        assert!(got.iter().any(|n| n.areas.is_empty()));
        // Power cuts in phường Hải Châu next week.
        let text = "lịch cắt điện p. Hải Châu tuần sau";
        let place = a.find_in(text).expect("an area");
        let (from, to) = window_in(text, at(2026, 11, 29, 20)).expect("a window");
        let got = select(&samples, Some(NoticeKind::PowerCut), Some(&place), from, to);
        assert!(!got.is_empty());
        assert!(got.len() <= MAX_NOTICES_SHOWN);
    }
}
