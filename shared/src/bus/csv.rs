//! A small reader and writer for comma-separated values (RFC 4180): fields
//! in double quotes may hold commas, line breaks and doubled quotes (`""`).
//! Enough for the route table and the stop-code register without a
//! dependency.

use crate::Error;

/// One record: its fields, and the line it starts on (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Parses CSV text into records. A leading byte-order mark is skipped,
/// line ends may be `\n` or `\r\n`, and blank lines are ignored. A quote
/// inside an unquoted field, text after a closing quote, or a quoted field
/// that never closes is an error naming its line.
pub fn parse(text: &str) -> Result<Vec<Record>, Error> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    // Whether the current record has any content yet (a blank line has none).
    let mut started = false;
    // Whether the current field has begun (a quote only opens a quoted
    // field at its very start).
    let mut in_field = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if !in_field => {
                started = true;
                in_field = true;
                let quote_line = line;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => {
                            return Err(Error::Parse {
                                line: quote_line,
                                message: "quoted field never closes".into(),
                            });
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',' | '\n' | '\r') => {}
                    Some(c) => {
                        return Err(Error::Parse {
                            line,
                            message: format!("{c:?} after a closing quote"),
                        });
                    }
                }
            }
            '"' => {
                return Err(Error::Parse {
                    line,
                    message: "quote inside an unquoted field".into(),
                });
            }
            ',' => {
                started = true;
                in_field = false;
                fields.push(std::mem::take(&mut field));
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if started {
                    fields.push(std::mem::take(&mut field));
                    records.push(Record {
                        line: record_line,
                        fields: std::mem::take(&mut fields),
                    });
                }
                started = false;
                in_field = false;
                line += 1;
                record_line = line;
            }
            c => {
                started = true;
                in_field = true;
                field.push(c);
            }
        }
    }
    if started {
        fields.push(field);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

/// A CSV file with a header row: fields by column name.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    pub rows: Vec<Record>,
}

impl Table {
    /// Parses CSV whose first record names the columns. Every row must
    /// have as many fields as the header.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut records = parse(text)?.into_iter();
        let header = records
            .next()
            .ok_or_else(|| Error::Parse {
                line: 1,
                message: "no header row".into(),
            })?
            .fields
            .into_iter()
            .map(|h| h.trim().to_owned())
            .collect::<Vec<_>>();
        let rows: Vec<Record> = records.collect();
        for r in &rows {
            if r.fields.len() != header.len() {
                return Err(Error::Parse {
                    line: r.line,
                    message: format!(
                        "{} fields where the header has {}",
                        r.fields.len(),
                        header.len()
                    ),
                });
            }
        }
        Ok(Self { header, rows })
    }

    /// The position of a column, or an error naming it.
    pub fn column(&self, name: &str) -> Result<usize, Error> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Parse {
                line: 1,
                message: format!("no column {name:?}"),
            })
    }
}

/// Appends one field, quoted when it holds a comma, a quote, a line break
/// or surrounding spaces.
pub fn write_field(out: &mut String, value: &str) {
    let needs_quotes =
        value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn when_fields_are_quoted_should_keep_commas_and_doubled_quotes() {
        let text = "a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n";
        assert_eq!(
            fields(text),
            [vec!["a", "b", "c"], vec!["1", "x, y", "say \"hi\""]]
        );
    }

    #[test]
    fn when_a_quoted_field_spans_lines_should_keep_the_break_and_count_lines() {
        let records = parse("a,\"one\r\ntwo\"\nb,c\n").unwrap();
        assert_eq!(records[0].fields, ["a", "one\r\ntwo"]);
        assert_eq!(records[1].line, 3);
        assert_eq!(records[1].fields, ["b", "c"]);
    }

    #[test]
    fn when_fields_are_empty_should_keep_them() {
        assert_eq!(fields("a,,\"\",d\r\n"), [vec!["a", "", "", "d"]]);
        assert_eq!(fields(",\n"), [vec!["", ""]]);
    }

    #[test]
    fn when_text_has_bom_and_blank_lines_should_skip_them() {
        assert_eq!(
            fields("\u{FEFF}a,b\n\n\nc,d"),
            [vec!["a", "b"], vec!["c", "d"]]
        );
    }

    #[test]
    fn when_quotes_are_malformed_should_fail_naming_the_line() {
        match parse("a,b\n\"open,x\n") {
            Err(Error::Parse { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        match parse("a,b\nx\"y,z\n") {
            Err(Error::Parse { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        assert!(parse("\"a\"b,c\n").is_err());
    }

    #[test]
    fn when_the_real_route_table_row_has_nested_quotes_should_parse_it() {
        let text = "id,note,x\n03,\"CONFLICT: calls 03 \"\"Sân bay – FPT\"\"\",0\n";
        let t = Table::parse(text).unwrap();
        let note = t.column("note").unwrap();
        assert_eq!(
            t.rows[0].fields[note],
            "CONFLICT: calls 03 \"Sân bay – FPT\""
        );
    }

    #[test]
    fn when_a_row_has_the_wrong_width_should_fail() {
        assert!(Table::parse("a,b\n1,2,3\n").is_err());
    }

    #[test]
    fn written_fields_should_read_back() {
        for value in [
            "plain",
            "with, comma",
            "with \"quote\"",
            " padded ",
            "line\nbreak",
            "",
        ] {
            let mut line = String::from("k,");
            write_field(&mut line, value);
            line.push('\n');
            assert_eq!(fields(&line), [vec!["k".to_owned(), value.to_owned()]]);
        }
    }
}
