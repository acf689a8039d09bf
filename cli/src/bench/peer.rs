//! `chatbot bench peer`: one Rust engine under the peer protocol, in its own
//! process, so that its build time and peak memory are its own.
//!
//! The process reads the corpus (one catalogue entry a line) and the queries
//! (one `{"q": …}` a line), then times the build; a first untimed pass gives
//! the results, `warmup` untimed passes follow, then `repeat` timed passes
//! time each query call alone. It prints one JSON object ([`PeerReport`]).
//!
//! With `--turns`, the engines of one comparison take turns: after the
//! warm-up the process prints `ready`, then, each time it reads `go` on its
//! standard input, makes one untimed pass (the other engines' turns have
//! pushed its data out of the caches) and one timed pass, and prints
//! `done`. The comparison runs pass 1 of every engine, then pass 2 of
//! every engine…, so that a slow minute of a shared machine falls on all of
//! them alike.

use std::hint::black_box;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chatbot::Error;
use chatbot::catalogue::{Engine, Entry, Outcome};
use chatbot::text::lexicon::Lexicon;
use clap::{Args, ValueEnum};
use serde::Deserialize;

use super::tantivy_peer::{Mode, TantivyPeer};
use super::{PeerReport, PeerResult, fail};
use crate::files::with_path;

/// The engines this binary runs itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RustEngine {
    /// Our engine (`chatbot::catalogue::Engine`).
    Ours,
    /// Tantivy with the same text preparation as ours.
    Tantivy,
    /// Tantivy with its stock tokenizer.
    TantivyStock,
}

impl RustEngine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Tantivy => "tantivy",
            Self::TantivyStock => "tantivy-stock",
        }
    }
}

#[derive(Args)]
pub struct PeerArgs {
    #[arg(long, value_enum)]
    engine: RustEngine,
    /// Catalogue entries, JSON Lines.
    #[arg(long)]
    corpus: PathBuf,
    /// Queries, JSON Lines with a "q" field.
    #[arg(long)]
    queries: PathBuf,
    /// Timed passes over all queries.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// Untimed passes before them.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Take turns with other engines: wait for `go` on standard input
    /// before each timed pass (see the module's documentation).
    #[arg(long)]
    turns: bool,
}

/// When the timed passes run: right away, or each on its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pace {
    AtOnce,
    Turns,
}

impl Pace {
    /// Waits for the next turn.
    fn wait(self) -> Result<(), Error> {
        if self == Pace::AtOnce {
            return Ok(());
        }
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        match line.trim() {
            "go" => Ok(()),
            "" => Err(fail("standard input closed before the last timed pass")),
            other => Err(fail(format!(
                "expected `go` on standard input, read {other:?}"
            ))),
        }
    }

    /// Tells the comparison that the process reached `what` (`ready`,
    /// `done`).
    fn say(self, what: &str) -> Result<(), Error> {
        if self == Pace::Turns {
            crate::say!("{what}");
        }
        Ok(())
    }
}

/// Non-blank lines of a file, with their 1-based numbers.
fn lines(path: &Path) -> Result<Vec<(usize, String)>, Error> {
    let file = std::fs::File::open(path).map_err(|e| with_path(e, path))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| with_path(e, path))?;
        if !line.trim().is_empty() {
            out.push((i + 1, line));
        }
    }
    Ok(out)
}

fn parse_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, Error> {
    lines(path)?
        .into_iter()
        .map(|(n, line)| {
            serde_json::from_str(&line)
                .map_err(|e| fail(format!("{}, line {n}: {e}", path.display())))
        })
        .collect()
}

#[derive(Deserialize)]
struct Query {
    q: String,
}

/// Peak resident memory of this process (VmHWM), in KiB; 0 where the
/// kernel does not tell.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Warm-up passes, then the timed ones: one latency per query call.
fn time_passes<R>(
    queries: &[String],
    repeat: usize,
    warmup: usize,
    pace: Pace,
    mut search: impl FnMut(&str) -> Result<R, Error>,
) -> Result<Vec<u64>, Error> {
    for _ in 0..warmup {
        for q in queries {
            drop(black_box(search(black_box(q.as_str()))?));
        }
    }
    pace.say("ready")?;
    let mut latency = Vec::with_capacity(queries.len() * repeat);
    for _ in 0..repeat {
        pace.wait()?;
        if pace == Pace::Turns {
            // The other engines' turns have pushed this one's data out of
            // the processor's caches: warm them again, untimed.
            for q in queries {
                drop(black_box(search(black_box(q.as_str()))?));
            }
        }
        for q in queries {
            let t = Instant::now();
            let r = black_box(search(black_box(q.as_str())));
            let ok = r.map(drop);
            let d = t.elapsed();
            ok?;
            latency.push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        }
        pace.say("done")?;
    }
    Ok(latency)
}

pub fn peer(a: &PeerArgs) -> Result<ExitCode, Error> {
    let entries: Vec<Entry> = parse_lines(&a.corpus)?;
    let queries: Vec<String> = parse_lines::<Query>(&a.queries)?
        .into_iter()
        .map(|q| q.q)
        .collect();
    if entries.is_empty() {
        return Err(fail(format!("{}: no entries", a.corpus.display())));
    }
    let pace = if a.turns { Pace::Turns } else { Pace::AtOnce };
    let report = match a.engine {
        RustEngine::Ours => {
            let t = Instant::now();
            // The lexicon is part of what our engine needs to be ready.
            let engine = Engine::new(entries, Lexicon::embedded()?);
            let build_ms = t.elapsed().as_secs_f64() * 1e3;
            let results = queries
                .iter()
                .map(|q| {
                    let found = engine.search(q);
                    PeerResult {
                        codes: found
                            .hits
                            .iter()
                            .take(5)
                            .map(|h| h.code.to_string())
                            .collect(),
                        score: found.hits.first().map_or(0.0, |h| f64::from(h.score)),
                        answered: Some(found.outcome == Outcome::Answer),
                    }
                })
                .collect();
            let latency_ns = time_passes(&queries, a.repeat, a.warmup, pace, |q| {
                Ok::<_, Error>(engine.search(q))
            })?;
            PeerReport {
                engine: a.engine.name().to_owned(),
                version: format!("chatbot {}", env!("CARGO_PKG_VERSION")),
                build_ms,
                peak_rss_kb: peak_rss_kb(),
                latency_ns,
                results,
            }
        }
        RustEngine::Tantivy | RustEngine::TantivyStock => {
            let mode = if a.engine == RustEngine::Tantivy {
                Mode::Same
            } else {
                Mode::Stock
            };
            let t = Instant::now();
            let peer = TantivyPeer::build(&entries, mode)?;
            let build_ms = t.elapsed().as_secs_f64() * 1e3;
            let results = queries
                .iter()
                .map(|q| {
                    let (codes, score) = peer.search(q)?;
                    Ok(PeerResult {
                        codes: codes.into_iter().take(5).collect(),
                        score: f64::from(score),
                        answered: None,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            let latency_ns = time_passes(&queries, a.repeat, a.warmup, pace, |q| peer.search(q))?;
            PeerReport {
                engine: a.engine.name().to_owned(),
                version: peer.describe(),
                build_ms,
                peak_rss_kb: peak_rss_kb(),
                latency_ns,
                results,
            }
        }
    };
    let line = serde_json::to_string(&report)?;
    crate::say!("{line}");
    Ok(ExitCode::SUCCESS)
}
