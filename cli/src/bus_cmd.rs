//! `chatbot bus …`

use std::path::Path;
use std::process::ExitCode;

use chatbot::Error;
use chatbot::bus::convert::{self, CodeRegister};

use crate::files::{read, with_path, write_atomically};

/// `chatbot bus convert <stops.json> <routes.csv> --codes <stop-codes.csv>
/// --out <network.json>`.
///
/// Reads the 2023 stop data, the 2025–2026 route table and the stop-code
/// register (a missing register file is an empty register: every stop gets
/// a new code), converts, and writes the network and the updated register.
/// `out` is the network file, or a directory to write `network.json` in.
/// Both files are written next to their target and renamed, so a failed
/// run leaves the old ones intact.
pub fn convert(
    stops_json: &Path,
    routes_csv: &Path,
    codes: &Path,
    out: &Path,
) -> Result<ExitCode, Error> {
    let stops_text = read(stops_json)?;
    let routes_text = read(routes_csv)?;
    let register = match std::fs::read_to_string(codes) {
        Ok(text) => CodeRegister::parse(&text).map_err(|e| in_file(e, codes))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => CodeRegister::default(),
        Err(e) => return Err(with_path(e, codes)),
    };
    let conversion = convert::convert(&stops_text, &routes_text, &register)?;
    let out = if out.is_dir() {
        out.join("network.json")
    } else {
        out.to_path_buf()
    };
    write_atomically(&out, &convert::to_json(&conversion.network)?)?;
    write_atomically(codes, &conversion.register.to_csv())?;
    crate::say!("{}", conversion.report);
    crate::say!(
        "wrote {} stops and {} routes to {} (version {}), {} codes to {}",
        conversion.network.stops.len(),
        conversion.network.routes.len(),
        out.display(),
        conversion.network.version,
        conversion.register.entries.len(),
        codes.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Names the file a parse error comes from.
fn in_file(e: Error, path: &Path) -> Error {
    match e {
        Error::Parse { line, message } => Error::Parse {
            line,
            message: format!("{}: {message}", path.display()),
        },
        other => other,
    }
}
