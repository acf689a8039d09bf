//! The crate's one error type.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid procedure code {0:?}: expected a digit, a dot and six digits (1.001193)")]
    InvalidProcedureCode(String),
    #[error("line {line}: {message}")]
    Parse { line: usize, message: String },
    #[error("lexicon {file}, line {line}: {message}")]
    Lexicon {
        file: &'static str,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("store: {0}")]
    Store(String),
}
