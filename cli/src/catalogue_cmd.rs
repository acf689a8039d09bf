//! `chatbot catalogue …`

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use chatbot::Error;
use chatbot::catalogue::{convert::convert_jsonl, write_jsonl};
use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};

use crate::files::{temp_path, with_path};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// `chatbot catalogue convert <input> --out <file>`.
///
/// Writes every record that converts, prints the report, and exits with
/// failure when any line was rejected.
pub fn convert(input: &Path, out: &Path) -> Result<ExitCode, Error> {
    let reader = open_maybe_gzip(input)?;
    let (mut procedures, report) = convert_jsonl(reader)?;
    // Sorted by code so the file does not depend on the scrape's order and
    // a later scrape diffs line by line.
    procedures.sort_by(|a, b| a.code.cmp(&b.code));
    write_catalogue(out, &procedures)?;
    crate::say!("{report}");
    crate::say!("wrote {} procedures to {}", procedures.len(), out.display());
    Ok(if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Gzip is recognised by its magic number, not the file name.
pub fn open_maybe_gzip(path: &Path) -> Result<Box<dyn BufRead>, Error> {
    let mut file = BufReader::new(File::open(path).map_err(|e| with_path(e, path))?);
    let gzip = file.fill_buf()?.starts_with(&GZIP_MAGIC);
    Ok(if gzip {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(file)
    })
}

/// Writes next to `out` and renames, so a failed run leaves no half file.
/// Gzip output carries no file name and a zero time stamp: the same input
/// gives the same bytes.
fn write_catalogue(out: &Path, procedures: &[chatbot::catalogue::Procedure]) -> Result<(), Error> {
    let tmp = temp_path(out);
    let result = (|| -> Result<(), Error> {
        let file = BufWriter::new(File::create(&tmp).map_err(|e| with_path(e, &tmp))?);
        if out.extension().is_some_and(|e| e == "gz") {
            let mut gz = GzBuilder::new().mtime(0).write(file, Compression::best());
            write_jsonl(&mut gz, procedures)?;
            gz.finish()?.flush()?;
        } else {
            let mut file = file;
            write_jsonl(&mut file, procedures)?;
        }
        std::fs::rename(&tmp, out).map_err(|e| with_path(e, out))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
