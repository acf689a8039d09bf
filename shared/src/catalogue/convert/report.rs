//! What one conversion run did, in numbers a maintainer can check against
//! the source.

use std::collections::BTreeMap;
use std::fmt;

use super::{Converted, Problem};

/// A line that did not become a procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 1-based line number in the input.
    pub line: usize,
    pub reason: String,
}

/// Counts over one run of the converter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversionReport {
    /// Non-blank input lines.
    pub records_read: usize,
    pub records_converted: usize,
    pub blank_lines: usize,
    pub rejected: Vec<Rejection>,
    /// Converted procedures that kept at least one raw piece.
    pub procedures_with_raw: usize,
    /// Occurrences, by source field and kind of problem.
    pub problems: BTreeMap<(&'static str, Problem), usize>,
}

impl ConversionReport {
    pub fn add(&mut self, c: &Converted) {
        self.records_converted += 1;
        if !c.procedure.raw.is_empty() {
            self.procedures_with_raw += 1;
        }
        for n in &c.notes {
            *self.problems.entry((n.field, n.problem)).or_default() += 1;
        }
    }

    pub fn reject(&mut self, line: usize, reason: String) {
        self.rejected.push(Rejection { line, reason });
    }

    /// Occurrences of one kind of problem in one source field.
    pub fn count(&self, field: &str, problem: Problem) -> usize {
        self.problems
            .iter()
            .filter(|((f, p), _)| *f == field && *p == problem)
            .map(|(_, n)| n)
            .sum()
    }

    /// Occurrences of one kind of problem over all fields.
    pub fn total(&self, problem: Problem) -> usize {
        self.problems
            .iter()
            .filter(|((_, p), _)| *p == problem)
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for ConversionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "records read: {}, converted: {}, rejected: {}{}",
            self.records_read,
            self.records_converted,
            self.rejected.len(),
            if self.blank_lines > 0 {
                format!(" ({} blank lines skipped)", self.blank_lines)
            } else {
                String::new()
            }
        )?;
        for r in &self.rejected {
            writeln!(f, "  rejected line {}: {}", r.line, r.reason)?;
        }
        writeln!(
            f,
            "procedures keeping raw pieces: {}",
            self.procedures_with_raw
        )?;
        if self.problems.is_empty() {
            return Ok(());
        }
        writeln!(f, "\nby kind (occurrences):")?;
        for p in Problem::ALL {
            let n = self.total(p);
            if n > 0 {
                writeln!(f, "  {n:>6}  {}", p.label())?;
            }
        }
        writeln!(f, "\nby source field:")?;
        let mut last_field = "";
        for (&(field, problem), &n) in &self.problems {
            if field != last_field {
                writeln!(f, "  {field}")?;
                last_field = field;
            }
            writeln!(f, "    {n:>6}  {}", problem.label())?;
        }
        Ok(())
    }
}
