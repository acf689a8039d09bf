//! Validation of a catalogue file before it is imported: every bad record
//! is named by its line and field, and nothing is written from a file that
//! fails unless the caller chooses to skip the bad lines.

use std::collections::HashMap;
use std::io::BufRead;

use super::{Procedure, ProcedureCode};

/// The longest record accepted (a DynamoDB item holds 400 KB).
pub const MAX_RECORD_BYTES: usize = 380 * 1024;

/// One problem with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// 1-based line of the file.
    pub line: usize,
    /// The field at fault (`documents[2].items`), or `-` for the line.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// The records of a file: the good ones with their lines, and the problems.
#[derive(Debug, Default)]
pub struct Checked {
    pub valid: Vec<(usize, Procedure)>,
    pub invalid: Vec<Invalid>,
    /// Lines read (blank lines included).
    pub lines: usize,
}

impl Checked {
    /// The lines with at least one problem.
    pub fn bad_lines(&self) -> usize {
        let mut lines: Vec<usize> = self.invalid.iter().map(|i| i.line).collect();
        lines.dedup();
        lines.len()
    }
}

fn invalid(line: usize, field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Checks one record; the procedure when it is good.
fn check_line(line: usize, text: &str) -> Result<Procedure, Vec<Invalid>> {
    if text.len() > MAX_RECORD_BYTES {
        return Err(vec![invalid(
            line,
            "-",
            format!(
                "the record is {} bytes; at most {MAX_RECORD_BYTES} fit in the store",
                text.len()
            ),
        )]);
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    let p: Procedure = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let mut message = e.into_inner().to_string();
        // The record is one line: its column is what locates the fault.
        if let Some(i) = message.rfind(" at line 1 column ") {
            let column = message[i + " at line 1 column ".len()..].to_owned();
            message.truncate(i);
            message.push_str(&format!(" (column {column})"));
        }
        // A missing field is reported on its parent: name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        let field = match (path.as_str(), missing) {
            ("." | "?", Some(m)) => m.to_owned(),
            (p, Some(m)) => format!("{p}.{m}"),
            ("." | "?", None) => "-".to_owned(),
            (p, None) => p.to_owned(),
        };
        vec![invalid(line, &field, message)]
    })?;
    let mut problems = Vec::new();
    if p.name.trim().is_empty() {
        problems.push(invalid(line, "name", "is empty"));
    }
    if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
        problems.push(invalid(
            line,
            "url",
            format!("{:?} is not an http(s) URL", p.url),
        ));
    }
    if p.field.trim().is_empty() {
        problems.push(invalid(line, "field", "is empty"));
    }
    if problems.is_empty() {
        Ok(p)
    } else {
        Err(problems)
    }
}

/// Reads and checks every line of a catalogue file (JSON Lines, one
/// procedure a line). Read errors stop the check; record errors do not.
pub fn check_jsonl(reader: impl BufRead) -> Result<Checked, crate::Error> {
    let mut out = Checked::default();
    let mut first_line: HashMap<ProcedureCode, usize> = HashMap::new();
    for (i, text) in reader.lines().enumerate() {
        let line = i + 1;
        out.lines = line;
        let text = text.map_err(|e| crate::Error::Parse {
            line,
            message: e.to_string(),
        })?;
        if text.trim().is_empty() {
            continue;
        }
        match check_line(line, &text) {
            Ok(p) => match first_line.get(&p.code) {
                Some(first) => out.invalid.push(invalid(
                    line,
                    "code",
                    format!("{} is already on line {first}", p.code),
                )),
                None => {
                    first_line.insert(p.code.clone(), line);
                    out.valid.push((line, p));
                }
            },
            Err(mut problems) => out.invalid.append(&mut problems),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"code":"1.001193","name":"Đăng ký khai sinh","url":"https://dichvucong.gov.vn/p/1","levels":[],"field":"Hộ tịch","ministry":"bo-tu-phap"}"#;

    fn check(text: &str) -> Checked {
        check_jsonl(text.as_bytes()).unwrap()
    }

    #[test]
    fn good_records_should_pass_and_blank_lines_be_skipped() {
        let c = check(&format!("{GOOD}\n\n"));
        assert_eq!(c.valid.len(), 1);
        assert!(c.invalid.is_empty());
    }

    #[test]
    fn bad_records_should_name_the_line_and_the_field() {
        let bad_code = GOOD.replace("1.001193", "1.1193");
        let no_name = GOOD.replace(r#""name":"Đăng ký khai sinh","#, "");
        let bad_levels = GOOD.replace(r#""levels":[]"#, r#""levels":"toàn trình""#);
        let empty_name = GOOD
            .replace("Đăng ký khai sinh", " ")
            .replace("1.001193", "1.000001");
        let bad_url = GOOD
            .replace("https://dichvucong.gov.vn/p/1", "javascript:alert(1)")
            .replace("1.001193", "1.000002");
        let text = [
            GOOD,
            &bad_code,
            &no_name,
            "{not json",
            &bad_levels,
            &empty_name,
            &bad_url,
            GOOD,
        ]
        .join("\n");
        let c = check(&text);
        assert_eq!(c.valid.len(), 1);
        let got: Vec<(usize, &str)> = c
            .invalid
            .iter()
            .map(|i| (i.line, i.field.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "code"),
                (3, "name"),
                (4, "-"),
                (5, "levels"),
                (6, "name"),
                (7, "url"),
                (8, "code")
            ]
        );
        assert!(c.invalid[1].message.contains("name"), "{}", c.invalid[1]);
        assert!(c.invalid[6].message.contains("line 1"), "{}", c.invalid[6]);
        assert_eq!(c.bad_lines(), 7);
    }

    #[test]
    fn oversized_records_should_be_refused() {
        let huge = GOOD.replace("Hộ tịch", &"x".repeat(MAX_RECORD_BYTES));
        let c = check(&huge);
        assert_eq!(c.invalid.len(), 1);
        assert!(c.invalid[0].message.contains("bytes"));
    }
}
