//! `chatbot bench`: timings of our engine alone (`engine`), our engine
//! side by side with peer engines on the same data (`retrieval`), each
//! engine in its own process (`peer`), and a webhook's warm path in
//! process (`handler`).

mod chart;
mod engine;
mod handler;
mod peer;
mod retrieval;
mod tantivy_peer;

use std::process::ExitCode;

use chatbot::Error;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time catalogue loading, index building and queries of our engine,
    /// in this process.
    Engine(engine::EngineArgs),
    /// Compare our engine with peer engines (tantivy, TF-IDF, rapidfuzz) on
    /// the same catalogue and labelled queries: speed, memory and accuracy,
    /// written to BENCHMARKS.md and a chart.
    Retrieval(retrieval::RetrievalArgs),
    /// A webhook's warm path inside this process: an event in → the reply
    /// handed to the outbound client, over the embedded catalogue and
    /// memory stores.
    Handler(handler::HandlerArgs),
    /// Run one Rust engine under the peer protocol (used by `retrieval`).
    #[command(hide = true)]
    Peer(peer::PeerArgs),
}

pub fn bench(a: &BenchArgs) -> Result<ExitCode, Error> {
    match &a.command {
        BenchCommand::Engine(a) => engine::bench(a),
        BenchCommand::Retrieval(a) => retrieval::retrieval(a),
        BenchCommand::Handler(a) => handler::bench(a),
        BenchCommand::Peer(a) => peer::peer(a),
    }
}

/// What a peer process prints on stdout: one JSON object (the protocol
/// shared with cli/bench/peers.py).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerReport {
    pub engine: String,
    pub version: String,
    pub build_ms: f64,
    pub peak_rss_kb: u64,
    /// One per query call: `repeat` passes over the queries, in order.
    pub latency_ns: Vec<u64>,
    /// One per query, in input order, from the first (untimed) pass.
    pub results: Vec<PeerResult>,
}

/// One query's answer from a peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerResult {
    /// Up to five procedure codes, best first.
    pub codes: Vec<String>,
    /// The best score (0 without results).
    pub score: f64,
    /// Only engines that decide for themselves (ours) set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
}

/// The error of a bench command, as an I/O error with a message.
pub fn fail(message: impl Into<String>) -> Error {
    Error::Io(std::io::Error::other(message.into()))
}
