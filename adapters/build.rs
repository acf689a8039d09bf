//! Prepares the embedded catalogue at compile time, so that a function on
//! the embedded default starts without reading 2,600 procedures:
//! - `engine.bin`: the search engine's snapshot (see
//!   `chatbot::catalogue::snapshot`), loaded at start;
//! - `procedures.jsonl` and `procedures.offsets`: every procedure's details
//!   as one JSON line, in the engine's entry order, and where each line
//!   starts (little-endian u32, one more than there are procedures), so
//!   that an answer parses only the procedure it needs.

use std::error::Error;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chatbot::catalogue::{Engine, read_jsonl};
use chatbot::text::lexicon::Lexicon;
use flate2::read::MultiGzDecoder;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let source = manifest.join("../data/procedures.jsonl.gz");
    println!("cargo::rerun-if-changed={}", source.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    if let Err(e) = build(&source, &out) {
        println!(
            "cargo::error=cannot prepare the embedded catalogue from {}: {e}",
            source.display()
        );
        std::process::exit(1);
    }
}

fn build(source: &Path, out: &Path) -> Result<(), Box<dyn Error>> {
    let procedures = read_jsonl(BufReader::new(MultiGzDecoder::new(File::open(source)?)))?;
    let engine = Engine::from_procedures(&procedures, Lexicon::embedded()?);
    std::fs::write(out.join("engine.bin"), engine.to_snapshot()?)?;
    let mut details = Vec::with_capacity(24 << 20);
    let mut offsets = Vec::with_capacity(4 * (procedures.len() + 1));
    for p in &procedures {
        offsets.extend_from_slice(&u32::try_from(details.len())?.to_le_bytes());
        serde_json::to_writer(&mut details, p)?;
        details.push(b'\n');
    }
    offsets.extend_from_slice(&u32::try_from(details.len())?.to_le_bytes());
    std::fs::write(out.join("procedures.jsonl"), details)?;
    std::fs::write(out.join("procedures.offsets"), offsets)?;
    Ok(())
}
