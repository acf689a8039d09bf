//! What one conversion run did, in numbers a maintainer can check against
//! the source.

use std::collections::BTreeMap;
use std::fmt;

use super::{Converted, Problem};
use crate::catalogue::model::{Duration, Fee, Procedure};

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
    /// What the converted procedures hold, summed.
    pub parsed: Parsed,
}

/// Totals of the structure the converter produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub channel_rows: usize,
    pub times_fixed: usize,
    pub fees_free: usize,
    pub fees_amount: usize,
    pub fees_text: usize,
    pub document_groups: usize,
    pub documents: usize,
    pub forms: usize,
    pub legal_docs: usize,
    pub results: usize,
    pub steps: usize,
    pub raw_pieces: usize,
}

impl Parsed {
    fn add(&mut self, p: &Procedure) {
        self.channel_rows += p.channels.len();
        for c in &p.channels {
            self.times_fixed += usize::from(matches!(c.time, Duration::Fixed { .. }));
            match c.fee {
                Fee::Free => self.fees_free += 1,
                Fee::Amount { .. } => self.fees_amount += 1,
                Fee::Text { .. } => self.fees_text += 1,
                Fee::Unknown => {}
            }
        }
        self.document_groups += p.documents.len();
        self.documents += p.documents.iter().map(|g| g.documents.len()).sum::<usize>();
        self.forms += p.forms().count();
        self.legal_docs += p.legal_basis.len();
        self.results += p.results.len();
        self.steps += p.steps.len();
        self.raw_pieces += p.raw.len();
    }
}

impl ConversionReport {
    pub fn add(&mut self, c: &Converted) {
        self.records_converted += 1;
        self.parsed.add(&c.procedure);
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
        let p = &self.parsed;
        writeln!(
            f,
            "channel rows: {} ({} with a time and unit; fees: {} free, {} amount, {} text)",
            p.channel_rows, p.times_fixed, p.fees_free, p.fees_amount, p.fees_text
        )?;
        writeln!(
            f,
            "documents: {} in {} groups, naming {} form files",
            p.documents, p.document_groups, p.forms
        )?;
        writeln!(
            f,
            "legal documents: {}, results: {}, steps: {}",
            p.legal_docs, p.results, p.steps
        )?;
        writeln!(
            f,
            "raw pieces kept: {} in {} procedures",
            p.raw_pieces, self.procedures_with_raw
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
