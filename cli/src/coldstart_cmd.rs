//! `chatbot coldstart`: how long a function binary takes from process start
//! to ready for its first event, as Lambda sees it. A minimal stand-in for
//! the Lambda Runtime API listens on loopback; the time runs from spawning
//! the binary to its first `GET …/runtime/invocation/next`.
//!
//! With `--compare-load` it also times, in this process, the two ways a
//! cold start can get the search index's input from DynamoDB: the
//! published snapshot (what the functions do) and a scan of every
//! procedure's details.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use chatbot::Error;
use chatbot::catalogue::{Engine, Entry};
use chatbot::store::CatalogueSource;
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts};
use chatbot::text::lexicon::Lexicon;
use clap::Args;
use tokio::sync::mpsc;

use crate::serve::StoreKind;

#[derive(Args)]
pub struct ColdstartArgs {
    /// The function binary (e.g. target/release/webhook-web).
    binary: PathBuf,
    /// How many starts (the median is reported).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// The store the function starts on.
    #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
    store: StoreKind,
    /// The DynamoDB endpoint (default: $DYNAMODB_ENDPOINT).
    #[arg(long)]
    endpoint: Option<String>,
    /// Also time snapshot load versus a scan of the details, in-process.
    #[arg(long)]
    compare_load: bool,
}

fn io_error(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    format!(
        "median {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms (n = {})",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(v[0]),
        ms(v[v.len() - 1]),
        v.len()
    )
}

pub async fn coldstart(a: &ColdstartArgs) -> Result<ExitCode, Error> {
    let endpoint = a
        .endpoint
        .clone()
        .or_else(|| std::env::var("DYNAMODB_ENDPOINT").ok())
        .filter(|e| !e.trim().is_empty());
    if a.store == StoreKind::Dynamodb && endpoint.is_none() {
        return Err(Error::Store(
            "--store dynamodb needs --endpoint or $DYNAMODB_ENDPOINT (DynamoDB Local)".into(),
        ));
    }
    if a.runs == 0 {
        return Err(Error::Store("--runs must be at least 1".into()));
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<bool>();
    let ready = tx.clone();
    let app = Router::new()
        .route(
            "/2018-06-01/runtime/invocation/next",
            get(move || {
                let _ = ready.send(true);
                // Never answers: the function waits here, ready.
                std::future::pending::<&'static str>()
            }),
        )
        .route(
            "/2018-06-01/runtime/init/error",
            post(move || {
                let _ = tx.send(false);
                async { "" }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(io_error)?;
    let api = listener.local_addr().map_err(io_error)?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let name = a
        .binary
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("function")
        .to_owned();
    let mut times = Vec::with_capacity(a.runs);
    for run in 0..a.runs {
        let mut cmd = tokio::process::Command::new(&a.binary);
        cmd.env("AWS_LAMBDA_RUNTIME_API", api.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "coldstart")
            .env("RUST_LOG", "warn")
            // The functions' required settings, with the test credentials.
            .env("MESSENGER_APP_SECRET", webhook_messenger::TEST_APP_SECRET)
            .env(
                "MESSENGER_VERIFY_TOKEN",
                webhook_messenger::TEST_VERIFY_TOKEN,
            )
            .env("ZALO_APP_ID", webhook_zalo::TEST_APP_ID)
            .env("ZALO_OA_SECRET_KEY", webhook_zalo::TEST_OA_SECRET_KEY)
            .env("PORTAL_ORIGIN", "https://portal.example")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        match (a.store, &endpoint) {
            (StoreKind::Dynamodb, Some(e)) => {
                cmd.env("CHATBOT_STORE", "dynamodb")
                    .env("DYNAMODB_ENDPOINT", e);
            }
            _ => {
                cmd.env("CHATBOT_STORE", "memory");
            }
        }
        let t = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| io_error(format!("{}: {e}", a.binary.display())))?;
        let got = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await;
        let elapsed = t.elapsed();
        let _ = child.kill().await;
        match got {
            Ok(Some(true)) => times.push(elapsed),
            Ok(Some(false)) => {
                return Err(io_error(format!(
                    "run {run}: the function reported an init error (run it by hand with the same environment to see why)"
                )));
            }
            _ => {
                return Err(io_error(format!(
                    "run {run}: the function did not ask for an event within 20 s"
                )));
            }
        }
    }
    crate::say!(
        "{name} ({} store): process start → ready: {}",
        match a.store {
            StoreKind::Memory => "memory",
            StoreKind::Dynamodb => "DynamoDB",
        },
        summary(times)
    );

    if a.compare_load {
        let Some(endpoint) = &endpoint else {
            return Err(Error::Store(
                "--compare-load needs a DynamoDB endpoint".into(),
            ));
        };
        let store = DynamoStore::connect(Some(endpoint), Tables::from_env(), Timeouts::BATCH).await;
        let lexicon = Lexicon::embedded()?;
        let (mut snap, mut scan) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            let s = store
                .snapshot()
                .await
                .map_err(|e| Error::Store(e.to_string()))?
                .ok_or_else(|| Error::Store("no catalogue imported".into()))?;
            let e = Engine::new(s.entries, lexicon.clone());
            snap.push(t.elapsed());
            drop(e);
            let t = Instant::now();
            let procs = store
                .scan_procedures()
                .await
                .map_err(|e| Error::Store(e.to_string()))?;
            let e = Engine::new(procs.iter().map(Entry::from).collect(), lexicon.clone());
            scan.push(t.elapsed());
            drop(e);
        }
        crate::say!(
            "catalogue from the snapshot + index build: {}",
            summary(snap)
        );
        crate::say!(
            "catalogue from a scan of the details + index build: {}",
            summary(scan)
        );
    }
    Ok(ExitCode::SUCCESS)
}
