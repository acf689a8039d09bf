//! `chatbot search`, `chatbot ask`, `chatbot eval`.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chatbot::Error;
use chatbot::catalogue::{self, Engine, Found, answer};
use chatbot::dialogue::Incoming;
use chatbot::eval::perturb::{self, Slip};
use chatbot::eval::{self, Report};
use chatbot::store::{Channel, ConversationKey};
use chatbot::text::lexicon::Lexicon;
use chatbot_adapters::embedded::{Catalogue, memory_service};
use chatbot_adapters::logging::LogNotifier;
use clap::Args;
use serde::Serialize;
use std::sync::Arc;

use crate::CatalogueArg;
pub use crate::catalogue_cmd::open_maybe_gzip;

/// The project's catalogue, wherever the command runs from.
const DEFAULT_CATALOGUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/procedures.jsonl.gz");

impl CatalogueArg {
    pub fn path(&self) -> PathBuf {
        if let Some(p) = &self.catalogue {
            return p.clone();
        }
        if let Some(p) = std::env::var_os("CHATBOT_CATALOGUE") {
            return p.into();
        }
        let local = Path::new("data/procedures.jsonl.gz");
        if local.exists() {
            local.into()
        } else {
            DEFAULT_CATALOGUE.into()
        }
    }
}

/// Loads the catalogue and builds the engine.
pub fn engine(arg: &CatalogueArg) -> Result<Engine, Error> {
    let procedures = catalogue::read_jsonl(open_maybe_gzip(&arg.path())?)?;
    Ok(Engine::from_procedures(&procedures, Lexicon::embedded()?))
}

/// Loads the catalogue: the engine and the procedures' details.
pub fn catalogue_of(arg: &CatalogueArg) -> Result<Catalogue, Error> {
    Catalogue::from_procedures(catalogue::read_jsonl(open_maybe_gzip(&arg.path())?)?)
}

#[derive(Serialize)]
struct ResultLine<'a> {
    code: &'a str,
    name: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct SearchLine<'a> {
    query: &'a str,
    outcome: &'a str,
    aspect: Option<&'a str>,
    results: Vec<ResultLine<'a>>,
}

fn search_line<'a>(query: &'a str, found: &'a Found) -> SearchLine<'a> {
    SearchLine {
        query,
        outcome: found.outcome.as_str(),
        aspect: found.aspect.map(|a| a.as_str()),
        results: found
            .hits
            .iter()
            .map(|h| ResultLine {
                code: h.code.as_str(),
                name: &h.name,
                score: h.score,
            })
            .collect(),
    }
}

pub fn search(
    arg: &CatalogueArg,
    jsonl: bool,
    explain: bool,
    query: &str,
) -> Result<ExitCode, Error> {
    let engine = engine(arg)?;
    if explain {
        crate::say_raw!("{}", engine.explain(query));
        return Ok(ExitCode::SUCCESS);
    }
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let emit = |q: &str, out: &mut BufWriter<io::StdoutLock<'_>>| -> Result<(), Error> {
        let found = engine.search(q);
        let line = serde_json::to_string(&search_line(q, &found)).map_err(io::Error::other)?;
        writeln!(out, "{line}")?;
        Ok(())
    };
    if jsonl {
        for line in io::stdin().lock().lines() {
            let line = line?;
            // Keep the contract: one output line per input line, in order.
            emit(line.trim_end_matches('\r'), &mut out)?;
        }
    } else if query.trim().is_empty() {
        return Err(Error::Io(io::Error::other(
            "give a query, or --jsonl to read queries from stdin",
        )));
    } else {
        emit(query, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub async fn ask(arg: &CatalogueArg, text: &str) -> Result<ExitCode, Error> {
    if text.trim().is_empty() {
        return Err(Error::Io(io::Error::other(
            "give the message to answer, e.g. chatbot ask \"làm hộ chiếu ở đâu\"",
        )));
    }
    let (service, _stores) = memory_service(&catalogue_of(arg)?, Arc::new(LogNotifier), None);
    let key = ConversationKey::new(Channel::Local, "ask");
    let reply = service
        .handle(
            &key,
            &Incoming::Text(text.to_owned()),
            chatbot_adapters::now(),
        )
        .await
        .map_err(|e| Error::Io(io::Error::other(e.to_string())))?;
    if let Some(reply) = reply {
        crate::say!("{}", reply.render_plain());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct EvalArgs {
    /// Labelled queries, e.g. data/eval/queries.jsonl.
    file: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueArg,
    /// List every query that was not answered right.
    #[arg(long)]
    misses: bool,
    /// Search the decision thresholds that serve these queries best and
    /// print them (the engine's defaults are set from this).
    #[arg(long)]
    calibrate: bool,
    /// Measure on the queries misspelt the way citizens slip: fold (no
    /// diacritics), tone-drop, tone-swap, typo, sound (tr/ch, s/x, n/ng…),
    /// or `all` for one line per kind. One word of each query is changed;
    /// the floors below apply to every kind.
    #[arg(long, value_delimiter = ',', value_parser = parse_slip)]
    slip: Vec<SlipArg>,
    /// Seed of the slips' choices: the same seed misspells the same way.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fail (exit 1) when overall top-1 is below this.
    #[arg(long)]
    min_top1: Option<f64>,
    /// Fail when any slice's top-1 is below this.
    #[arg(long)]
    min_slice_top1: Option<f64>,
    /// Fail when overall top-3 is below this.
    #[arg(long)]
    min_top3: Option<f64>,
    /// Fail when overall MRR@5 is below this.
    #[arg(long)]
    min_mrr: Option<f64>,
    /// Fail when out-of-scope rejection is below this.
    #[arg(long)]
    min_oos: Option<f64>,
    /// Fail when aspect accuracy is below this.
    #[arg(long)]
    min_aspect: Option<f64>,
    /// Fail when more queries than this are answered with a wrong procedure.
    #[arg(long)]
    max_wrong: Option<usize>,
}

/// The floors a report falls below, described.
fn failures(r: &Report, a: &EvalArgs) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, got: Option<f64>, floor: Option<f64>| {
        if let (Some(g), Some(f)) = (got, floor)
            && g < f
        {
            out.push(format!("{name} {g:.3} < {f:.3}"));
        }
    };
    check("top-1", r.overall.top1_rate(), a.min_top1);
    check("top-3", r.overall.top3_rate(), a.min_top3);
    check("MRR@5", r.overall.mrr5(), a.min_mrr);
    check(
        "out-of-scope rejection",
        r.overall.oos_rejection(),
        a.min_oos,
    );
    check("aspect accuracy", r.overall.aspect_accuracy(), a.min_aspect);
    for (name, s) in &r.slices {
        check(
            &format!("top-1 of slice {name}"),
            s.top1_rate(),
            a.min_slice_top1,
        );
    }
    if let Some(max) = a.max_wrong
        && r.overall.wrong_answers > max
    {
        out.push(format!("{} wrong answers > {max}", r.overall.wrong_answers));
    }
    out
}

#[derive(Clone, Copy)]
pub enum SlipArg {
    All,
    One(Slip),
}

fn parse_slip(s: &str) -> Result<SlipArg, String> {
    if s == "all" {
        return Ok(SlipArg::All);
    }
    Slip::parse(s).map(SlipArg::One).ok_or_else(|| {
        let names: Vec<&str> = Slip::ALL.iter().map(|k| k.as_str()).collect();
        format!("expected all or one of {}", names.join(", "))
    })
}

/// `eval --slip`: the figures on misspelt copies of the queries, one line
/// per kind (with the full table and misses when one kind is asked).
fn eval_slips(a: &EvalArgs, engine: &Engine, lines: &[eval::Labelled]) -> Result<ExitCode, Error> {
    let mut kinds: Vec<Slip> = Vec::new();
    for s in &a.slip {
        let asked: &[Slip] = match s {
            SlipArg::All => &Slip::ALL,
            SlipArg::One(k) => std::slice::from_ref(k),
        };
        for k in asked {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
    }
    let mut failed = Vec::new();
    let summary = kinds.len() > 1;
    if summary {
        crate::say_raw!("{}", eval::table_header("slip"));
    }
    for kind in kinds {
        let slipped = perturb::perturb_all(lines, kind, a.seed);
        let report = eval::evaluate(engine, &slipped);
        if summary {
            crate::say_raw!("{}", report.overall.row(kind.as_str()));
        } else {
            if a.misses {
                print_misses(&report)?;
            }
            crate::say_raw!("{}", report.table());
        }
        failed.extend(
            failures(&report, a)
                .into_iter()
                .map(|f| format!("{}: {f}", kind.as_str())),
        );
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("below the floor: {}", failed.join("; "));
        Ok(ExitCode::FAILURE)
    }
}

fn print_misses(report: &Report) -> Result<(), Error> {
    for j in report.judged.iter().filter(|j| j.is_miss()) {
        let got: Vec<String> = j
            .found
            .hits
            .iter()
            .take(3)
            .map(|h| format!("{} {:.2} {}", h.code, h.score, answer::shorten(&h.name, 60)))
            .collect();
        crate::say!(
            "MISS [{}] {:?} expect={:?} outcome={} aspect={:?} rank={:?} cov={:.2} name={:.2}\n    {}",
            j.line.slice,
            j.line.q,
            j.line.expect,
            j.found.outcome.as_str(),
            j.found.aspect.map(|a| a.as_str()),
            j.rank,
            j.found.hits.first().map_or(0.0, |h| h.coverage),
            j.found.hits.first().map_or(0.0, |h| h.name_coverage),
            got.join("\n    ")
        );
    }
    Ok(())
}

pub fn eval(a: &EvalArgs) -> Result<ExitCode, Error> {
    let lines = eval::read_labelled(open_maybe_gzip(&a.file)?)?;
    let t = Instant::now();
    let engine = engine(&a.catalogue)?;
    let ready = t.elapsed();
    if !a.slip.is_empty() {
        return eval_slips(a, &engine, &lines);
    }
    if a.calibrate {
        let c = eval::calibrate(&engine, &lines);
        crate::say!(
            "calibrated on {} queries: added_word {:.1}, fit_name_weight {:.2}, min_coverage {:.3}, answer_coverage {:.3}, answer_name_coverage {:.2}, answer_margin {:.3} (mean utility {:.3}; defaults give {:.3})",
            lines.len(),
            c.params.added_word,
            c.params.fit_name_weight,
            c.params.min_coverage,
            c.params.answer_coverage,
            c.params.answer_name_coverage,
            c.params.answer_margin,
            c.utility,
            eval::mean_utility(&engine, &lines),
        );
        let engine = engine.with_params(c.params);
        crate::say_raw!("{}", eval::evaluate(&engine, &lines).table());
        return Ok(ExitCode::SUCCESS);
    }
    let report = eval::evaluate(&engine, &lines);
    if a.misses {
        print_misses(&report)?;
    }
    crate::say_raw!("{}", report.table());
    eprintln!(
        "({} procedures loaded and indexed in {:.1} ms)",
        engine.entries().len(),
        ready.as_secs_f64() * 1e3
    );
    let failed = failures(&report, a);
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("below the floor: {}", failed.join("; "));
        Ok(ExitCode::FAILURE)
    }
}
