//! A dossier's status as the one-stop system (hệ thống một cửa) reports it.
//!
//! The record holds what a citizen may be told about a dossier and nothing
//! about the applicant: the one-stop system's pushes may carry the
//! applicant's name, ID number or phone, but those fields are not part of
//! this model, so they are dropped when a push is read and never stored.

use serde::{Deserialize, Serialize};

use super::DossierCode;
use crate::calendar::Date;

/// Where a dossier is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đã tiếp nhận: received, not yet assigned.
    Received,
    /// Đang xử lý.
    Processing,
    /// Chờ bổ sung: the applicant must add or correct papers.
    NeedsSupplement,
    /// Tạm dừng (e.g. waiting for another agency's verification).
    Paused,
    /// Đã có kết quả, chờ trả.
    ResultReady,
    /// Đã trả kết quả.
    Returned,
    /// Từ chối giải quyết.
    Rejected,
    /// Đã rút hồ sơ.
    Withdrawn,
}

impl Status {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Received => "Đã tiếp nhận",
            Self::Processing => "Đang xử lý",
            Self::NeedsSupplement => "Cần bổ sung hồ sơ",
            Self::Paused => "Tạm dừng xử lý",
            Self::ResultReady => "Đã có kết quả, chờ trả",
            Self::Returned => "Đã trả kết quả",
            Self::Rejected => "Từ chối giải quyết",
            Self::Withdrawn => "Đã rút hồ sơ",
        }
    }

    /// Whether processing is over (no appointment date to count down to).
    pub fn finished(self) -> bool {
        matches!(
            self,
            Self::ResultReady | Self::Returned | Self::Rejected | Self::Withdrawn
        )
    }
}

/// One step of the processing history (lịch sử xử lý).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryStep {
    /// When the step was taken.
    pub date: Date,
    /// What was done ("Chuyển phòng chuyên môn thẩm định").
    pub step: String,
    /// The unit that did it (never a person's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A dossier's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    /// Số hồ sơ.
    pub code: DossierCode,
    /// Tên thủ tục.
    pub procedure: String,
    /// Mã thủ tục, when the one-stop system gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure_code: Option<String>,
    /// Cơ quan tiếp nhận.
    pub agency: String,
    /// Ngày tiếp nhận.
    pub received: Date,
    /// Ngày hẹn trả.
    pub due: Date,
    /// Trạng thái.
    pub status: Status,
    /// Bước hiện tại.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Ngày có kết quả.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_date: Option<Date>,
    /// Hình thức trả kết quả (trực tiếp, bưu chính, trực tuyến).
    pub delivery: String,
    /// Where the result is handed over, for results collected in person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<String>,
    /// Lịch sử xử lý, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryStep>,
    /// When the one-stop system last changed this status (unix seconds):
    /// a push older than the stored one is refused, the same one is a no-op.
    pub updated_at: i64,
    /// A synthetic dossier shipped for demonstration and tests.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sample: bool,
}

/// Why a pushed dossier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DossierError {
    pub field: &'static str,
    pub message: String,
}

/// Bounds on pushed text, so that a reply stays within a chat bubble and a
/// push cannot grow an item without limit.
const MAX_NAME: usize = 500;
const MAX_FIELD: usize = 300;
const MAX_HISTORY: usize = 50;

/// How the appointment date stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Days left before the appointment date (0: today).
    DaysLeft(i64),
    /// Days past the appointment date.
    Overdue(i64),
    /// Processing is over.
    Finished,
}

impl Dossier {
    /// Checks a dossier read from a push or an import file.
    pub fn validate(&self) -> Result<(), DossierError> {
        let err = |field: &'static str, message: &str| {
            Err(DossierError {
                field,
                message: message.to_owned(),
            })
        };
        let text = |field: &'static str, v: &str, max: usize| {
            if v.trim().is_empty() {
                err(field, "must not be empty")
            } else if v.chars().count() > max {
                Err(DossierError {
                    field,
                    message: format!("longer than {max} characters"),
                })
            } else if v.chars().any(|c| c.is_control() && c != '\n') {
                err(field, "holds control characters")
            } else {
                Ok(())
            }
        };
        text("procedure", &self.procedure, MAX_NAME)?;
        text("agency", &self.agency, MAX_FIELD)?;
        text("delivery", &self.delivery, MAX_FIELD)?;
        if let Some(s) = &self.step {
            text("step", s, MAX_FIELD)?;
        }
        if let Some(s) = &self.pickup {
            text("pickup", s, MAX_FIELD)?;
        }
        if let Some(c) = &self.procedure_code {
            text("procedure_code", c, 40)?;
        }
        if self.history.len() > MAX_HISTORY {
            return err("history", "more than 50 steps");
        }
        for h in &self.history {
            text("history.step", &h.step, MAX_FIELD)?;
            if let Some(u) = &h.unit {
                text("history.unit", u, MAX_FIELD)?;
            }
        }
        let (y, m, d) = self.code.receipt_date();
        if Date::new(y, m, d) != Some(self.received) {
            return err(
                "received",
                "differs from the receipt date written in the dossier code",
            );
        }
        if self.due < self.received {
            return err("due", "is before the date received");
        }
        if self.result_date.is_some_and(|r| r < self.received) {
            return err("result_date", "is before the date received");
        }
        if self.updated_at <= 0 {
            return err("updated_at", "must be a unix time in seconds");
        }
        Ok(())
    }

    /// The appointment date seen from `now`.
    pub fn timing(&self, now: i64) -> Timing {
        if self.status.finished() {
            return Timing::Finished;
        }
        let today = Date::local(now).days();
        let due = self.due.days();
        if due >= today {
            Timing::DaysLeft(due - today)
        } else {
            Timing::Overdue(today - due)
        }
    }
}

/// Reads dossiers, one JSON object a line (an import file, the shipped
/// samples), validating each: every bad line is reported with its number
/// and what is wrong; a code given twice is an error.
pub fn read_jsonl(text: &str) -> Result<Vec<Dossier>, Vec<(usize, String)>> {
    match read_jsonl_lenient(text) {
        (valid, errors) if errors.is_empty() => Ok(valid),
        (_, errors) => Err(errors),
    }
}

/// Like [`read_jsonl`], but keeps the valid dossiers of a file that also
/// has bad lines: (valid, bad lines).
pub fn read_jsonl_lenient(text: &str) -> (Vec<Dossier>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let de = &mut serde_json::Deserializer::from_str(line);
        match serde_path_to_error::deserialize::<_, Dossier>(de) {
            Ok(d) => match d.validate() {
                Ok(()) if !seen.insert(d.code.clone()) => {
                    errors.push((n, format!("code {} given twice", d.code)))
                }
                Ok(()) => out.push(d),
                Err(e) => errors.push((n, e.to_string())),
            },
            Err(e) => {
                let path = e.path().to_string();
                errors.push((n, format!("{path}: {}", e.into_inner())));
            }
        }
    }
    (out, errors)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Dossier {
        Dossier {
            code: DossierCode::parse("000.00.17.H17-261120-0012").unwrap(),
            procedure: "Đăng ký khai sinh".into(),
            procedure_code: Some("1.001193".into()),
            agency: "UBND phường Hải Châu".into(),
            received: Date::new(2026, 11, 20).unwrap(),
            due: Date::new(2026, 11, 25).unwrap(),
            status: Status::Processing,
            step: Some("Công chức tư pháp - hộ tịch thẩm định".into()),
            result_date: None,
            delivery: "Trực tiếp tại Bộ phận một cửa".into(),
            pickup: Some("Bộ phận một cửa UBND phường Hải Châu".into()),
            history: vec![HistoryStep {
                date: Date::new(2026, 11, 20).unwrap(),
                step: "Tiếp nhận hồ sơ".into(),
                unit: Some("Bộ phận một cửa".into()),
            }],
            updated_at: 1_795_000_000,
            sample: true,
        }
    }

    #[test]
    fn shipped_samples_should_validate_and_be_labelled() {
        let all = read_jsonl(include_str!("../../../data/samples/dossiers.jsonl")).unwrap();
        assert!(all.len() >= 8);
        assert!(all.iter().all(|d| d.sample));
    }

    #[test]
    fn bad_lines_should_be_reported_with_their_numbers() {
        let good = serde_json::to_string(&sample()).unwrap();
        let text = format!(
            "{good}\n\nnot json\n{good}\n{}\n",
            good.replace("2026-11-20", "2026-11-31")
        );
        let errors = read_jsonl(&text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![3, 4, 5], "{errors:?}");
        assert!(errors[1].1.contains("twice"));
        assert!(errors[2].1.contains("received"), "{errors:?}");
    }

    #[test]
    fn a_well_formed_dossier_should_validate() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn received_date_should_agree_with_the_code() {
        let mut d = sample();
        d.received = Date::new(2026, 11, 21).unwrap();
        assert_eq!(d.validate().unwrap_err().field, "received");
    }

    #[test]
    fn bad_fields_should_be_named() {
        let mut d = sample();
        d.agency = " ".into();
        assert_eq!(d.validate().unwrap_err().field, "agency");
        let mut d = sample();
        d.due = Date::new(2026, 11, 19).unwrap();
        assert_eq!(d.validate().unwrap_err().field, "due");
        let mut d = sample();
        d.procedure = "x".repeat(501);
        assert_eq!(d.validate().unwrap_err().field, "procedure");
    }

    #[test]
    fn timing_should_count_local_days() {
        let d = sample();
        let due_midnight = d.due.local_midnight();
        assert_eq!(d.timing(due_midnight - 2 * 86_400), Timing::DaysLeft(2));
        assert_eq!(d.timing(due_midnight + 86_399), Timing::DaysLeft(0));
        assert_eq!(d.timing(due_midnight + 86_400), Timing::Overdue(1));
        let mut done = d.clone();
        done.status = Status::Returned;
        assert_eq!(done.timing(due_midnight + 86_400 * 9), Timing::Finished);
    }

    #[test]
    fn personal_fields_of_a_push_should_be_dropped() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["applicant_name"] = "Nguyễn Văn A".into();
        json["id_number"] = "048012345678".into();
        let d: Dossier = serde_json::from_value(json).unwrap();
        let back = serde_json::to_string(&d).unwrap();
        assert!(!back.contains("Nguyễn Văn A") && !back.contains("048012345678"));
    }
}
