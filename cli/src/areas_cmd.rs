//! `chatbot areas …`

use std::path::Path;
use std::process::ExitCode;

use chatbot::Error;
use chatbot::notices::vietmap;

use crate::files::{read, write_atomically};

/// `chatbot areas convert <wards.json> <old_to_new.csv> --out <file>`.
///
/// Converts VietMap's commune-level units of Đà Nẵng and its old-to-new
/// table into the project's `data/admin/wards.json`, prints the report,
/// and exits with failure (writing nothing) when a row's target matches
/// none of the units.
pub fn convert(wards_json: &Path, old_to_new_csv: &Path, out: &Path) -> Result<ExitCode, Error> {
    let units = read(wards_json)?;
    let table = read(old_to_new_csv)?;
    let conversion = vietmap::convert(&units, &table)?;
    crate::say!("{conversion}");
    if !conversion.unresolved.is_empty() {
        crate::say!("not written: fix the table or the units first");
        return Ok(ExitCode::FAILURE);
    }
    write_atomically(out, &conversion.json)?;
    crate::say!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}
