//! Reading and writing the data files the commands convert.

use std::path::{Path, PathBuf};

use chatbot::Error;

/// A file's text; the error names the file.
pub fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| with_path(e, path))
}

/// Writes next to `path` and renames, so that a failed run leaves the old
/// file intact and never a half-written one.
pub fn write_atomically(path: &Path, content: &str) -> Result<(), Error> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, content)
        .map_err(|e| with_path(e, &tmp))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| with_path(e, path)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where a file is written before it is renamed into place.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// An I/O error that names the file.
pub fn with_path(e: std::io::Error, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}
