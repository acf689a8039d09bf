//! `chatbot catalogue …`

use std::path::Path;
use std::process::ExitCode;

/// `chatbot catalogue convert <input> --out <file>`.
pub fn convert(_input: &Path, _out: &Path) -> Result<ExitCode, chatbot::Error> {
    Err(chatbot::Error::Io(std::io::Error::other(
        "catalogue convert is not implemented yet",
    )))
}
