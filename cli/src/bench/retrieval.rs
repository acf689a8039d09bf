//! `chatbot bench retrieval`: our engine side by side with peer engines on
//! the same catalogue and labelled queries, in one run.
//!
//! Every engine runs in its own process under the peer protocol (Rust ones
//! as `chatbot bench peer`, Python ones as cli/bench/peers.py), so that its
//! build time and peak memory are its own. The figures go to stdout, to a
//! section of BENCHMARKS.md (between markers; the rest of the file is left
//! alone) and to a PNG chart.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use chatbot::Error;
use chatbot::calendar::Date;
use chatbot::catalogue::{self, Entry};
use chatbot::eval::{self, Labelled, Stats};
use clap::Args;

use super::chart::{self, ChartEngine};
use super::peer::RustEngine;
use super::{PeerReport, PeerResult, fail};
use crate::CatalogueArg;
use crate::files::{self, with_path};
use crate::search_cmd::open_maybe_gzip;

/// The team's labelled set, relative to the project.
const TEAM_SET: &str = "data/eval/queries.jsonl";
const PROJECT_TEAM_SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/eval/queries.jsonl");
const PEERS_PY: &str = "cli/bench/peers.py";
const PROJECT_PEERS_PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/peers.py");
/// What the Python peers import.
const PYTHON_MODULES: &str = "numpy, scipy, sklearn, rapidfuzz";

const ALL_ENGINES: [&str; 5] = ["ours", "tantivy", "tantivy-stock", "tfidf", "rapidfuzz"];
const DEFAULT_ENGINES: &str = "ours,tantivy,tantivy-stock,tfidf,rapidfuzz";
const DEFAULT_VENV: &str = ".tools/bench";

pub const BEGIN: &str = "<!-- bench:retrieval:begin -->";
pub const END: &str = "<!-- bench:retrieval:end -->";

/// The in-scope slices, in the order of the tables (others follow,
/// alphabetically; `oos` is the rejection column).
const SLICES: [&str; 6] = ["clean", "nodiac", "typo", "abbrev", "teen", "aspect"];
const OOS: &str = "oos";

#[derive(Args)]
pub struct RetrievalArgs {
    /// A labelled query set (JSON Lines: q, expect, slice); repeat the
    /// option for several sets. The first set is the reference: the main
    /// table, the chart and the peers' rejection thresholds come from it.
    #[arg(long = "queries", value_name = "FILE", default_value = TEAM_SET)]
    queries: Vec<PathBuf>,
    /// A further labelled set, e.g. the development set
    /// ../shared/eval/dev.jsonl (an error when it does not exist).
    #[arg(long, value_name = "FILE")]
    dev: Option<PathBuf>,
    /// The engines to compare, in order, comma-separated: ours, tantivy,
    /// tantivy-stock, tfidf, rapidfuzz.
    #[arg(long, value_name = "LIST", default_value = DEFAULT_ENGINES)]
    engines: String,
    /// Timed passes over all queries.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// Untimed passes before them.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// The Markdown file whose retrieval section is (re)written.
    #[arg(long, value_name = "FILE", default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// The chart (PNG).
    #[arg(long, value_name = "FILE", default_value = "docs/bench-retrieval.png")]
    chart: PathBuf,
    /// The Python virtual environment of the Python peers (created, and
    /// cli/bench/requirements.txt installed into it, when it lacks them).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_VENV)]
    venv: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueArg,
}

/// How an engine is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rust(RustEngine),
    Python,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    name: &'static str,
    kind: Kind,
}

/// The engines of `--engines`, in order, without repeats.
fn parse_engines(list: &str) -> Result<Vec<Spec>, Error> {
    let valid = ALL_ENGINES.join(", ");
    let mut out: Vec<Spec> = Vec::new();
    for given in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(name) = ALL_ENGINES.iter().copied().find(|n| *n == given) else {
            return Err(fail(format!(
                "unknown engine {given:?} in --engines: the valid engines are {valid}"
            )));
        };
        let kind = match name {
            "ours" => Kind::Rust(RustEngine::Ours),
            "tantivy" => Kind::Rust(RustEngine::Tantivy),
            "tantivy-stock" => Kind::Rust(RustEngine::TantivyStock),
            _ => Kind::Python,
        };
        if !out.iter().any(|s| s.name == name) {
            out.push(Spec { name, kind });
        }
    }
    if out.is_empty() {
        return Err(fail(format!(
            "--engines names no engine: the valid engines are {valid}"
        )));
    }
    Ok(out)
}

/// One labelled query set, and where its queries sit in the run's list.
struct QuerySet {
    label: String,
    lines: Vec<Labelled>,
    range: Range<usize>,
}

fn read_set(path: &Path) -> Result<Vec<Labelled>, Error> {
    let lines = eval::read_labelled(open_maybe_gzip(path)?)
        .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    if lines.is_empty() {
        return Err(fail(format!("{}: no labelled queries", path.display())));
    }
    Ok(lines)
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, Error> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "chatbot-bench-retrieval-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| with_path(e, &dir))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_lines<T: serde::Serialize>(path: &Path, items: &[T]) -> Result<(), Error> {
    let file = std::fs::File::create(path).map_err(|e| with_path(e, path))?;
    let mut w = std::io::BufWriter::new(file);
    for item in items {
        serde_json::to_writer(&mut w, item)?;
        w.write_all(b"\n")?;
    }
    w.flush().map_err(|e| with_path(e, path))?;
    Ok(())
}

/// The last lines of a peer's stderr, for its error.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(15);
    if lines.is_empty() {
        "(nothing on stderr)".to_owned()
    } else {
        lines[from..].join("\n")
    }
}

fn run_checked(what: &str, cmd: &mut Command) -> Result<Output, Error> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("{what}: cannot start {:?}: {e}", cmd.get_program())))?;
    if !out.status.success() {
        return Err(fail(format!(
            "{what} failed ({}):\n{}",
            out.status,
            tail(&out.stderr)
        )));
    }
    Ok(out)
}

/// peers.py: in the project the command runs from, else in the project it
/// was built from.
fn peers_py() -> Result<PathBuf, Error> {
    [PEERS_PY, PROJECT_PEERS_PY]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            fail(format!(
                "the Python peers need {PEERS_PY}, found neither there nor at {PROJECT_PEERS_PY}"
            ))
        })
}

/// The venv's python, with the peers' packages (installed when missing).
fn python(venv: &Path, peers: &Path) -> Result<PathBuf, Error> {
    let python = venv.join("bin/python");
    let ready = python.is_file()
        && Command::new(&python)
            .args(["-c", &format!("import {PYTHON_MODULES}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if ready {
        return Ok(python);
    }
    let requirements = peers.with_file_name("requirements.txt");
    eprintln!(
        "bench: setting up the Python peers in {} (pip install -r {})",
        venv.display(),
        requirements.display()
    );
    if !python.is_file() {
        run_checked(
            &format!("python3 -m venv {}", venv.display()),
            Command::new("python3").arg("-m").arg("venv").arg(venv),
        )?;
    }
    run_checked(
        &format!("pip install -r {}", requirements.display()),
        Command::new(venv.join("bin/pip"))
            .args(["install", "--disable-pip-version-check", "-q", "-r"])
            .arg(&requirements),
    )?;
    Ok(python)
}

/// One engine's process, taking turns with the others (see
/// [`super::peer`]): its standard input and output are the turns, its
/// standard error goes to a file for the error message.
struct Running {
    name: &'static str,
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    stderr: PathBuf,
}

impl Running {
    fn start(
        spec: Spec,
        mut cmd: Command,
        paths: [&Path; 3],
        a: &RetrievalArgs,
    ) -> Result<Self, Error> {
        let [corpus, queries, stderr] = paths;
        cmd.arg("--corpus")
            .arg(corpus)
            .arg("--queries")
            .arg(queries)
            .arg("--repeat")
            .arg(a.repeat.to_string())
            .arg("--warmup")
            .arg(a.warmup.to_string())
            .arg("--turns");
        let err = std::fs::File::create(stderr).map_err(|e| with_path(e, stderr))?;
        let what = format!("engine {}", spec.name);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .map_err(|e| fail(format!("{what}: cannot start {:?}: {e}", cmd.get_program())))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("both piped just above")
        };
        Ok(Self {
            name: spec.name,
            child,
            stdin,
            stdout: std::io::BufReader::new(stdout),
            stderr: stderr.to_owned(),
        })
    }

    /// The last lines the process wrote on its standard error.
    fn stderr_tail(&self) -> String {
        tail(&std::fs::read(&self.stderr).unwrap_or_default())
    }

    /// The next line the process prints (a failure when it has ended).
    fn line(&mut self) -> Result<String, Error> {
        use std::io::BufRead as _;
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line)?;
        if n == 0 {
            let status = self.child.wait()?;
            return Err(fail(format!(
                "engine {} ended early ({status}):\n{}",
                self.name,
                self.stderr_tail()
            )));
        }
        Ok(line.trim_end().to_owned())
    }

    /// Waits for the line `want`.
    fn expect(&mut self, want: &str) -> Result<(), Error> {
        let line = self.line()?;
        if line == want {
            Ok(())
        } else {
            Err(fail(format!(
                "engine {}: expected `{want}`, read {line:?}",
                self.name
            )))
        }
    }

    /// Runs one timed pass.
    fn turn(&mut self) -> Result<(), Error> {
        self.stdin.write_all(b"go\n")?;
        self.stdin.flush()?;
        self.expect("done")
    }

    /// The report printed after the last pass.
    fn report(mut self, a: &RetrievalArgs, n_queries: usize) -> Result<PeerReport, Error> {
        let line = self.line()?;
        let status = self.child.wait()?;
        let what = format!("engine {}", self.name);
        if !status.success() {
            return Err(fail(format!(
                "{what} failed ({status}):\n{}",
                self.stderr_tail()
            )));
        }
        let report: PeerReport = serde_json::from_str(&line)
            .map_err(|e| fail(format!("{what}: unreadable report on stdout ({e})")))?;
        if report.results.len() != n_queries || report.latency_ns.len() != n_queries * a.repeat {
            return Err(fail(format!(
                "{what}: {} results and {} latencies for {n_queries} queries × {} passes",
                report.results.len(),
                report.latency_ns.len(),
                a.repeat
            )));
        }
        Ok(report)
    }
}

impl Drop for Running {
    /// An engine left behind by a failure is stopped.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Nearest-rank percentile of sorted values (as `chatbot bench engine`).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// p50, p99 and max in µs of the calls on the queries in `range`.
#[derive(Debug, Clone, Copy, Default)]
struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
}

fn latency(ns: &[u64], n_queries: usize, range: &Range<usize>) -> Latency {
    let mut v: Vec<u64> = ns
        .iter()
        .enumerate()
        .filter(|(k, _)| range.contains(&(k % n_queries.max(1))))
        .map(|(_, &d)| d)
        .collect();
    v.sort_unstable();
    let us = |d: u64| d as f64 / 1e3;
    Latency {
        p50: us(percentile(&v, 0.5)),
        p99: us(percentile(&v, 0.99)),
        max: us(v.last().copied().unwrap_or(0)),
    }
}

/// How an engine's results count as answered or rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rejection {
    /// The engine decides (ours: outcome `answer`).
    Own,
    /// Answered when the best score is at least this.
    Threshold(f64),
}

impl Rejection {
    fn accepts(self, r: &PeerResult) -> bool {
        match self {
            Self::Own => r.answered == Some(true),
            Self::Threshold(t) => r.score >= t,
        }
    }
}

/// The threshold that serves `lines` best: the most out-of-scope lines
/// below it plus in-scope lines with the right first result at or above it.
/// The candidates are the distinct scores (and above them all); among equal
/// ones the lowest wins.
fn fit_threshold(lines: &[Labelled], results: &[PeerResult]) -> f64 {
    let mut candidates: Vec<f64> = results.iter().map(|r| r.score).collect();
    candidates.push(f64::INFINITY);
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    let value = |t: f64| {
        lines
            .iter()
            .zip(results)
            .filter(|(l, r)| {
                if l.expect.is_empty() {
                    r.score < t
                } else {
                    r.score >= t && r.codes.first().is_some_and(|c| l.expect.contains(c))
                }
            })
            .count()
    };
    let mut best = (candidates[0], value(candidates[0]));
    for &t in &candidates[1..] {
        let v = value(t);
        if v > best.1 {
            best = (t, v);
        }
    }
    best.0
}

/// One query against its label, by the rules of `chatbot::eval::judge`.
fn judge(line: &Labelled, r: &PeerResult, accepted: bool) -> Stats {
    eval::judge_ranking(line, r.codes.iter().map(String::as_str), accepted).0
}

/// Accuracy of one engine on one set.
#[derive(Debug, Clone, Default)]
struct Scored {
    slices: BTreeMap<String, Stats>,
    overall: Stats,
}

fn score(lines: &[Labelled], results: &[PeerResult], rejection: Rejection) -> Scored {
    let mut out = Scored::default();
    for (line, r) in lines.iter().zip(results) {
        let s = judge(line, r, rejection.accepts(r));
        out.slices.entry(line.slice.clone()).or_default().add(&s);
        out.overall.add(&s);
    }
    out
}

/// One engine's figures.
struct Figures {
    name: &'static str,
    version: String,
    build_ms: f64,
    rss_mb: f64,
    /// On the first set.
    latency: Latency,
    rejection: Rejection,
    /// Per set, in order.
    sets: Vec<Scored>,
}

/// The in-scope slices of a set, in table order.
fn slices_of(lines: &[Labelled]) -> Vec<String> {
    let mut present: Vec<String> = lines
        .iter()
        .map(|l| l.slice.clone())
        .filter(|s| s != OOS)
        .collect();
    present.sort();
    present.dedup();
    let mut out: Vec<String> = SLICES
        .iter()
        .filter(|s| present.iter().any(|p| p == *s))
        .map(|s| (*s).to_owned())
        .collect();
    out.extend(
        present
            .into_iter()
            .filter(|p| !SLICES.contains(&p.as_str())),
    );
    out
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"))
}

/// A Markdown table with padded columns, readable as plain text too.
struct Table {
    head: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[(&str, bool)]) -> Self {
        Self {
            head: head.iter().map(|(h, _)| (*h).to_owned()).collect(),
            right: head.iter().map(|(_, r)| *r).collect(),
            rows: Vec::new(),
        }
    }

    fn render(&self) -> String {
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].chars().count())
                .chain([self.head[i].chars().count(), 3])
                .max()
                .unwrap_or(3)
        };
        let widths: Vec<usize> = (0..self.head.len()).map(width).collect();
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = " ".repeat(widths[i] - c.chars().count());
                    if self.right[i] {
                        format!("{pad}{c}")
                    } else {
                        format!("{c}{pad}")
                    }
                })
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = line(&self.head);
        let rule: Vec<String> = widths
            .iter()
            .zip(&self.right)
            .map(|(w, r)| {
                if *r {
                    format!("{}:", "-".repeat(w + 1))
                } else {
                    "-".repeat(w + 2)
                }
            })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// A word for the shell, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./,:=@%+-".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The command line of this run, with every setting spelled out.
fn command_line(a: &RetrievalArgs, specs: &[Spec]) -> String {
    let mut words: Vec<String> = ["chatbot", "bench", "retrieval", "--engines"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    words.push(specs.iter().map(|s| s.name).collect::<Vec<_>>().join(","));
    for q in &a.queries {
        words.push("--queries".into());
        words.push(q.display().to_string());
    }
    if let Some(d) = &a.dev {
        words.push("--dev".into());
        words.push(d.display().to_string());
    }
    if let Some(c) = &a.catalogue.catalogue {
        words.push("--catalogue".into());
        words.push(c.display().to_string());
    }
    for (k, v) in [("--repeat", a.repeat), ("--warmup", a.warmup)] {
        words.push(k.into());
        words.push(v.to_string());
    }
    words.push("--out".into());
    words.push(a.out.display().to_string());
    words.push("--chart".into());
    words.push(a.chart.display().to_string());
    if specs.iter().any(|s| s.kind == Kind::Python) {
        words.push("--venv".into());
        words.push(a.venv.display().to_string());
    }
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU, cores, memory and kernel of this machine.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let mut cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    if cores == 0 {
        cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    }
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown memory".to_owned(),
            |kb| format!("{:.1} GiB memory", kb / 1024.0 / 1024.0),
        );
    let os = read("/proc/sys/kernel/ostype");
    let os = if os.trim().is_empty() {
        std::env::consts::OS.to_owned()
    } else {
        os.trim().to_owned()
    };
    let release = read("/proc/sys/kernel/osrelease");
    format!(
        "{cpu}, {cores} logical cores, {memory}, {os} {}",
        release.trim()
    )
    .trim_end()
    .to_owned()
}

/// Now, as `YYYY-MM-DD HH:MM UTC`.
fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let d = Date::utc(secs);
    let in_day = secs.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        d.year,
        d.month,
        d.day,
        in_day / 3600,
        in_day % 3600 / 60
    )
}

/// `path` made absolute and with `.` and `..` resolved lexically.
fn normalised(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// How a link in `file` reaches `target`.
fn relative_link(file: &Path, target: &Path) -> String {
    let from = normalised(file);
    let from = from.parent().unwrap_or(Path::new("/"));
    let to = normalised(target);
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..a.len() {
        rel.push("..");
    }
    for c in &b[common..] {
        rel.push(c);
    }
    rel.to_string_lossy().replace('\\', "/")
}

/// `existing` with the section between the markers replaced by `section`
/// (markers included), or with the section appended.
fn splice(existing: &str, section: &str) -> String {
    if let Some(b) = existing.find(BEGIN)
        && let Some(e) = existing[b..].find(END)
    {
        let e = b + e + END.len();
        return format!(
            "{}{}{}",
            &existing[..b],
            section.trim_end_matches('\n'),
            &existing[e..]
        );
    }
    let mut out = existing.to_owned();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(section);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The report: everything but the markers.
fn report(
    a: &RetrievalArgs,
    specs: &[Spec],
    sets: &[QuerySet],
    figures: &[Figures],
    catalogue: &Path,
    procedures: usize,
    chart_link: &str,
) -> Result<String, std::fmt::Error> {
    let mut md = String::new();
    let team = &sets[0];
    let n_queries: usize = sets.iter().map(|s| s.lines.len()).sum();
    writeln!(md, "## Retrieval: our engine and its peers\n")?;
    writeln!(md, "Measured with\n")?;
    writeln!(md, "```\n{}\n```\n", command_line(a, specs))?;
    writeln!(md, "- Date: {}", now_utc())?;
    writeln!(md, "- Machine: {}", machine())?;
    writeln!(
        md,
        "- Corpus: {procedures} procedures from `{}`",
        catalogue.display()
    )?;
    for s in sets {
        let oos = s.lines.iter().filter(|l| l.expect.is_empty()).count();
        writeln!(
            md,
            "- Query set `{}`: {} lines ({} in scope, {oos} out of scope)",
            s.label,
            s.lines.len(),
            s.lines.len() - oos
        )?;
    }
    writeln!(md, "- Engines:")?;
    for f in figures {
        writeln!(md, "  - `{}`: {}", f.name, f.version)?;
    }
    writeln!(
        md,
        "\nEach engine runs in its own process: it reads the corpus, builds its index (build ms), \
         answers every query once untimed (the results scored below), makes {} untimed warm-up \
         pass(es), then {} timed pass(es) over all {n_queries} queries, each query call timed \
         alone. The engines take turns pass by pass (pass 1 of each engine, then pass 2 of \
         each…), so that the shared machine's slow and quick moments fall on all of them alike; \
         each turn starts with one more untimed pass, the other engines' turns having pushed \
         the engine's data out of the processor's caches. \
         Peak RSS is the process's high-water mark (MB = 2^20 bytes).\n",
        a.warmup, a.repeat
    )?;

    writeln!(md, "### Team set `{}`\n", team.label)?;
    let mut t = Table::new(&[
        ("engine", false),
        ("build ms", true),
        ("p50 µs", true),
        ("p99 µs", true),
        ("max µs", true),
        ("peak RSS MB", true),
        ("top-1", true),
        ("top-3", true),
        ("MRR@5", true),
        ("OOS rejection", true),
    ]);
    for f in figures {
        let o = &f.sets[0].overall;
        t.rows.push(vec![
            f.name.to_owned(),
            format!("{:.1}", f.build_ms),
            format!("{:.1}", f.latency.p50),
            format!("{:.1}", f.latency.p99),
            format!("{:.1}", f.latency.max),
            format!("{:.1}", f.rss_mb),
            rate(o.top1_rate()),
            rate(o.top3_rate()),
            rate(o.mrr5()),
            rate(o.oos_rejection()),
        ]);
    }
    writeln!(md, "{}", t.render())?;
    writeln!(
        md,
        "Latencies are over the team set's queries. Top-1, top-3 and MRR@5 count the in-scope \
         lines (rank = first result whose code is expected); OOS rejection is the share of \
         out-of-scope lines not answered."
    )?;
    let thresholds: Vec<String> = figures
        .iter()
        .map(|f| match f.rejection {
            Rejection::Own => format!("`{}` by its own decision (outcome `answer` or not)", f.name),
            Rejection::Threshold(t) if t.is_finite() => {
                format!("`{}` answers when its best score ≥ {t:.3}", f.name)
            }
            Rejection::Threshold(_) => format!("`{}` never answers (no threshold helps)", f.name),
        })
        .collect();
    writeln!(
        md,
        "Rejection: {}. The peers have only a score: their threshold is the one that serves the \
         team set best (out-of-scope lines below it plus right first results at or above it), \
         fitted on that set and applied to every set — an optimistic figure for them on the \
         team set.\n",
        thresholds.join("; ")
    )?;

    writeln!(md, "### Accuracy per query set\n")?;
    writeln!(
        md,
        "Top-1 per slice, then top-1, top-3 and MRR@5 over all in-scope lines and the \
         out-of-scope rejection (lines per slice in brackets).\n"
    )?;
    for (k, s) in sets.iter().enumerate() {
        writeln!(md, "#### `{}`\n", s.label)?;
        let slices = slices_of(&s.lines);
        let count = |slice: &str| s.lines.iter().filter(|l| l.slice == slice).count();
        let heads: Vec<String> = slices
            .iter()
            .map(|sl| format!("{sl} ({})", count(sl)))
            .collect();
        let in_scope = s.lines.iter().filter(|l| !l.expect.is_empty()).count();
        let oos = s.lines.len() - in_scope;
        let all = format!("all top-1 ({in_scope})");
        let rej = format!("OOS rej. ({oos})");
        let mut head: Vec<(&str, bool)> = vec![("engine", false)];
        head.extend(heads.iter().map(|h| (h.as_str(), true)));
        head.extend([
            (all.as_str(), true),
            ("top-3", true),
            ("MRR@5", true),
            (rej.as_str(), true),
        ]);
        let mut t = Table::new(&head);
        for f in figures {
            let sc = &f.sets[k];
            let mut row = vec![f.name.to_owned()];
            row.extend(
                slices
                    .iter()
                    .map(|sl| rate(sc.slices.get(sl).and_then(Stats::top1_rate))),
            );
            row.extend([
                rate(sc.overall.top1_rate()),
                rate(sc.overall.top3_rate()),
                rate(sc.overall.mrr5()),
                rate(sc.overall.oos_rejection()),
            ]);
            t.rows.push(row);
        }
        writeln!(md, "{}", t.render())?;
    }

    writeln!(md, "### Speed relative to ours\n")?;
    if let Some(ours) = figures.iter().find(|f| f.name == "ours") {
        writeln!(
            md,
            "Peer latency divided by ours on the team set (above 1: the peer is slower).\n"
        )?;
        let mut t = Table::new(&[
            ("engine", false),
            ("p50 / ours", true),
            ("p99 / ours", true),
        ]);
        let ratio = |x: f64, y: f64| {
            if y > 0.0 {
                format!("{:.2}", x / y)
            } else {
                "—".to_owned()
            }
        };
        for f in figures.iter().filter(|f| f.name != "ours") {
            t.rows.push(vec![
                f.name.to_owned(),
                ratio(f.latency.p50, ours.latency.p50),
                ratio(f.latency.p99, ours.latency.p99),
            ]);
        }
        writeln!(md, "{}", t.render())?;
    } else {
        writeln!(md, "(our engine was not in this run)\n")?;
    }
    writeln!(md, "![Latency and top-1 per engine]({chart_link})")?;
    Ok(md)
}

pub fn retrieval(a: &RetrievalArgs) -> Result<ExitCode, Error> {
    let specs = parse_engines(&a.engines)?;
    if a.repeat == 0 {
        return Err(fail("--repeat must be at least 1"));
    }
    // The query sets: the team's set is found from anywhere when it is the
    // default.
    let mut set_paths: Vec<PathBuf> = a
        .queries
        .iter()
        .map(|p| {
            if p == Path::new(TEAM_SET) && !p.exists() {
                PathBuf::from(PROJECT_TEAM_SET)
            } else {
                p.clone()
            }
        })
        .collect();
    let mut labels: Vec<String> = a.queries.iter().map(|p| p.display().to_string()).collect();
    if let Some(dev) = &a.dev {
        if !dev.is_file() {
            return Err(fail(format!(
                "--dev {}: no such file (the development set, e.g. ../shared/eval/dev.jsonl)",
                dev.display()
            )));
        }
        set_paths.push(dev.clone());
        labels.push(dev.display().to_string());
    }
    let mut sets = Vec::new();
    let mut start = 0;
    for (path, label) in set_paths.iter().zip(labels) {
        let lines = read_set(path)?;
        let range = start..start + lines.len();
        start = range.end;
        sets.push(QuerySet {
            label,
            lines,
            range,
        });
    }
    let n_queries = start;

    let catalogue_path = a.catalogue.path();
    let procedures = catalogue::read_jsonl(open_maybe_gzip(&catalogue_path)?)?;
    let entries: Vec<Entry> = procedures.iter().map(Entry::from).collect();
    drop(procedures);
    let tmp = TempDir::new()?;
    let corpus = tmp.0.join("corpus.jsonl");
    let queries = tmp.0.join("queries.jsonl");
    write_lines(&corpus, &entries)?;
    let qs: Vec<serde_json::Value> = sets
        .iter()
        .flat_map(|s| &s.lines)
        .map(|l| serde_json::json!({ "q": l.q }))
        .collect();
    write_lines(&queries, &qs)?;

    let exe = std::env::current_exe()?;
    let mut python_cmd: Option<(PathBuf, PathBuf)> = None;
    // Every engine is built and warmed up in turn (its build time and
    // memory its own), then they take turns: pass 1 of each, pass 2 of
    // each…, so that the machine's slow and quick moments fall on all.
    let mut running = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let cmd = match spec.kind {
            Kind::Rust(engine) => {
                let mut c = Command::new(&exe);
                c.args(["bench", "peer", "--engine", engine.name()]);
                c
            }
            Kind::Python => {
                if python_cmd.is_none() {
                    let peers = peers_py()?;
                    python_cmd = Some((python(&a.venv, &peers)?, peers));
                }
                let Some((python, peers)) = &python_cmd else {
                    unreachable!("set just above")
                };
                let mut c = Command::new(python);
                c.arg(peers).args(["--engine", spec.name]);
                c
            }
        };
        eprint!(
            "bench: [{}/{}] {:<13} build and warm-up … ",
            i + 1,
            specs.len(),
            spec.name,
        );
        let stderr = tmp.0.join(format!("{}.stderr", spec.name));
        let mut peer = Running::start(*spec, cmd, [&corpus, &queries, &stderr], a)
            .inspect_err(|_| eprintln!("failed"))?;
        peer.expect("ready").inspect_err(|_| eprintln!("failed"))?;
        eprintln!("ready");
        running.push(peer);
    }
    eprint!(
        "bench: {} queries × {} passes, the engines taking turns … ",
        n_queries, a.repeat
    );
    for _ in 0..a.repeat {
        for peer in &mut running {
            peer.turn().inspect_err(|_| eprintln!("failed"))?;
        }
    }
    eprintln!("done");
    let mut reports = Vec::new();
    for (spec, peer) in specs.iter().zip(running) {
        let report = peer.report(a, n_queries)?;
        let l = latency(&report.latency_ns, n_queries, &sets[0].range);
        eprintln!(
            "bench: {:<13} build {:.1} ms, p50 {:.1} µs, p99 {:.1} µs, peak {:.1} MB",
            spec.name,
            report.build_ms,
            l.p50,
            l.p99,
            report.peak_rss_kb as f64 / 1024.0
        );
        reports.push((*spec, report));
    }

    let figures: Vec<Figures> = reports
        .into_iter()
        .map(|(spec, r)| {
            let own = r.results.iter().all(|x| x.answered.is_some());
            let team = &sets[0];
            let rejection = if own {
                Rejection::Own
            } else {
                Rejection::Threshold(fit_threshold(&team.lines, &r.results[team.range.clone()]))
            };
            Figures {
                name: spec.name,
                version: r.version.clone(),
                build_ms: r.build_ms,
                rss_mb: r.peak_rss_kb as f64 / 1024.0,
                latency: latency(&r.latency_ns, n_queries, &team.range),
                rejection,
                sets: sets
                    .iter()
                    .map(|s| score(&s.lines, &r.results[s.range.clone()], rejection))
                    .collect(),
            }
        })
        .collect();

    // The chart.
    let team = &sets[0];
    let mut groups = vec!["all".to_owned()];
    groups.extend(slices_of(&team.lines));
    let chart_engines: Vec<ChartEngine> = figures
        .iter()
        .map(|f| ChartEngine {
            name: f.name.to_owned(),
            p50_us: f.latency.p50,
            p99_us: f.latency.p99,
            top1: groups
                .iter()
                .map(|g| {
                    if g == "all" {
                        f.sets[0].overall.top1_rate()
                    } else {
                        f.sets[0].slices.get(g).and_then(Stats::top1_rate)
                    }
                })
                .collect(),
        })
        .collect();
    if let Some(dir) = a.chart.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
    }
    chart::draw(
        &a.chart,
        &format!(
            "Retrieval on {} procedures, {} queries of {}",
            entries.len(),
            team.lines.len(),
            team.label
        ),
        &chart_engines,
        &groups,
    )?;

    // The report.
    let body = report(
        a,
        &specs,
        &sets,
        &figures,
        &catalogue_path,
        entries.len(),
        &relative_link(&a.out, &a.chart),
    )
    .map_err(|e| fail(e.to_string()))?;
    crate::say_raw!("{body}");
    let section = format!("{BEGIN}\n{body}{END}\n");
    let existing = match std::fs::read_to_string(&a.out) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(with_path(e, &a.out)),
    };
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
    }
    files::write_atomically(&a.out, &splice(&existing, &section))?;
    eprintln!(
        "bench: wrote {} (section {BEGIN}) and {}",
        a.out.display(),
        a.chart.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(expect: &[&str], slice: &str) -> Labelled {
        Labelled {
            q: "q".into(),
            expect: expect.iter().map(|s| (*s).to_owned()).collect(),
            slice: slice.into(),
            aspect: None,
        }
    }

    fn result(codes: &[&str], score: f64) -> PeerResult {
        PeerResult {
            codes: codes.iter().map(|s| (*s).to_owned()).collect(),
            score,
            answered: None,
        }
    }

    #[test]
    fn unknown_engine_should_name_the_valid_ones() {
        let e = parse_engines("ours,lucene").unwrap_err().to_string();
        assert!(e.contains("\"lucene\""), "{e}");
        assert!(e.contains(&ALL_ENGINES.join(", ")), "{e}");
        let specs = parse_engines(" tfidf, ours,tfidf ").unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
        assert_eq!(names, ["tfidf", "ours"]);
        assert!(parse_engines(",").is_err());
    }

    #[test]
    fn threshold_should_separate_out_of_scope_scores_from_right_answers() {
        let lines = [
            line(&["1.000001"], "clean"),
            line(&["1.000002"], "clean"),
            line(&[], "oos"),
            line(&[], "oos"),
        ];
        let results = [
            result(&["1.000001"], 9.0),
            result(&["1.000002"], 6.0),
            result(&["1.000003"], 5.0),
            result(&[], 0.0),
        ];
        assert_eq!(fit_threshold(&lines, &results), 6.0);
        let s = score(&lines, &results, Rejection::Threshold(6.0));
        assert_eq!(s.overall.oos_rejection(), Some(1.0));
        assert_eq!(s.overall.top1_rate(), Some(1.0));
        // Nothing in scope right: rejecting everything is best.
        let wrong = [result(&["1.000009"], 1.0), result(&[], 0.0)];
        assert_eq!(fit_threshold(&lines[1..3], &wrong), 1.0);
        // No out-of-scope line: everything is answered.
        assert_eq!(fit_threshold(&lines[..2], &results[..2]), 6.0);
    }

    #[test]
    fn judge_should_rank_like_eval() {
        let s = judge(
            &line(&["1.000002"], "typo"),
            &result(&["1.000001", "1.000002"], 1.0),
            false,
        );
        assert_eq!((s.top1, s.top3, s.rr5), (0, 1, 0.5));
        let s = judge(&line(&[], "oos"), &result(&["1.000001"], 1.0), true);
        assert_eq!((s.oos, s.oos_rejected, s.wrong_answers), (1, 0, 1));
    }

    #[test]
    fn splice_should_replace_only_between_the_markers() {
        let old = format!("# B\n\nbefore\n{BEGIN}\nold\n{END}\nafter\n");
        let new = splice(&old, &format!("{BEGIN}\nnew\n{END}\n"));
        assert_eq!(new, format!("# B\n\nbefore\n{BEGIN}\nnew\n{END}\nafter\n"));
        let appended = splice("# B\nother", &format!("{BEGIN}\nx\n{END}\n"));
        assert_eq!(appended, format!("# B\nother\n\n{BEGIN}\nx\n{END}\n"));
        assert_eq!(splice("", "s\n"), "s\n");
    }

    #[test]
    fn chart_link_should_be_relative_to_the_markdown_file() {
        assert_eq!(
            relative_link(Path::new("BENCHMARKS.md"), Path::new("docs/c.png")),
            "docs/c.png"
        );
        assert_eq!(
            relative_link(Path::new("/a/b/B.md"), Path::new("/a/c/c.png")),
            "../c/c.png"
        );
    }

    #[test]
    fn latency_should_take_the_queries_of_one_set() {
        // Two passes over three queries; the set is the first two.
        let ns = [1000, 2000, 9000, 3000, 4000, 9000];
        let l = latency(&ns, 3, &(0..2));
        assert_eq!(l.max, 4.0);
        assert_eq!(l.p50, 3.0);
    }
}
