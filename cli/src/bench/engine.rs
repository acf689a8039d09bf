//! `chatbot bench engine`: load, index and query timings of the engine,
//! measured in-process on this machine.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chatbot::Error;
use chatbot::catalogue::{self, Engine, Entry};
use chatbot::eval;
use chatbot::text::lexicon::Lexicon;
use clap::Args;

use crate::CatalogueArg;
use crate::search_cmd::open_maybe_gzip;

#[derive(Args)]
pub struct EngineArgs {
    /// Queries to time (JSON Lines with a "q" field, or plain text one per line).
    queries: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueArg,
    /// How many times each query is run after the warm-up.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
    /// List this many of the slowest queries with their mean latency.
    #[arg(long, default_value_t = 0)]
    slowest: usize,
    /// How many times the index is built (the median is reported).
    #[arg(long, default_value_t = 5)]
    builds: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn read_queries(path: &std::path::Path) -> Result<Vec<String>, Error> {
    let reader = open_maybe_gzip(path)?;
    let mut out = Vec::new();
    for line in std::io::BufRead::lines(reader) {
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<eval::Labelled>(line) {
            Ok(l) => out.push(l.q),
            Err(_) => out.push(line.to_owned()),
        }
    }
    Ok(out)
}

pub fn bench(a: &EngineArgs) -> Result<ExitCode, Error> {
    let queries = read_queries(&a.queries)?;
    let t = Instant::now();
    let procedures = catalogue::read_jsonl(open_maybe_gzip(&a.catalogue.path())?)?;
    let load = t.elapsed();
    let lexicon = Lexicon::embedded()?;
    let mut builds = Vec::new();
    let mut engine = None;
    let entries: Vec<Entry> = procedures.iter().map(Entry::from).collect();
    for _ in 0..a.builds.max(1) {
        let procs = entries.clone();
        let lex = lexicon.clone();
        let t = Instant::now();
        let e = Engine::new(procs, lex);
        builds.push(t.elapsed());
        engine = Some(e);
    }
    builds.sort();
    let Some(engine) = engine else {
        return Err(Error::Io(std::io::Error::other("no engine built")));
    };
    let engine: Engine = engine;
    // Warm-up: caches, branch predictors, the allocator.
    for q in &queries {
        black_box(engine.search(q));
    }
    let mut lat = Vec::with_capacity(queries.len() * a.repeat);
    let mut per_query = vec![Duration::ZERO; queries.len()];
    for _ in 0..a.repeat {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            black_box(engine.search(black_box(q)));
            let d = t.elapsed();
            per_query[i] += d;
            lat.push(d);
        }
    }
    lat.sort();
    crate::say!("procedures              {}", procedures.len());
    crate::say!("catalogue read+parse    {:.1} ms", load.as_secs_f64() * 1e3);
    crate::say!(
        "index build (median)    {:.1} ms",
        percentile(&builds, 0.5).as_secs_f64() * 1e3
    );
    crate::say!(
        "queries timed           {} ({} distinct × {})",
        lat.len(),
        queries.len(),
        a.repeat
    );
    crate::say!(
        "query p50               {:.1} µs",
        micros(percentile(&lat, 0.5))
    );
    crate::say!(
        "query p99               {:.1} µs",
        micros(percentile(&lat, 0.99))
    );
    crate::say!(
        "query max               {:.1} µs",
        micros(lat.last().copied().unwrap_or_default())
    );
    if a.slowest > 0 {
        let mut order: Vec<usize> = (0..queries.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(per_query[i]));
        for &i in order.iter().take(a.slowest) {
            crate::say!(
                "slow query  {:>7.1} µs mean  {}",
                micros(per_query[i]) / a.repeat.max(1) as f64,
                queries[i]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
