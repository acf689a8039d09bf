//! `chatbot areas …`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chatbot::Error;
use chatbot::notices::vietmap;

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

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| with_path(e, path))
}

/// Writes next to `out` and renames, so a failed run leaves no half file.
fn write_atomically(out: &Path, text: &str) -> Result<(), Error> {
    let tmp = temp_path(out);
    let result = std::fs::write(&tmp, text)
        .map_err(|e| with_path(e, &tmp))
        .and_then(|()| std::fs::rename(&tmp, out).map_err(|e| with_path(e, out)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temp_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    out.with_file_name(name)
}

fn with_path(e: std::io::Error, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}
