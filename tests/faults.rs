//! DynamoDB faults injected between the Messenger webhook and DynamoDB
//! Local by a proxy on loopback: throttling, server errors, timeouts and
//! dropped connections, on chosen operations of chosen tables. Whatever
//! fails, the webhook answers 200 only once the event is handled, asks for
//! the platform's retry otherwise, and the citizen gets one reply — none
//! lost, none twice. Answers about procedures keep coming from the index in
//! memory; lookups that need the table apologise.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts};
use chatbot_adapters::embedded::event_file;
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use chatbot_adapters::stores::{Backend, backing};
use chatbot_tests::{dynamodb_endpoint, procedures, unique_prefix};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use webhook_messenger::{App, Config, TEST_APP_SECRET, TEST_VERIFY_TOKEN, handle};

/// What the proxy does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// HTTP 400 `ProvisionedThroughputExceededException`.
    Throttle,
    /// HTTP 500 `InternalFailure`.
    ServerError,
    /// Forwarded after this long (past the SDK's attempt timeout).
    Delay(Duration),
    /// The connection closed without an answer.
    Drop,
}

/// A fault on requests of one operation (`GetItem`, …; any when empty) to
/// tables whose name ends with `table` (any when empty), for the next
/// `times` matching requests.
#[derive(Debug, Clone)]
struct Rule {
    op: &'static str,
    table: &'static str,
    fault: Fault,
    times: usize,
}

#[derive(Default)]
struct Control {
    rules: Mutex<Vec<Rule>>,
    /// (operation, fault injected or not) per request seen.
    seen: Mutex<Vec<(String, Option<Fault>)>>,
}

impl Control {
    fn set(&self, rules: Vec<Rule>) {
        *self.rules.lock().unwrap() = rules;
    }

    fn injected(&self) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, f)| f.is_some())
            .count()
    }

    /// The fault for a request, counting it against its rule.
    fn decide(&self, op: &str, table: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let fault = rules
            .iter_mut()
            .find(|r| {
                r.times > 0
                    && (r.op.is_empty() || r.op == op)
                    && (r.table.is_empty() || table.ends_with(r.table))
            })
            .map(|r| {
                r.times -= 1;
                r.fault
            });
        self.seen.lock().unwrap().push((op.to_owned(), fault));
        fault
    }
}

/// Starts the proxy in front of `upstream`; its URL and its control.
async fn proxy(upstream: String) -> (String, Arc<Control>) {
    let control = Arc::new(Control::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream: SocketAddr = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("DYNAMODB_ENDPOINT is http://host:port on loopback");
    let c = control.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve(client, upstream, c.clone()));
        }
    });
    (format!("http://{addr}"), control)
}

/// One client connection: its requests one by one.
async fn serve(mut client: TcpStream, upstream: SocketAddr, control: Arc<Control>) {
    let mut buf = Vec::new();
    while let Some(req) = read_message(&mut client, &mut buf).await {
        let head = String::from_utf8_lossy(&req[..head_len(&req).unwrap_or(0)]).to_string();
        let op = header(&head, "x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("")
            .to_owned();
        let body = &req[head_len(&req).unwrap_or(0)..];
        let table = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["TableName"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let answer = match control.decide(&op, &table) {
            Some(Fault::Drop) => return,
            Some(Fault::Throttle) => canned(
                400,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            ),
            Some(Fault::ServerError) => canned(500, "com.amazon.coral.service#InternalFailure"),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                forward(&req, upstream).await
            }
            None => forward(&req, upstream).await,
        };
        let Some(answer) = answer else { return };
        if client.write_all(&answer).await.is_err() {
            return;
        }
    }
}

fn canned(status: u16, kind: &str) -> Option<Vec<u8>> {
    let body = format!(r#"{{"__type":"{kind}","message":"injected fault"}}"#);
    Some(
        format!(
            "HTTP/1.1 {status} Fault\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-requestid: fault\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// Sends one request upstream on a connection of its own and returns the
/// answer as received.
async fn forward(req: &[u8], upstream: SocketAddr) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(req).await.ok()?;
    let mut buf = Vec::new();
    read_message(&mut up, &mut buf).await
}

fn head_len(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Reads one HTTP/1.1 message (head and a `content-length` body, or a
/// chunked one) from `s`; `buf` keeps what was read beyond it.
async fn read_message(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 16 * 1024];
    let head = loop {
        if let Some(h) = head_len(buf) {
            break h;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..head]).to_string();
    let chunked = header(&text, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let end = if chunked {
        loop {
            if let Some(p) = buf[head..].windows(5).position(|w| w == b"0\r\n\r\n") {
                break head + p + 5;
            }
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    } else {
        let len: usize = header(&text, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head + len {
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        head + len
    };
    Some(buf.drain(..end).collect())
}

/// The Messenger webhook on fresh tables reached through the proxy, with
/// the webhooks' timeouts; `None` without DynamoDB Local.
struct World {
    app: App,
    outbox: Arc<Outbox>,
    control: Arc<Control>,
}

async fn world(test: &str) -> Option<World> {
    let endpoint = dynamodb_endpoint(test)?;
    let tables = Tables::with_prefix(&unique_prefix(test));
    // Set up directly (patient timeouts), then run through the proxy.
    let setup = DynamoStore::connect(Some(&endpoint), tables.clone(), Timeouts::BATCH).await;
    setup.create_tables().await.expect("create tables");
    let some: Vec<_> = procedures()
        .iter()
        .filter(|p| p.name.contains("khai sinh") || p.code.to_string().ends_with('3'))
        .cloned()
        .collect();
    setup
        .publish_catalogue(&some, &|_| {})
        .await
        .expect("publish");
    let (url, control) = proxy(endpoint).await;
    let backend = Backend::Dynamo {
        endpoint: Some(url),
        tables,
    };
    // Dossier, bus and notice lookups read the tables too (the default).
    let b = backing(
        &backend,
        Arc::new(LogNotifier),
        None,
        chatbot_adapters::now(),
    )
    .await
    .expect("the functions start");
    let outbox = Arc::new(Outbox::default());
    let app = App {
        service: b.service,
        processed: b.processed,
        outbound: outbox.clone(),
        config: Config::new(
            TEST_APP_SECRET,
            TEST_VERIFY_TOKEN,
            None,
            "http://127.0.0.1:9",
        ),
        clock: chatbot_adapters::now,
    };
    Some(World {
        app,
        outbox,
        control,
    })
}

fn rule(op: &'static str, table: &'static str, fault: Fault, times: usize) -> Rule {
    Rule {
        op,
        table,
        fault,
        times,
    }
}

impl World {
    async fn deliver(&self, event: &str) -> i64 {
        handle(&self.app, event_file("webhook-messenger", event).unwrap())
            .await
            .status_code
    }

    fn replies(&self) -> Vec<String> {
        self.outbox
            .items()
            .iter()
            .map(|i| i.body["message"].to_string())
            .collect()
    }
}

/// The reply a healthy table gives to the `text` event.
async fn healthy_reply(test: &str) -> Option<Vec<String>> {
    let w = world(test).await?;
    assert_eq!(w.deliver("text").await, 200);
    Some(w.replies())
}

const TIMEOUT: Fault = Fault::Delay(Duration::from_millis(1_200));

#[tokio::test]
async fn transient_faults_should_be_retried_by_the_sdk_and_answered_once() {
    let Some(expected) = healthy_reply("faults_transient_healthy").await else {
        return;
    };
    for (name, fault) in [
        ("throttling", Fault::Throttle),
        ("server error", Fault::ServerError),
        ("dropped connection", Fault::Drop),
    ] {
        let Some(w) = world("faults_transient").await else {
            return;
        };
        // Every operation fails once, then works: the SDK's retries mend it.
        w.control.set(vec![rule("", "", fault, 1)]);
        assert_eq!(w.deliver("text").await, 200, "{name}");
        assert_eq!(w.replies(), expected, "{name}: one reply, the right one");
        assert_eq!(w.control.injected(), 1, "{name}");
        assert_eq!(w.deliver("text").await, 200, "{name}: redelivery");
        assert_eq!(w.replies(), expected, "{name}: not answered twice");
    }
}

#[tokio::test]
async fn lasting_faults_should_ask_for_the_retry_and_lose_nothing() {
    let Some(expected) = healthy_reply("faults_lasting_healthy").await else {
        return;
    };
    // Each: the state table failing on one operation, for longer than the
    // SDK retries (3 attempts).
    for (name, op, fault) in [
        ("claim throttled", "UpdateItem", Fault::Throttle),
        ("claim times out", "UpdateItem", TIMEOUT),
        ("conversation unreadable", "GetItem", Fault::ServerError),
        ("conversation not saved", "PutItem", Fault::ServerError),
        ("connections dropped", "", Fault::Drop),
    ] {
        let Some(w) = world("faults_lasting").await else {
            return;
        };
        w.control.set(vec![rule(op, "-state", fault, 3)]);
        assert_eq!(w.deliver("text").await, 500, "{name}: Meta must retry");
        assert!(w.replies().is_empty(), "{name}: no reply yet");
        // Healed: Meta's retry is handled, not skipped, and answered once.
        w.control.set(Vec::new());
        assert_eq!(w.deliver("text").await, 200, "{name}: the retry");
        assert_eq!(w.replies(), expected, "{name}: one reply, the right one");
        assert_eq!(w.deliver("text").await, 200, "{name}: a later retry");
        assert_eq!(w.replies(), expected, "{name}: not answered twice");
    }
}

#[tokio::test]
async fn procedure_answers_should_survive_a_failing_data_table() {
    let Some(w) = world("faults_data_table").await else {
        return;
    };
    // Details of procedures live in the data table: the answer comes from
    // the index in memory (name, where to read more).
    w.control.set(vec![rule(
        "GetItem",
        "data",
        Fault::ServerError,
        usize::MAX,
    )]);
    assert_eq!(w.deliver("text").await, 200);
    let replies = w.replies().join("\n");
    assert!(replies.to_lowercase().contains("khai sinh"), "{replies}");
}

#[tokio::test]
async fn lookups_should_apologise_when_the_table_fails() {
    let Some(w) = world("faults_lookup").await else {
        return;
    };
    w.control
        .set(vec![rule("", "-data", Fault::ServerError, usize::MAX)]);
    // A dossier lookup (the rate limit and the dossier both need a table).
    let body = webhook_messenger_text("tra cứu hồ sơ 000.00.17.H17-261118-0003");
    let resp = handle(&w.app, body).await;
    assert_eq!(resp.status_code, 200);
    let replies = w.replies().join("\n");
    assert!(replies.contains("gián đoạn"), "{replies}");
    assert!(
        replies.contains("1022"),
        "the hotline is offered: {replies}"
    );
}

/// A signed Messenger delivery of one text message.
fn webhook_messenger_text(text: &str) -> aws_lambda_events::apigw::ApiGatewayV2httpRequest {
    let body =
        serde_json::json!({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
        "sender": {"id": "7312345678901234"}, "recipient": {"id": "1"}, "timestamp": 1,
        "message": {"mid": "m_lookup", "text": text}}]}]})
        .to_string();
    let sig = webhook_messenger::signature(TEST_APP_SECRET, body.as_bytes());
    chatbot_adapters::apigw::request(
        "POST",
        "/webhooks/messenger",
        "",
        &[("x-hub-signature-256", &sig)],
        Some(body.as_bytes()),
    )
}
