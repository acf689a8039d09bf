//! Lookups the dialogue routes to: dossier status, buses, city notices.
//! The dialogue says what it needs ([`Need`]); an implementation of
//! [`Lookups`] fetches it; the dialogue words the answer.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::dossier::DossierCode;
use crate::store::StoreError;

/// Kinds of city notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Lịch cắt điện.
    PowerCut,
    /// Lịch cắt nước.
    WaterCut,
    /// Bão, lũ, ngập, áp thấp.
    Storm,
    /// Lịch tiếp công dân.
    Reception,
    /// Văn bản, chính sách mới.
    Policy,
    /// Kết quả thi, điểm thi.
    ExamResults,
}

impl NoticeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::PowerCut => "lịch cắt điện",
            Self::WaterCut => "lịch cắt nước",
            Self::Storm => "cảnh báo bão, lũ",
            Self::Reception => "lịch tiếp công dân",
            Self::Policy => "văn bản, chính sách mới",
            Self::ExamResults => "kết quả thi",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "power_cut" => Self::PowerCut,
            "water_cut" => Self::WaterCut,
            "storm" => Self::Storm,
            "reception" => Self::Reception,
            "policy" => Self::Policy,
            "exam_results" => Self::ExamResults,
            _ => return None,
        })
    }
}

/// What the dialogue needs looked up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "need", rename_all = "snake_case")]
pub enum Need {
    /// The status of a dossier.
    Dossier { code: DossierCode },
    /// Routes through a bus stop (`MT <mã trạm>`).
    BusStop { code: String },
    /// Stops near a shared location.
    Nearby { lat: f64, lng: f64 },
    /// A bus question in words (a route, fares, hours, an address).
    Bus { query: String },
    /// Current and upcoming notices of a kind; `query` may name an area.
    Notices { kind: NoticeKind, query: String },
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Looked {
    /// This lookup is not offered yet.
    Unavailable,
}

/// Fetches what the dialogue needs.
#[async_trait]
pub trait Lookups: Send + Sync {
    async fn lookup(&self, need: &Need, now: i64) -> Result<Looked, StoreError>;
}

/// The lookups before their data sources are connected: every lookup says
/// plainly that it is not available yet.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotYetAvailable;

#[async_trait]
impl Lookups for NotYetAvailable {
    async fn lookup(&self, _need: &Need, _now: i64) -> Result<Looked, StoreError> {
        Ok(Looked::Unavailable)
    }
}
