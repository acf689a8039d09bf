//! Retrieval quality on labelled citizen queries.
//!
//! A labelled line is `{"q": "...", "expect": ["1.001193", ...], "slice":
//! "...", "aspect": "fee"}`: `expect` lists every acceptable code (the same
//! procedure at several levels); an empty list means the catalogue has no
//! right answer (`slice` = `oos`) and the engine must not answer.

pub mod perturb;

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::catalogue::{Aspect, Engine, Found, Outcome, Params};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    pub q: String,
    pub expect: Vec<String>,
    pub slice: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect: Option<Aspect>,
}

/// Reads labelled queries, one JSON object a line; a bad line fails the
/// read with its number.
pub fn read_labelled(reader: impl BufRead) -> Result<Vec<Labelled>, Error> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|e| Error::Parse {
            line: i + 1,
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

/// Counts for one slice (or all of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Queries with a right answer.
    pub in_scope: usize,
    pub top1: usize,
    pub top3: usize,
    /// Sum of reciprocal ranks within the first five.
    pub rr5: f64,
    /// In-scope queries answered directly (outcome `answer`).
    pub answered: usize,
    /// Queries answered directly with a wrong procedure, out-of-scope ones
    /// included: the error that matters most.
    pub wrong_answers: usize,
    pub oos: usize,
    /// Out-of-scope queries whose outcome is not `answer`.
    pub oos_rejected: usize,
    pub aspect_total: usize,
    pub aspect_right: usize,
}

fn ratio(a: f64, b: usize) -> Option<f64> {
    (b > 0).then(|| a / b as f64)
}

impl Stats {
    pub fn top1_rate(&self) -> Option<f64> {
        ratio(self.top1 as f64, self.in_scope)
    }
    pub fn top3_rate(&self) -> Option<f64> {
        ratio(self.top3 as f64, self.in_scope)
    }
    pub fn mrr5(&self) -> Option<f64> {
        ratio(self.rr5, self.in_scope)
    }
    pub fn answer_rate(&self) -> Option<f64> {
        ratio(self.answered as f64, self.in_scope)
    }
    pub fn oos_rejection(&self) -> Option<f64> {
        ratio(self.oos_rejected as f64, self.oos)
    }
    pub fn aspect_accuracy(&self) -> Option<f64> {
        ratio(self.aspect_right as f64, self.aspect_total)
    }

    /// Adds another query's (or slice's) counts.
    pub fn add(&mut self, o: &Stats) {
        self.in_scope += o.in_scope;
        self.top1 += o.top1;
        self.top3 += o.top3;
        self.rr5 += o.rr5;
        self.answered += o.answered;
        self.wrong_answers += o.wrong_answers;
        self.oos += o.oos;
        self.oos_rejected += o.oos_rejected;
        self.aspect_total += o.aspect_total;
        self.aspect_right += o.aspect_right;
    }
}

/// One query's outcome, for listing the misses.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub line: Labelled,
    pub found: Found,
    /// 1-based rank of the first acceptable code within the results.
    pub rank: Option<usize>,
}

impl Judged {
    pub fn is_miss(&self) -> bool {
        let aspect_wrong = self.line.aspect.is_some() && self.line.aspect != self.found.aspect;
        if self.line.expect.is_empty() {
            self.found.outcome == Outcome::Answer || aspect_wrong
        } else {
            self.rank != Some(1) || self.found.outcome != Outcome::Answer || aspect_wrong
        }
    }
}

/// Per-slice and overall figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub slices: BTreeMap<String, Stats>,
    pub overall: Stats,
    pub judged: Vec<Judged>,
}

/// Scores a ranking against its label: `codes` best first, `answered`
/// whether the engine answered directly. Returns the counts (aspects
/// aside) and the 1-based rank of the first acceptable code.
pub fn judge_ranking<'a>(
    line: &Labelled,
    codes: impl IntoIterator<Item = &'a str>,
    answered: bool,
) -> (Stats, Option<usize>) {
    let mut s = Stats::default();
    let rank = codes
        .into_iter()
        .position(|c| line.expect.iter().any(|e| e == c))
        .map(|i| i + 1);
    if line.expect.is_empty() {
        s.oos = 1;
        if answered {
            s.wrong_answers = 1;
        } else {
            s.oos_rejected = 1;
        }
    } else {
        s.in_scope = 1;
        s.top1 = usize::from(rank == Some(1));
        s.top3 = usize::from(rank.is_some_and(|r| r <= 3));
        s.rr5 = rank.filter(|r| *r <= 5).map_or(0.0, |r| 1.0 / r as f64);
        if answered {
            s.answered = 1;
            s.wrong_answers = usize::from(rank != Some(1));
        }
    }
    (s, rank)
}

/// Scores one query against its label.
pub fn judge(line: &Labelled, found: Found) -> (Stats, Judged) {
    let (mut s, rank) = judge_ranking(
        line,
        found.hits.iter().map(|h| h.code.as_str()),
        found.outcome == Outcome::Answer,
    );
    if let Some(a) = line.aspect {
        s.aspect_total = 1;
        s.aspect_right = usize::from(found.aspect == Some(a));
    }
    (
        s,
        Judged {
            line: line.clone(),
            found,
            rank,
        },
    )
}

/// Runs every labelled query through the engine.
pub fn evaluate(engine: &Engine, lines: &[Labelled]) -> Report {
    let mut r = Report::default();
    for line in lines {
        let (s, j) = judge(line, engine.search(&line.q));
        r.slices.entry(line.slice.clone()).or_default().add(&s);
        r.overall.add(&s);
        r.judged.push(j);
    }
    r
}

/// What an outcome is worth to the citizen who asked, for calibrating the
/// decision thresholds: a right answer helps most and a wrong confident
/// answer harms most (it sends a citizen to the wrong counter); a question
/// with the right choice among its options helps somewhat; saying "I don't
/// know" with the hotline is right for out-of-scope questions and a mild
/// failure otherwise.
fn utility(line: &Labelled, outcome: Outcome, rank: Option<usize>) -> f64 {
    use crate::catalogue::answer::MAX_CHOICES;
    match (line.expect.is_empty(), outcome) {
        (true, Outcome::Answer) => -4.0,
        (true, Outcome::Clarify) => -0.5,
        (true, Outcome::None) => 1.0,
        (false, Outcome::Answer) if rank == Some(1) => 1.0,
        (false, Outcome::Answer) => -4.0,
        (false, Outcome::Clarify) if rank.is_some_and(|r| r <= MAX_CHOICES) => 0.5,
        (false, Outcome::Clarify) => -0.5,
        (false, Outcome::None) => -0.25,
    }
}

/// Decision thresholds chosen on labelled queries, and what they achieve.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub params: Params,
    /// Mean utility per query (see [`utility`]) with those thresholds.
    pub utility: f64,
}

/// Searches the decision thresholds (coverage to propose anything, coverage
/// and margin to answer directly) for the best mean utility on `lines`,
/// together with the one ranking weight the decision leans on most, the
/// least weight of words a rewrite brings in ([`Params::added_word`]).
/// Ranking does not depend on the thresholds, so every query is searched
/// once per value of that weight. Among equally good settings the
/// strictest wins (and the larger weight).
pub fn calibrate(engine: &Engine, lines: &[Labelled]) -> Calibration {
    let base = engine.params();
    let mut best = Calibration {
        params: base,
        utility: f64::NEG_INFINITY,
    };
    let mut probe = engine.clone();
    for added_word in steps(0.3, 1.0, 0.1) {
        probe = probe.with_params(Params { added_word, ..base });
        let judged: Vec<(&Labelled, Found, Option<usize>)> = lines
            .iter()
            .map(|l| {
                let f = probe.search(&l.q);
                let rank = f
                    .hits
                    .iter()
                    .position(|h| l.expect.iter().any(|e| e == h.code.as_str()))
                    .map(|i| i + 1);
                (l, f, rank)
            })
            .collect();
        let found = best_thresholds(&judged, probe.params());
        if found.utility > best.utility + 1e-9 {
            best = found;
        }
    }
    best
}

/// `from` to `to` by `step`, largest first.
fn steps(from: f32, to: f32, step: f32) -> impl Iterator<Item = f32> {
    let n = ((to - from) / step).round() as usize;
    (0..=n).rev().map(move |i| from + step * i as f32)
}

/// The decision thresholds that serve searched queries best.
fn best_thresholds(judged: &[(&Labelled, Found, Option<usize>)], base: Params) -> Calibration {
    let mut best = Calibration {
        params: base,
        utility: f64::NEG_INFINITY,
    };
    for fit_name_weight in steps(0.0, 1.0, 0.1) {
        for min_coverage in steps(0.2, 0.9, 0.025) {
            for answer_coverage in steps(min_coverage, 1.0, 0.025) {
                for answer_margin in steps(0.5, 1.0, 0.025) {
                    let p = Params {
                        fit_name_weight,
                        min_coverage,
                        answer_coverage,
                        answer_margin,
                        ..base
                    };
                    let total: f64 = judged
                        .iter()
                        .map(|(l, f, rank)| {
                            utility(
                                l,
                                crate::catalogue::search::decide(
                                    &p,
                                    &f.hits,
                                    f.content_words,
                                    f.definition,
                                ),
                                *rank,
                            )
                        })
                        .sum();
                    let u = total / judged.len().max(1) as f64;
                    if u > best.utility + 1e-9 {
                        best = Calibration {
                            params: p,
                            utility: u,
                        };
                    }
                }
            }
        }
    }
    best
}

/// Mean utility of the engine's own decisions on `lines`.
pub fn mean_utility(engine: &Engine, lines: &[Labelled]) -> f64 {
    let total: f64 = lines
        .iter()
        .map(|l| {
            let (_, j) = judge(l, engine.search(&l.q));
            utility(l, j.found.outcome, j.rank)
        })
        .sum();
    total / lines.len().max(1) as f64
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"))
}

/// The header of [`Report::table`] and [`Stats::row`], its first column
/// named `first`.
pub fn table_header(first: &str) -> String {
    format!("{first:<9} queries  top1   top3   mrr@5  answered  wrong  oos-rej  aspect\n")
}

impl Stats {
    /// One row of a plain-text table (see [`table_header`]).
    pub fn row(&self, name: &str) -> String {
        format!(
            "{:<9} {:>7}  {:<6} {:<6} {:<6} {:<9} {:>5}  {:<8} {}\n",
            name,
            self.in_scope + self.oos,
            cell(self.top1_rate()),
            cell(self.top3_rate()),
            cell(self.mrr5()),
            cell(self.answer_rate()),
            self.wrong_answers,
            cell(self.oos_rejection()),
            cell(self.aspect_accuracy()),
        )
    }
}

impl Report {
    /// A plain-text table, one row per slice and one overall.
    pub fn table(&self) -> String {
        let mut out = table_header("slice");
        let rows = self
            .slices
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .chain([("overall", &self.overall)]);
        for (name, s) in rows {
            out.push_str(&s.row(name));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Hit, ProcedureCode};

    fn found(outcome: Outcome, codes: &[&str]) -> Found {
        Found {
            outcome,
            aspect: None,
            hits: codes
                .iter()
                .map(|c| Hit {
                    code: ProcedureCode::parse(c).unwrap(),
                    name: "".into(),
                    score: 1.0,
                    also: vec![],
                    coverage: 1.0,
                    name_coverage: 1.0,
                    split_word: false,
                    said_whole: false,
                    doc: 0,
                })
                .collect(),
            content_words: 1,
            definition: false,
        }
    }

    fn line(expect: &[&str]) -> Labelled {
        Labelled {
            q: "q".into(),
            expect: expect.iter().map(|s| s.to_string()).collect(),
            slice: "clean".into(),
            aspect: None,
        }
    }

    #[test]
    fn when_right_code_is_second_should_count_top3_and_half_reciprocal_rank() {
        let (s, j) = judge(
            &line(&["1.000002"]),
            found(Outcome::Clarify, &["1.000001", "1.000002"]),
        );
        assert_eq!((s.top1, s.top3, s.rr5), (0, 1, 0.5));
        assert_eq!(j.rank, Some(2));
    }

    #[test]
    fn when_wrong_procedure_is_answered_should_count_a_wrong_answer() {
        let (s, _) = judge(&line(&["1.000002"]), found(Outcome::Answer, &["1.000001"]));
        assert_eq!((s.answered, s.wrong_answers), (1, 1));
    }

    #[test]
    fn when_out_of_scope_query_gets_clarify_should_count_as_rejected() {
        let (s, _) = judge(&line(&[]), found(Outcome::Clarify, &["1.000001"]));
        assert_eq!((s.oos, s.oos_rejected, s.wrong_answers), (1, 1, 0));
        let (s, _) = judge(&line(&[]), found(Outcome::Answer, &["1.000001"]));
        assert_eq!((s.oos_rejected, s.wrong_answers), (0, 1));
    }
}
