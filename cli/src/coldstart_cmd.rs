//! `chatbot coldstart`: how long a function binary takes from process start
//! to ready for its first event, as Lambda sees it. A minimal stand-in for
//! the Lambda Runtime API listens on loopback; the time runs from spawning
//! the binary to its first `GET …/runtime/invocation/next`. The function
//! gets the environment `template.yaml` deploys it with where it matters
//! (the allocator's `MIMALLOC_ARENA_EAGER_COMMIT=0`, unless set here).
//!
//! With `--events` the binary is then started once more and served those
//! API Gateway events through the same kind of stand-in, warm: `next`
//! answers with the next event (cycling through the files), `…/response`
//! and `…/error` are recorded. Reported: the time from handing an event out
//! to receiving its response (p50/p99/max, after a warm-up), invocations
//! per second, the process's memory (VmRSS once ready and at the end, peak
//! VmHWM, from `/proc/<pid>/status`), and the replies the webhooks hand to
//! their outbound client — caught by a sink on loopback, so that nothing
//! leaves the machine. Webhook deliveries are made new for every
//! invocation (unique message ids and timestamps, signed again with the
//! test credentials of `events/README.md`): the webhooks deduplicate, and
//! a repeated delivery would measure the duplicate path.
//!
//! With `--compare-load` it also times, in this process, the two ways a
//! cold start can get the search index's input from DynamoDB: the
//! published snapshot (what the functions do) and a scan of every
//! procedure's details.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::encodings::Base64Data;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use chatbot::Error;
use chatbot::catalogue::{Engine, Entry};
use chatbot::store::CatalogueSource;
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts};
use chatbot::text::lexicon::Lexicon;
use clap::Args;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
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
    /// Then serve the function these API Gateway events warm (files, or
    /// folders of *.json, cycled through in order), e.g.
    /// events/webhook-web. An event whose file name says it is to be
    /// refused (bad, missing, invalid, malformed, wrong, disallowed,
    /// oversized, stale, mismatch, unknown, not-found, too-large,
    /// look-alike, …) may get a non-2xx answer; any other non-2xx answer or
    /// runtime error is a failure (exit status 1).
    #[arg(long, num_args = 1.., value_name = "DIR or FILE")]
    events: Vec<PathBuf>,
    /// Measured warm invocations (after the warm-up).
    #[arg(long, default_value_t = 1000)]
    invocations: usize,
    /// Warm invocations before the measured ones.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
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

fn store_name(s: StoreKind) -> &'static str {
    match s {
        StoreKind::Memory => "memory",
        StoreKind::Dynamodb => "DynamoDB",
    }
}

/// The function process, with the Lambda environment and the functions'
/// required settings (the test credentials).
fn function_command(
    a: &ColdstartArgs,
    endpoint: &Option<String>,
    api: SocketAddr,
    name: &str,
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(&a.binary);
    cmd.env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
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
        // The allocator setting template.yaml deploys, unless the caller
        // chose one (to compare).
        .env(
            "MIMALLOC_ARENA_EAGER_COMMIT",
            std::env::var("MIMALLOC_ARENA_EAGER_COMMIT").unwrap_or_else(|_| "0".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    match (a.store, endpoint) {
        (StoreKind::Dynamodb, Some(e)) => {
            cmd.env("CHATBOT_STORE", "dynamodb")
                .env("DYNAMODB_ENDPOINT", e);
        }
        _ => {
            cmd.env("CHATBOT_STORE", "memory");
        }
    }
    cmd
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
    if !a.events.is_empty() && a.invocations == 0 {
        return Err(Error::Store("--invocations must be at least 1".into()));
    }
    // Read the events before anything runs: a wrong path fails fast.
    let events = if a.events.is_empty() {
        Vec::new()
    } else {
        event_files(&a.events)?
            .iter()
            .map(|p| Prepared::read(p))
            .collect::<Result<Vec<_>, _>>()?
    };
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
        let mut cmd = function_command(a, &endpoint, api, &name);
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
        store_name(a.store),
        summary(times)
    );

    let mut ok = true;
    if !events.is_empty() {
        ok = warm_run(a, &endpoint, &name, events).await?;
    }

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
            snap.push(t.elapsed());
            drop(s);
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
            "engine from the snapshot (ready to answer): {}",
            summary(snap)
        );
        crate::say!(
            "catalogue from a scan of the details + index build: {}",
            summary(scan)
        );
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

// ---------------------------------------------------------------------------
// The warm run: events.

/// How long the function may take to ask for its first event, and then for
/// each answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// `Lambda-Runtime-Deadline-Ms`: now plus this.
const DEADLINE_MS: u128 = 30_000;
/// Lines of the function's own output kept for error messages.
const LOG_TAIL: usize = 30;

/// Words (or hyphenated phrases) in an event file's name that say the
/// event is meant to be refused (a non-2xx answer is its expected answer).
const REFUSAL_WORDS: &[&str] = &[
    "bad",
    "missing",
    "invalid",
    "malformed",
    "wrong",
    "disallowed",
    "oversized",
    "stale",
    "mismatch",
    "unknown",
    "forbidden",
    "unauthorized",
    "expired",
    "refused",
    "rejected",
    "error",
    "not-found",
    "too-large",
    "look-alike",
];

/// Whether a file name (without `.json`) says its event is to be refused.
pub fn expects_refusal(stem: &str) -> bool {
    let s = format!("-{}-", stem.to_ascii_lowercase().replace('_', "-"));
    REFUSAL_WORDS.iter().any(|w| s.contains(&format!("-{w}-")))
}

/// The event files: each file given, and the `*.json` of each folder
/// given, in name order.
pub(crate) fn event_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in args {
        if p.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| io_error(format!("{}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json") && f.is_file())
                .collect();
            in_dir.sort();
            if in_dir.is_empty() {
                return Err(io_error(format!("{}: no *.json event files", p.display())));
            }
            out.extend(in_dir);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Timestamps in milliseconds: now, but never the same twice.
pub(crate) struct Stamps(Mutex<i64>);

impl Stamps {
    pub(crate) fn new() -> Self {
        Self(Mutex::new(0))
    }

    /// `n` consecutive unused timestamps from now on; the first.
    fn take(&self, n: usize) -> i64 {
        let now = epoch_ms() as i64;
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let first = now.max(*last + 1);
        *last = first + n.max(1) as i64 - 1;
        first
    }
}

/// The key of a header in an event, whatever its case.
fn header_key(event: &Value, name: &str) -> Option<String> {
    event["headers"]
        .as_object()?
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

fn header_value(event: &Value, name: &str) -> Option<String> {
    let k = header_key(event, name)?;
    event["headers"][k.as_str()].as_str().map(str::to_owned)
}

fn set_header(event: &mut Value, name: &str, value: String) {
    let k = header_key(event, name).unwrap_or_else(|| name.to_owned());
    if let Some(h) = event["headers"].as_object_mut() {
        h.insert(k, Value::String(value));
    }
}

/// The raw body of an event (base64-decoded when flagged), and whether it
/// was base64.
fn body_of(event: &Value) -> Result<(String, bool), String> {
    let base64 = event["isBase64Encoded"].as_bool().unwrap_or(false);
    let Some(b) = event["body"].as_str() else {
        return Err("it has no body".into());
    };
    if !base64 {
        return Ok((b.to_owned(), false));
    }
    let d: Base64Data = serde_json::from_value(Value::String(b.to_owned()))
        .map_err(|_| "its body is flagged base64 but is not base64".to_owned())?;
    String::from_utf8(d.0.clone())
        .map(|s| (s, true))
        .map_err(|_| "its body is not UTF-8".to_owned())
}

fn set_body(event: &mut Value, raw: &str, base64: bool) {
    event["body"] = if base64 {
        let mut d = Base64Data::default();
        *d = raw.as_bytes().to_vec();
        serde_json::to_value(&d).unwrap_or_default()
    } else {
        Value::String(raw.to_owned())
    };
    if header_key(event, "content-length").is_some() {
        set_header(event, "content-length", raw.len().to_string());
    }
}

/// A timestamp as its digits (a JSON number or a string of digits).
fn digits_of(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// `raw` with every whole run of digits found in `map` replaced.
fn replace_digit_runs(raw: &str, map: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        match map.get(run.as_str()) {
            Some(new) => out.push_str(new),
            None => out.push_str(run),
        }
        run.clear();
    };
    for c in raw.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A new id made from `old` for invocation `seq`, at most `max` bytes.
fn unique_id(old: &str, seq: usize, max: usize) -> String {
    let suffix = format!("-b{seq}");
    let keep = max.saturating_sub(suffix.len()).min(old.len());
    let mut cut = keep;
    while !old.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &old[..cut])
}

fn messenger_signature(raw: &str) -> String {
    webhook_messenger::signature(webhook_messenger::TEST_APP_SECRET, raw.as_bytes())
}

fn zalo_config() -> webhook_zalo::Config {
    webhook_zalo::Config::new(
        webhook_zalo::TEST_APP_ID,
        webhook_zalo::TEST_OA_SECRET_KEY,
        None,
        "http://127.0.0.1",
    )
}

/// A signed delivery, made new for every invocation.
struct Signed {
    raw: String,
    base64: bool,
    /// String ids to make unique (`mid`, `msg_id`).
    ids: Vec<String>,
    /// Timestamps to replace (digits); for Zalo the signed one first.
    stamps: Vec<String>,
    /// Zalo: the timestamp is (also) in `X-ZEvent-Timestamp`.
    ts_header: bool,
    /// Zalo: the signature's form (`mac=` prefix, upper-case hex).
    mac_prefix: bool,
    upper: bool,
    /// The longest id the function accepts (Messenger 256, Zalo 64).
    max_id: usize,
}

impl Signed {
    /// The body for invocation `seq`, its timestamps from `first` on.
    fn body(&self, seq: usize, first: i64) -> String {
        let mut raw = self.raw.clone();
        for id in &self.ids {
            raw = raw.replace(
                &format!("\"{id}\""),
                &format!("\"{}\"", unique_id(id, seq, self.max_id)),
            );
        }
        let map: HashMap<&str, String> = self
            .stamps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), (first + i as i64).to_string()))
            .collect();
        replace_digit_runs(&raw, &map)
    }
}

/// What happens to an event on each delivery.
enum Remake {
    /// Delivered as it is (nothing in it is deduplicated).
    AsIs,
    /// Delivered as it is: its name says it is to be refused.
    Refused,
    /// A Messenger delivery: unique `mid`s and timestamps, signed again.
    Messenger(Signed),
    /// A Zalo delivery: unique `msg_id` and timestamp, signed again.
    Zalo(Signed),
    /// A signed delivery that cannot be made new (why): delivered as it
    /// is, its repeats take the duplicate path.
    Cannot(String),
}

/// One event file, ready to be delivered again and again.
pub(crate) struct Prepared {
    pub(crate) name: String,
    pub(crate) refusal: bool,
    event: Value,
    remake: Remake,
}

impl Prepared {
    pub(crate) fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io_error(format!("{}: {e}", path.display())))?;
        let event: Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
            line: e.line(),
            message: format!("{}: {e}", path.display()),
        })?;
        if !event.is_object() {
            return Err(io_error(format!(
                "{}: not an event (a JSON object)",
                path.display()
            )));
        }
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("event")
            .to_owned();
        let refusal = expects_refusal(&name);
        let remake = if refusal {
            Remake::Refused
        } else if header_key(&event, "x-hub-signature-256").is_some() {
            match messenger(&event) {
                Ok(s) => Remake::Messenger(s),
                Err(why) => Remake::Cannot(why),
            }
        } else if header_key(&event, "x-zevent-signature").is_some() {
            match zalo(&event) {
                Ok(s) => Remake::Zalo(s),
                Err(why) => Remake::Cannot(why),
            }
        } else {
            Remake::AsIs
        };
        let mut p = Prepared {
            name,
            refusal,
            event,
            remake,
        };
        p.check();
        Ok(p)
    }

    /// Makes a first copy and checks it: signature valid, every id the
    /// function deduplicates on changed. Otherwise the event cannot be
    /// made new.
    fn check(&mut self) {
        let problem = match &self.remake {
            Remake::Messenger(_) => {
                check_messenger(&self.event, &self.copy(0, &Stamps::new())).err()
            }
            Remake::Zalo(_) => check_zalo(&self.event, &self.copy(0, &Stamps::new())).err(),
            _ => None,
        };
        if let Some(why) = problem {
            self.remake = Remake::Cannot(why);
        }
    }

    /// The event for invocation `seq`.
    pub(crate) fn copy(&self, seq: usize, stamps: &Stamps) -> Value {
        let mut ev = self.event.clone();
        // A different citizen each time: per-IP limits (dossier lookups)
        // would otherwise refuse the repeats.
        let ip = format!(
            "10.{}.{}.{}",
            (seq >> 16) & 255,
            (seq >> 8) & 255,
            seq & 255
        );
        if ev["requestContext"]["http"]["sourceIp"].is_string() {
            ev["requestContext"]["http"]["sourceIp"] = Value::String(ip.clone());
        }
        if header_key(&ev, "x-forwarded-for").is_some() {
            set_header(&mut ev, "x-forwarded-for", ip);
        }
        match &self.remake {
            Remake::Messenger(s) => {
                let raw = s.body(seq, stamps.take(s.stamps.len()));
                set_header(&mut ev, "x-hub-signature-256", messenger_signature(&raw));
                set_body(&mut ev, &raw, s.base64);
            }
            Remake::Zalo(s) => {
                let first = stamps.take(s.stamps.len());
                let raw = s.body(seq, first);
                let ts = first.to_string();
                if s.ts_header {
                    set_header(&mut ev, "x-zevent-timestamp", ts.clone());
                }
                let mut sig = webhook_zalo::expected_signature(
                    webhook_zalo::TEST_APP_ID,
                    raw.as_bytes(),
                    &ts,
                    webhook_zalo::TEST_OA_SECRET_KEY,
                );
                if s.upper {
                    sig = sig.to_uppercase();
                }
                if s.mac_prefix {
                    sig = format!("mac={sig}");
                }
                set_header(&mut ev, "x-zevent-signature", sig);
                set_body(&mut ev, &raw, s.base64);
            }
            _ => {}
        }
        ev
    }
}

fn messenger(event: &Value) -> Result<Signed, String> {
    let (raw, base64) = body_of(event)?;
    let sig = header_value(event, "x-hub-signature-256");
    if !webhook_messenger::signature_valid(
        webhook_messenger::TEST_APP_SECRET,
        raw.as_bytes(),
        sig.as_deref(),
    ) {
        return Err("its X-Hub-Signature-256 is not the test app secret's, so a changed copy cannot be signed like it".into());
    }
    let json: Value = serde_json::from_str(&raw).map_err(|_| "its body is not JSON".to_owned())?;
    let (mut ids, mut stamps) = (Vec::new(), Vec::new());
    let none = Vec::new();
    for entry in json["entry"].as_array().unwrap_or(&none) {
        stamps.extend(digits_of(&entry["time"]));
        for item in entry["messaging"].as_array().unwrap_or(&none) {
            stamps.extend(digits_of(&item["timestamp"]));
            for k in ["message", "postback"] {
                match &item[k]["mid"] {
                    Value::Null => {}
                    Value::String(s) if !s.contains(['"', '\\']) => ids.push(s.clone()),
                    _ => return Err(format!("a {k}.mid that is not a plain string")),
                }
            }
        }
    }
    ids.sort();
    ids.dedup();
    stamps.sort();
    stamps.dedup();
    Ok(Signed {
        raw,
        base64,
        ids,
        stamps,
        ts_header: false,
        mac_prefix: false,
        upper: false,
        max_id: 256,
    })
}

fn zalo(event: &Value) -> Result<Signed, String> {
    let (raw, base64) = body_of(event)?;
    let sig = header_value(event, "x-zevent-signature").unwrap_or_default();
    let json: Value = serde_json::from_str(&raw).map_err(|_| "its body is not JSON".to_owned())?;
    let header_ts = header_value(event, "x-zevent-timestamp");
    let body_ts = digits_of(&json["timestamp"]);
    let Some(ts) = header_ts.clone().or_else(|| body_ts.clone()) else {
        return Err("it carries no timestamp".into());
    };
    if !webhook_zalo::signature_valid(&zalo_config(), raw.as_bytes(), &ts, Some(&sig)) {
        return Err("its X-ZEvent-Signature is not the test OA secret key's, so a changed copy cannot be signed like it".into());
    }
    if !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err("its timestamp is not digits".into());
    }
    let mut ids = Vec::new();
    match &json["message"]["msg_id"] {
        Value::Null => {}
        Value::String(s) if !s.contains(['"', '\\']) => ids.push(s.clone()),
        _ => return Err("a message.msg_id that is not a plain string".into()),
    }
    let mut stamps = vec![ts.clone()];
    stamps.extend(body_ts.filter(|b| *b != ts));
    let hex = sig.trim().strip_prefix("mac=").unwrap_or(sig.trim());
    Ok(Signed {
        raw,
        base64,
        ids,
        stamps,
        ts_header: header_ts.is_some(),
        mac_prefix: sig.trim().starts_with("mac="),
        upper: hex.bytes().any(|b| b.is_ascii_uppercase()),
        max_id: 64,
    })
}

fn check_messenger(old: &Value, new: &Value) -> Result<(), String> {
    let (old_raw, _) = body_of(old)?;
    let (new_raw, _) = body_of(new)?;
    if !webhook_messenger::signature_valid(
        webhook_messenger::TEST_APP_SECRET,
        new_raw.as_bytes(),
        header_value(new, "x-hub-signature-256").as_deref(),
    ) {
        return Err("the copy's signature does not verify".into());
    }
    let ids = |raw: &str| -> Result<Vec<String>, String> {
        let v: Value = serde_json::from_str(raw).map_err(|_| "the copy is not JSON".to_owned())?;
        Ok(webhook_messenger::events(&v)
            .into_iter()
            .map(|e| e.id)
            .collect())
    };
    let (before, after) = (ids(&old_raw)?, ids(&new_raw)?);
    if before.len() != after.len() || after.iter().any(|i| before.contains(i)) {
        return Err("its message ids could not all be replaced in the raw body".into());
    }
    Ok(())
}

fn check_zalo(old: &Value, new: &Value) -> Result<(), String> {
    let (old_raw, _) = body_of(old)?;
    let (new_raw, _) = body_of(new)?;
    let json: Value =
        serde_json::from_str(&new_raw).map_err(|_| "the copy is not JSON".to_owned())?;
    let ts = header_value(new, "x-zevent-timestamp")
        .or_else(|| digits_of(&json["timestamp"]))
        .unwrap_or_default();
    if !webhook_zalo::signature_valid(
        &zalo_config(),
        new_raw.as_bytes(),
        &ts,
        header_value(new, "x-zevent-signature").as_deref(),
    ) {
        return Err("the copy's signature does not verify".into());
    }
    let old_json: Value = serde_json::from_str(&old_raw).unwrap_or_default();
    let before = webhook_zalo::event(&old_json).map(|e| e.id);
    let after = webhook_zalo::event(&json).map(|e| e.id);
    if before.is_some() && before == after {
        return Err("its message id could not be replaced in the raw body".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The warm run: the stand-in Runtime API, the outbound sink, the tallies.

/// Memory of a process, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy)]
struct Memory {
    rss: u64,
    hwm: u64,
}

fn memory_of(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Memory {
        rss: field("VmRSS:")?,
        hwm: field("VmHWM:")?,
    })
}

enum Signal {
    Ready(Option<Memory>),
    Answer,
    End(Option<Memory>),
    InitError(String),
}

enum Answer {
    /// The statusCode and the response's body, shortened.
    Status(i64, String),
    NoStatus(String),
    Error(String),
}

#[derive(Default, Clone)]
struct FileTally {
    answers: BTreeMap<String, usize>,
    failures: usize,
    /// The first failure's answer, shortened.
    sample: Option<String>,
}

#[derive(Default)]
struct Tally {
    pending: HashMap<String, (usize, usize, Instant)>,
    latencies: Vec<Duration>,
    first_measured: Option<Instant>,
    last_answer: Option<Instant>,
    answered: usize,
    ok: usize,
    refused_as_named: usize,
    failures: usize,
    /// 2xx for an event named as refused (noted, not a failure).
    unexpected_ok: usize,
    unknown_ids: usize,
    per_file: Vec<FileTally>,
}

struct Warm {
    events: Vec<Prepared>,
    warmup: usize,
    total: usize,
    arn: String,
    seq: AtomicUsize,
    pid: AtomicU32,
    stamps: Stamps,
    tally: Mutex<Tally>,
    tx: mpsc::UnboundedSender<Signal>,
}

impl Warm {
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn memory(&self) -> Option<Memory> {
        // The pid is stored right after the spawn; the first request
        // cannot come sooner, but be safe.
        for _ in 0..200 {
            let pid = self.pid.load(Ordering::SeqCst);
            if pid != 0 {
                return memory_of(pid);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        None
    }

    fn record(&self, id: &str, at: Instant, answer: Answer) {
        let mut t = self.tally();
        let Some((seq, file, handed)) = t.pending.remove(id) else {
            t.unknown_ids += 1;
            return;
        };
        t.answered += 1;
        if seq >= self.warmup {
            t.latencies.push(at.duration_since(handed));
            t.first_measured.get_or_insert(handed);
            t.last_answer = Some(at);
        }
        let refusal = self.events[file].refusal;
        let (key, two_xx, text) = match answer {
            Answer::Status(s, b) => (s.to_string(), (200..300).contains(&s), Some(b)),
            Answer::NoStatus(b) => ("no statusCode".to_owned(), false, Some(b)),
            Answer::Error(b) => ("runtime error".to_owned(), false, Some(b)),
        };
        match (two_xx, refusal) {
            (true, false) => t.ok += 1,
            (true, true) => {
                t.ok += 1;
                t.unexpected_ok += 1;
            }
            (false, true) => t.refused_as_named += 1,
            (false, false) => t.failures += 1,
        }
        let f = &mut t.per_file[file];
        *f.answers.entry(key.clone()).or_default() += 1;
        if !two_xx && !refusal {
            f.failures += 1;
            f.sample.get_or_insert_with(|| match text {
                Some(b) => format!("{key}: {b}"),
                None => key,
            });
        }
    }
}

fn shorten(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s: String = s.chars().take(300).collect();
    s.replace('\n', " ")
}

async fn next_event(State(w): State<Arc<Warm>>) -> Response {
    let seq = w.seq.fetch_add(1, Ordering::SeqCst);
    if seq == 0 {
        let m = w.memory().await;
        let _ = w.tx.send(Signal::Ready(m));
    }
    if seq >= w.total {
        if seq == w.total {
            let m = w.memory().await;
            let _ = w.tx.send(Signal::End(m));
        }
        // Never answers: the function waits here until it is stopped.
        return std::future::pending().await;
    }
    let file = seq % w.events.len();
    let body = serde_json::to_vec(&w.events[file].copy(seq, &w.stamps)).unwrap_or_default();
    let id = format!("bench-{seq:08}-{file:04}");
    let now_ms = epoch_ms();
    let trace = format!(
        "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
        now_ms / 1000,
        seq,
        seq
    );
    let response = Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &id)
        .header(
            "lambda-runtime-deadline-ms",
            (now_ms + DEADLINE_MS).to_string(),
        )
        .header("lambda-runtime-invoked-function-arn", &w.arn)
        .header("lambda-runtime-trace-id", trace)
        .body(Body::from(body))
        .unwrap_or_default();
    // Recorded before the response goes out (so that its answer always
    // finds it): the handing out, to within the write.
    w.tally().pending.insert(id, (seq, file, Instant::now()));
    response
}

async fn invocation_response(
    State(w): State<Arc<Warm>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    let parsed = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let answer = match parsed.get("statusCode").and_then(Value::as_i64) {
        Some(s) => Answer::Status(
            s,
            shorten(parsed["body"].as_str().unwrap_or_default().as_bytes()),
        ),
        None => Answer::NoStatus(shorten(&body)),
    };
    w.record(&id, at, answer);
    let _ = w.tx.send(Signal::Answer);
    StatusCode::ACCEPTED
}

async fn invocation_error(
    State(w): State<Arc<Warm>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let at = Instant::now();
    w.record(&id, at, Answer::Error(shorten(&body)));
    let _ = w.tx.send(Signal::Answer);
    StatusCode::ACCEPTED
}

async fn init_error(State(w): State<Arc<Warm>>, body: Bytes) -> StatusCode {
    let _ = w.tx.send(Signal::InitError(shorten(&body)));
    StatusCode::ACCEPTED
}

/// Stands in for the platforms' send APIs on loopback: counts what the
/// functions hand to their outbound client and accepts it (in a shape both
/// Messenger's and Zalo's clients read as success).
#[derive(Default)]
struct Sink {
    messenger: AtomicUsize,
    zalo: AtomicUsize,
    other: AtomicUsize,
}

async fn sink(State(s): State<Arc<Sink>>, uri: Uri) -> axum::Json<Value> {
    let path = uri.path();
    if path.starts_with("/messenger/") {
        s.messenger.fetch_add(1, Ordering::SeqCst);
    } else if path.starts_with("/zalo/") {
        s.zalo.fetch_add(1, Ordering::SeqCst);
    } else {
        s.other.fetch_add(1, Ordering::SeqCst);
    }
    axum::Json(json!({
        "recipient_id": "bench",
        "message_id": "m_bench",
        "error": 0,
        "message": "Success",
        "data": { "message_id": "bench" },
    }))
}

async fn serve_on_loopback(app: Router) -> Result<SocketAddr, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(io_error)?;
    let addr = listener.local_addr().map_err(io_error)?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// Keeps the last lines of the function's output.
fn keep_tail(out: impl AsyncRead + Unpin + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(out).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
            if t.len() == LOG_TAIL {
                t.pop_front();
            }
            t.push_back(l);
        }
    });
}

fn with_tail(message: String, tail: &Mutex<VecDeque<String>>) -> Error {
    let t = tail.lock().unwrap_or_else(|e| e.into_inner());
    if t.is_empty() {
        return io_error(format!("{message} (the function printed nothing)"));
    }
    let lines: Vec<&str> = t.iter().map(String::as_str).collect();
    io_error(format!(
        "{message}; the function's last output:\n  {}",
        lines.join("\n  ")
    ))
}

fn micros(d: Duration) -> u128 {
    d.as_micros()
}

fn kib(m: Option<Memory>, f: fn(Memory) -> u64) -> String {
    m.map(|m| format!("{} KiB", f(m)))
        .unwrap_or_else(|| "n/a".into())
}

/// The origins the events' browsers send (to allow them), except those of
/// events meant to be refused.
pub(crate) fn portal_origins(events: &[Prepared]) -> String {
    let mut origins: Vec<String> = events
        .iter()
        .filter(|e| !e.refusal)
        .filter_map(|e| header_value(&e.event, "origin"))
        .filter(|o| o.starts_with("http://") || o.starts_with("https://"))
        .collect();
    origins.sort();
    origins.dedup();
    if origins.is_empty() {
        // events/README.md's test value.
        "http://localhost:3000".into()
    } else {
        origins.join(",")
    }
}

fn names(events: &[Prepared], pick: impl Fn(&Remake) -> bool) -> Vec<&str> {
    events
        .iter()
        .filter(|e| pick(&e.remake))
        .map(|e| e.name.as_str())
        .collect()
}

/// Serves the function the events warm; whether no invocation failed.
async fn warm_run(
    a: &ColdstartArgs,
    endpoint: &Option<String>,
    name: &str,
    events: Vec<Prepared>,
) -> Result<bool, Error> {
    let store = store_name(a.store);
    // What happens to the events.
    let made_new = names(&events, |r| {
        matches!(r, Remake::Messenger(_) | Remake::Zalo(_))
    });
    let as_is = names(&events, |r| matches!(r, Remake::AsIs));
    let refused = names(&events, |r| matches!(r, Remake::Refused));
    crate::say!(
        "{name}: {} event files; source IP varied per invocation",
        events.len()
    );
    if !made_new.is_empty() {
        crate::say!(
            "  made new for every invocation (unique message ids and timestamps, signed again with the test credentials): {}",
            made_new.join(", ")
        );
    }
    if !as_is.is_empty() {
        crate::say!(
            "  delivered as they are (no signed delivery to make new): {}",
            as_is.join(", ")
        );
    }
    if !refused.is_empty() {
        crate::say!(
            "  delivered as they are, named as refused (a non-2xx answer expected): {}",
            refused.join(", ")
        );
    }
    for e in &events {
        if let Remake::Cannot(why) = &e.remake {
            crate::say!(
                "  CANNOT make {} new for every invocation: {why}; it is delivered as it is, so its repeats take the duplicate path",
                e.name
            );
        }
    }

    let sink_state = Arc::new(Sink::default());
    let sink_addr =
        serve_on_loopback(Router::new().fallback(sink).with_state(sink_state.clone())).await?;

    let (tx, mut rx) = mpsc::unbounded_channel::<Signal>();
    let files = events.len();
    let warm = Arc::new(Warm {
        warmup: a.warmup,
        total: a.warmup + a.invocations,
        arn: format!("arn:aws:lambda:ap-southeast-1:123456789012:function:{name}"),
        seq: AtomicUsize::new(0),
        pid: AtomicU32::new(0),
        stamps: Stamps::new(),
        tally: Mutex::new(Tally {
            per_file: vec![FileTally::default(); files],
            ..Tally::default()
        }),
        tx,
        events,
    });
    let api = serve_on_loopback(
        Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_event))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(invocation_response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(invocation_error),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(warm.clone()),
    )
    .await?;

    let mut cmd = function_command(a, endpoint, api, name);
    let sink_url = format!("http://{sink_addr}");
    // Replies go through the real HTTP client, to the sink; nothing leaves
    // the machine (no token refresh, no proxy).
    cmd.env("MESSENGER_PAGE_TOKEN", "bench-page-token")
        .env("MESSENGER_GRAPH_URL", format!("{sink_url}/messenger"))
        .env("ZALO_ACCESS_TOKEN", "bench-access-token")
        .env("ZALO_API_URL", format!("{sink_url}/zalo"))
        .env("ZALO_OAUTH_URL", format!("{sink_url}/zalo-oauth"))
        .env_remove("ZALO_APP_SECRET")
        .env_remove("ZALO_REFRESH_TOKEN")
        .env("PORTAL_ORIGIN", portal_origins(&warm.events))
        .env("DOSSIER_PUSH_KEY", "test-dossier-push-key")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        cmd.env_remove(v).env_remove(v.to_ascii_lowercase());
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| io_error(format!("{}: {e}", a.binary.display())))?;
    warm.pid.store(child.id().unwrap_or(0), Ordering::SeqCst);
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(out) = child.stdout.take() {
        keep_tail(out, tail.clone());
    }
    if let Some(err) = child.stderr.take() {
        keep_tail(err, tail.clone());
    }

    let (mut ready_mem, mut ready) = (None, false);
    let end_mem = loop {
        let limit = if ready { ANSWER_TIMEOUT } else { READY_TIMEOUT };
        tokio::select! {
            sig = tokio::time::timeout(limit, rx.recv()) => match sig {
                Ok(Some(Signal::Ready(m))) => {
                    ready = true;
                    ready_mem = m;
                }
                Ok(Some(Signal::Answer)) => {}
                Ok(Some(Signal::End(m))) => break m,
                Ok(Some(Signal::InitError(e))) => {
                    let _ = child.kill().await;
                    return Err(with_tail(format!("warm run: the function reported an init error: {e}"), &tail));
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill().await;
                    let answered = warm.tally().answered;
                    return Err(with_tail(
                        if ready {
                            format!("warm run: no answer within {} s after {answered} answers", limit.as_secs())
                        } else {
                            format!("warm run: the function did not ask for an event within {} s", limit.as_secs())
                        },
                        &tail,
                    ));
                }
            },
            status = child.wait() => {
                // Let the last of its output be read.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let answered = warm.tally().answered;
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                return Err(with_tail(format!("warm run: the function exited ({status}) after {answered} answers"), &tail));
            }
        }
    };
    let _ = child.kill().await;
    // Every send was awaited before its invocation's response: all are in.
    let sends = (
        sink_state.messenger.load(Ordering::SeqCst),
        sink_state.zalo.load(Ordering::SeqCst),
        sink_state.other.load(Ordering::SeqCst),
    );

    let t = warm.tally();
    let mut lat = t.latencies.clone();
    lat.sort();
    let n = lat.len();
    let pct = |p: f64| lat[((n - 1) as f64 * p).round() as usize];
    let span = match (t.first_measured, t.last_answer) {
        (Some(f), Some(l)) => l.duration_since(f),
        _ => Duration::ZERO,
    };
    let rate = if span.is_zero() {
        0.0
    } else {
        n as f64 / span.as_secs_f64()
    };
    if n > 0 {
        crate::say!(
            "{name} ({store} store): warm invocation (event handed out → response): p50 {} µs, p99 {} µs, max {} µs, {rate:.0} invocations/s (n = {n}, after {} warm-up)",
            micros(pct(0.5)),
            micros(pct(0.99)),
            micros(lat[n - 1]),
            a.warmup
        );
    }
    crate::say!(
        "{name} ({store} store): memory: VmRSS {} once ready, {} at the end; peak VmHWM {}",
        kib(ready_mem, |m| m.rss),
        kib(end_mem, |m| m.rss),
        kib(end_mem, |m| m.hwm)
    );
    crate::say!(
        "{name} ({store} store): {} invocations answered: {} 2xx, {} refused as named, {} failures; sends received by the loopback sink: {} (messenger {}, zalo {}, other {})",
        t.answered,
        t.ok,
        t.refused_as_named,
        t.failures,
        sends.0 + sends.1 + sends.2,
        sends.0,
        sends.1,
        sends.2
    );
    for (i, f) in t.per_file.iter().enumerate() {
        let e = &warm.events[i];
        let answers: Vec<String> = f
            .answers
            .iter()
            .map(|(k, c)| format!("{k} × {c}"))
            .collect();
        if f.failures > 0 {
            crate::say!(
                "  FAILED {}: {} of its answers ({}); first: {}",
                e.name,
                f.failures,
                answers.join(", "),
                f.sample.as_deref().unwrap_or("")
            );
        } else if e.refusal && f.answers.keys().any(|k| k.starts_with('2')) {
            crate::say!(
                "  note: {} is named as refused but was answered {}",
                e.name,
                answers.join(", ")
            );
        }
    }
    if t.unknown_ids > 0 {
        crate::say!(
            "  {} answers for request ids never handed out",
            t.unknown_ids
        );
    }
    if t.failures > 0 {
        eprintln!(
            "chatbot: {} of {} warm invocations failed (see above)",
            t.failures, t.answered
        );
    }
    Ok(t.failures == 0 && t.unknown_ids == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_names_are_read_from_whole_words() {
        for n in [
            "bad-signature",
            "missing-session",
            "stop-not-found",
            "nearby-radius-too-large",
            "put-stale",
            "get-look-alike",
            "unknown-area",
            "put-code-mismatch",
        ] {
            assert!(expects_refusal(n), "{n}");
        }
        for n in [
            "text",
            "stop-found",
            "search-none",
            "html-injection",
            "header-timestamp",
            "badge",
        ] {
            assert!(!expects_refusal(n), "{n}");
        }
    }

    #[test]
    fn only_whole_digit_runs_are_replaced() {
        let map: HashMap<&str, String> = [("100", "7".to_owned())].into_iter().collect();
        assert_eq!(
            replace_digit_runs(r#"{"t":100,"u":"100","v":1000,"w":2100}"#, &map),
            r#"{"t":7,"u":"7","v":1000,"w":2100}"#
        );
    }

    #[test]
    fn unique_ids_stay_within_their_limit() {
        assert_eq!(unique_id("m_abc", 7, 64), "m_abc-b7");
        let long = "x".repeat(80);
        assert_eq!(unique_id(&long, 12, 64).len(), 64);
    }

    #[test]
    fn messenger_signature_matches_the_verifier() {
        let raw = r#"{"object":"page"}"#;
        assert!(webhook_messenger::signature_valid(
            webhook_messenger::TEST_APP_SECRET,
            raw.as_bytes(),
            Some(&messenger_signature(raw))
        ));
    }
}
