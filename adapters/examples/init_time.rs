//! Times what a webhook does at its cold start on the embedded default,
//! step by step, in this process:
//! `cargo run --release -p chatbot-adapters --example init_time`.

use std::time::Instant;

use chatbot::text::lexicon::Lexicon;
use chatbot_adapters::embedded;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let lexicon = Lexicon::embedded()?;
    let lex = t.elapsed();
    drop(lexicon);
    let t = Instant::now();
    let catalogue = embedded::Catalogue::shipped()?;
    let cat = t.elapsed();
    let t = Instant::now();
    let data = embedded::memory_data()?;
    let lookups = t.elapsed();
    println!(
        "lexicon {:.2} ms; catalogue from its snapshot (lexicon included) {:.2} ms; lookups' data {:.2} ms",
        lex.as_secs_f64() * 1e3,
        cat.as_secs_f64() * 1e3,
        lookups.as_secs_f64() * 1e3
    );
    drop((catalogue, data));
    Ok(())
}
