//! Dossiers (hồ sơ) submitted by citizens: their codes ([`code`]) and the
//! status the one-stop system reports for them ([`record`]).

pub mod code;
pub mod record;

pub use code::{DossierCode, Found};
pub use record::{
    Dossier, DossierError, HistoryStep, Status, Timing, read_jsonl, read_jsonl_lenient,
};

/// Lookups of dossier status one citizen may make per minute: enough for a
/// family's few dossiers, too few to try codes one after another.
pub const LOOKUPS_PER_MINUTE: u32 = 5;
