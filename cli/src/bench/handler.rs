//! `chatbot bench handler`: a webhook's warm path inside the process — the
//! handler given an API Gateway event, to the reply handed to the outbound
//! client (Messenger, Zalo) or returned (the web widget) — with the
//! embedded catalogue and memory stores, as the deployed function runs it
//! minus Lambda's own runtime loop. No HTTP, no other process on the
//! cores: what the function itself costs per message.
//!
//! The events are those of `events/<function>/`, made new for every
//! invocation as `chatbot coldstart --events` makes them (new message ids
//! and timestamps, signed again with the test credentials), so that none
//! takes the duplicate path.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::Error;
use chatbot_adapters::embedded::{catalogue, memory_service};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::{Outbound, OutboundError, OutboundRequest, OutboundResponse};
use clap::{Args, ValueEnum};

use super::fail;
use crate::coldstart_cmd::{Prepared, Stamps, event_files, portal_origins};

#[derive(Args)]
pub struct HandlerArgs {
    /// Which webhook.
    #[arg(value_enum)]
    function: Webhook,
    /// Event files, or folders of them (default: events/<function>).
    #[arg(long = "events")]
    events: Vec<PathBuf>,
    /// Timed invocations (the event files in turn).
    #[arg(long, default_value_t = 5000)]
    invocations: usize,
    /// Untimed invocations first.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
}

/// The function names, as in `functions/` and `events/`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Webhook {
    #[value(name = "webhook-messenger")]
    Messenger,
    #[value(name = "webhook-zalo")]
    Zalo,
    #[value(name = "webhook-web")]
    Web,
}

impl Webhook {
    fn name(self) -> &'static str {
        match self {
            Webhook::Messenger => "webhook-messenger",
            Webhook::Zalo => "webhook-zalo",
            Webhook::Web => "webhook-web",
        }
    }
}

/// Stands in for the Send API / OA API: notes when a reply is handed over
/// and accepts it.
#[derive(Default)]
struct Handed(Mutex<Vec<Instant>>);

#[async_trait]
impl Outbound for Handed {
    async fn send(&self, _req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        if let Ok(mut v) = self.0.lock() {
            v.push(Instant::now());
        }
        Ok(OutboundResponse {
            status: 200,
            body: serde_json::json!({ "message_id": "m" }),
        })
    }
}

impl Handed {
    fn take(&self) -> Vec<Instant> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// One of the three webhooks, built as its `main.rs` builds it, over the
/// embedded catalogue and memory stores.
enum App {
    Messenger(webhook_messenger::App),
    Zalo(webhook_zalo::App),
    Web(webhook_web::App),
}

impl App {
    fn new(which: Webhook, handed: Arc<Handed>, origins: String) -> Result<Self, Error> {
        let (service, stores) = memory_service(&catalogue()?, Arc::new(LogNotifier), None);
        Ok(match which {
            Webhook::Messenger => App::Messenger(webhook_messenger::App {
                service,
                processed: stores.processed(),
                outbound: handed,
                config: webhook_messenger::Config::new(
                    webhook_messenger::TEST_APP_SECRET,
                    webhook_messenger::TEST_VERIFY_TOKEN,
                    None,
                    "http://127.0.0.1:9",
                ),
                clock: chatbot_adapters::now,
            }),
            Webhook::Zalo => App::Zalo(webhook_zalo::App {
                service,
                processed: stores.processed(),
                outbound: handed,
                config: webhook_zalo::Config::new(
                    webhook_zalo::TEST_APP_ID,
                    webhook_zalo::TEST_OA_SECRET_KEY,
                    None,
                    "http://127.0.0.1:9",
                ),
                tokens: None,
                clock: chatbot_adapters::now,
            }),
            Webhook::Web => App::Web(webhook_web::App {
                service,
                config: webhook_web::Config {
                    allowed_origins: origins.split(',').map(str::to_owned).collect(),
                },
                clock: chatbot_adapters::now,
            }),
        })
    }

    async fn handle(&self, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        match self {
            App::Messenger(a) => webhook_messenger::handle(a, req).await,
            App::Zalo(a) => webhook_zalo::handle(a, req).await,
            App::Web(a) => webhook_web::handle(a, req).await,
        }
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// p50 / p99 / max in µs.
fn summary(mut v: Vec<Duration>) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    format!(
        "p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs (n = {})",
        micros(at(0.50)),
        micros(at(0.99)),
        micros(v[v.len() - 1]),
        v.len()
    )
}

pub fn bench(a: &HandlerArgs) -> Result<ExitCode, Error> {
    let name = a.function.name();
    let dirs = if a.events.is_empty() {
        vec![PathBuf::from("events").join(name)]
    } else {
        a.events.clone()
    };
    let events = event_files(&dirs)?
        .iter()
        .map(|p| Prepared::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    if events.is_empty() {
        return Err(fail("no event files"));
    }
    let handed = Arc::new(Handed::default());
    let app = App::new(a.function, handed.clone(), portal_origins(&events))?;
    let stamps = Stamps::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;

    let mut per_file: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut to_reply = Vec::with_capacity(a.invocations);
    let mut to_response = Vec::with_capacity(a.invocations);
    let (mut ok, mut refused, mut failures) = (0usize, 0usize, Vec::new());
    for seq in 0..a.warmup + a.invocations {
        let ev = &events[seq % events.len()];
        let req: ApiGatewayV2httpRequest = serde_json::from_value(ev.copy(seq, &stamps))
            .map_err(|e| fail(format!("{}: not an API Gateway event: {e}", ev.name)))?;
        // For the widget the reply is the answer to a message (POST), not
        // the script or a preflight.
        let message = req.request_context.http.method == aws_lambda_events::http::Method::POST;
        let start = Instant::now();
        let resp = rt.block_on(app.handle(req));
        let end = Instant::now();
        let sends = handed.take();
        if seq < a.warmup {
            continue;
        }
        let success = (200..300).contains(&resp.status_code);
        match (success, ev.refusal) {
            (true, false) => ok += 1,
            (false, true) => refused += 1,
            _ => failures.push(format!("{} → {}", ev.name, resp.status_code)),
        }
        to_response.push(end - start);
        per_file
            .entry(ev.name.as_str())
            .or_default()
            .push(end - start);
        // The reply: handed to the outbound client (the first send), or
        // the response itself for the widget.
        match (a.function, sends.first()) {
            (Webhook::Web, _) if success && message => to_reply.push(end - start),
            (_, Some(&at)) => to_reply.push(at - start),
            _ => {}
        }
    }
    println!(
        "{name} (in process, memory store): event in → reply handed over: {}",
        summary(to_reply)
    );
    println!(
        "{name} (in process, memory store): event in → response: {}",
        summary(to_response)
    );
    println!(
        "{name}: {} invocations timed after {} warm-up: {ok} answered, {refused} refused as named, {} failures",
        a.invocations,
        a.warmup,
        failures.len()
    );
    for (file, times) in per_file {
        println!("  {file}: {}", summary(times));
    }
    failures.sort();
    failures.dedup();
    for f in &failures {
        eprintln!("  unexpected: {f}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
