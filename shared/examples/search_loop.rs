//! Runs the labelled queries through the engine in a loop, for profilers:
//! `cargo build --profile profiling -p chatbot --example search_loop`, then
//! `perf record -g target/profiling/examples/search_loop data/procedures.jsonl.gz data/eval/queries.jsonl 300`.

use std::fs::File;
use std::hint::black_box;
use std::io::BufReader;
use std::time::Instant;

use chatbot::catalogue::{Engine, read_jsonl};
use chatbot::eval::read_labelled;
use chatbot::text::lexicon::Lexicon;
use flate2::read::MultiGzDecoder;

// The allocator of the command line and the functions, so that a profile
// shows what they spend.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, catalogue, queries, rounds] = args.as_slice() else {
        return Err("usage: search_loop <catalogue.jsonl.gz> <queries.jsonl> <rounds>".into());
    };
    let procedures = read_jsonl(BufReader::new(MultiGzDecoder::new(File::open(catalogue)?)))?;
    let engine = Engine::from_procedures(&procedures, Lexicon::embedded()?);
    let queries = read_labelled(BufReader::new(File::open(queries)?))?;
    let rounds: usize = rounds.parse()?;
    let t = Instant::now();
    for _ in 0..rounds {
        for q in &queries {
            black_box(engine.search(black_box(&q.q)));
        }
    }
    let n = rounds * queries.len();
    eprintln!(
        "{n} searches, mean {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    Ok(())
}
