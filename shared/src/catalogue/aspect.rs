//! Which part of a procedure a citizen asks about.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A part of a procedure that can be asked for on its own ("cần giấy tờ gì"
/// → [`Aspect::Documents`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    Documents,
    Time,
    Fee,
    Place,
    Steps,
    Conditions,
    LegalBasis,
    Online,
    Result,
    Forms,
}

impl Aspect {
    pub const ALL: [Aspect; 10] = [
        Aspect::Documents,
        Aspect::Time,
        Aspect::Fee,
        Aspect::Place,
        Aspect::Steps,
        Aspect::Conditions,
        Aspect::LegalBasis,
        Aspect::Online,
        Aspect::Result,
        Aspect::Forms,
    ];

    /// The identifier used in files and JSON (`legal_basis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Documents => "documents",
            Self::Time => "time",
            Self::Fee => "fee",
            Self::Place => "place",
            Self::Steps => "steps",
            Self::Conditions => "conditions",
            Self::LegalBasis => "legal_basis",
            Self::Online => "online",
            Self::Result => "result",
            Self::Forms => "forms",
        }
    }

    /// A short Vietnamese label, fit for a button.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Documents => "Hồ sơ cần nộp",
            Self::Time => "Thời hạn",
            Self::Fee => "Lệ phí",
            Self::Place => "Nơi nộp",
            Self::Steps => "Trình tự",
            Self::Conditions => "Điều kiện",
            Self::LegalBasis => "Căn cứ pháp lý",
            Self::Online => "Nộp trực tuyến",
            Self::Result => "Kết quả",
            Self::Forms => "Mẫu đơn",
        }
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Aspect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| format!("unknown aspect {s:?}"))
    }
}
