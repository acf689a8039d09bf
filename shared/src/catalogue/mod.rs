//! Administrative procedures: the model, the converter from the national
//! portal's records, the search index and the ranking on top of it.

pub mod ages;
pub mod answer;
pub mod aspect;
pub mod convert;
pub mod index;
pub mod model;
pub mod packed;
pub mod search;
pub mod snapshot;
pub mod validate;

pub use aspect::Aspect;
pub use model::*;
pub use search::{Engine, Found, Hit, Outcome, Params};

use std::io::{BufRead, Write};

use crate::Error;

/// Reads a catalogue in the project's own format: JSON Lines, one
/// [`Procedure`] a line. Blank lines are skipped; any bad line fails the
/// whole read, naming the line.
pub fn read_jsonl(reader: impl BufRead) -> Result<Vec<Procedure>, Error> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let p = serde_json::from_str(&line).map_err(|e| Error::Parse {
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(p);
    }
    Ok(out)
}

/// Writes a catalogue in the format [`read_jsonl`] reads, one procedure a
/// line, in the order given.
pub fn write_jsonl(mut writer: impl Write, procedures: &[Procedure]) -> Result<(), Error> {
    for p in procedures {
        serde_json::to_writer(&mut writer, p)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(())
}
