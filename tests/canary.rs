//! Canaries: a conversation carrying a dossier code, a phone number and a
//! name runs through every channel; none of them may be found in clear in
//! what the functions log (every level, every field) or in what they store
//! (conversation state, the event log, replies kept for resuming).

use std::io::Write;
use std::sync::{Arc, Mutex};

use chatbot_adapters::apigw::request;
use chatbot_adapters::embedded::{MemoryStores, memory_service, shared_catalogue};
use chatbot_adapters::logging::LogNotifier;
use chatbot_adapters::outbound::Outbox;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;

/// 2026-11-22 10:00:30 UTC.
fn clock() -> i64 {
    1_795_341_630
}

const NAME: &str = "Nguyễn Văn Hoạ Mi";
const PHONE: &str = "0905 318 274";
const PHONE_DIGITS: &str = "0905318274";
/// One of the sample dossiers (`data/samples/dossiers.jsonl`).
const CODE: &str = "000.00.17.H17-261118-0003";
const PSID: &str = "7318004412345678";
const ZALO_USER: &str = "2512523625418811";

/// What citizens say, canaries inside.
fn messages() -> Vec<String> {
    vec![
        format!("Chào bạn, tôi là {NAME}, số điện thoại {PHONE}"),
        format!("tra cứu hồ sơ {CODE}"),
        format!("hồ sơ {CODE} của tôi {NAME} đến đâu rồi, gọi {PHONE_DIGITS} nhé"),
        format!("cho {NAME} hỏi đăng ký khai sinh cần giấy tờ gì"),
        format!("nhà tôi ở kiệt 12 Hoàng Diệu, sđt {PHONE}, lịch cắt điện thế nào"),
        format!("tôi muốn nói chuyện với người thật, tên {NAME} sđt {PHONE_DIGITS}"),
        format!("{NAME} {PHONE} {CODE} xyz qwerty không hiểu"),
    ]
}

/// Everything logged, as written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The canaries as they could appear: as typed, without spaces, without
/// diacritics, and the parts of the code that identify it.
fn canaries() -> Vec<String> {
    let mut c = vec![
        NAME.to_owned(),
        "Hoạ Mi".to_owned(),
        "Hoa Mi".to_owned(),
        PHONE.to_owned(),
        PHONE_DIGITS.to_owned(),
        "318274".to_owned(),
        CODE.to_owned(),
        "261118-0003".to_owned(),
        "2611180003".to_owned(),
        PSID.to_owned(),
        ZALO_USER.to_owned(),
    ];
    c.push(chatbot::text::fold(NAME));
    c
}

fn leaks(what: &str, text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    canaries()
        .into_iter()
        .filter(|c| lower.contains(&c.to_lowercase()))
        .map(|c| format!("{what} holds {c:?}"))
        .collect()
}

/// What the stores keep, as text.
fn stored(stores: &MemoryStores) -> String {
    let mut out = String::new();
    for (_key, state) in stores.conversations.stored() {
        out.push_str(&serde_json::to_string(&state).unwrap());
        out.push('\n');
    }
    for e in stores.events.events() {
        out.push_str(&serde_json::to_string(&e).unwrap());
        out.push('\n');
    }
    for r in stores.processed.kept_replies() {
        out.push_str(&r);
        out.push('\n');
    }
    out
}

#[test]
fn canaries_should_not_be_logged_or_stored_on_any_channel() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut problems = Vec::new();
    let mut replies = 0;
    rt.block_on(async {
        // Messenger.
        let (service, stores) =
            memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
        let outbox = Arc::new(Outbox::default());
        let app = webhook_messenger::App {
            service,
            processed: stores.processed(),
            outbound: outbox.clone(),
            config: webhook_messenger::Config::new(
                webhook_messenger::TEST_APP_SECRET,
                webhook_messenger::TEST_VERIFY_TOKEN,
                None,
                "http://127.0.0.1:9",
            ),
            clock,
        };
        for (k, text) in messages().iter().enumerate() {
            let body = json!({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
                "sender": {"id": PSID}, "recipient": {"id": "1"}, "timestamp": 1,
                "message": {"mid": format!("m_canary_{k}"), "text": text}}]}]})
            .to_string();
            let sig =
                webhook_messenger::signature(webhook_messenger::TEST_APP_SECRET, body.as_bytes());
            let resp = webhook_messenger::handle(
                &app,
                request(
                    "POST",
                    "/webhooks/messenger",
                    "",
                    &[("x-hub-signature-256", &sig)],
                    Some(body.as_bytes()),
                ),
            )
            .await;
            assert_eq!(resp.status_code, 200, "messenger: {text}");
        }
        // Every message answered (a reply may take several messages).
        assert!(outbox.items().len() >= messages().len());
        replies += messages().len();
        problems.extend(leaks("messenger's stores", &stored(&stores)));

        // Zalo.
        let (service, stores) =
            memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
        let outbox = Arc::new(Outbox::default());
        let app = webhook_zalo::App {
            service,
            processed: stores.processed(),
            outbound: outbox.clone(),
            config: webhook_zalo::Config::new(
                webhook_zalo::TEST_APP_ID,
                webhook_zalo::TEST_OA_SECRET_KEY,
                None,
                "http://127.0.0.1:9",
            ),
            tokens: None,
            clock,
        };
        let ts = (clock() * 1000).to_string();
        for (k, text) in messages().iter().enumerate() {
            let body = json!({"app_id": webhook_zalo::TEST_APP_ID, "event_name": "user_send_text",
                "timestamp": ts, "sender": {"id": ZALO_USER}, "recipient": {"id": "1"},
                "message": {"msg_id": format!("canary-{k}"), "text": text}})
            .to_string();
            let sig = webhook_zalo::expected_signature(
                webhook_zalo::TEST_APP_ID,
                body.as_bytes(),
                &ts,
                webhook_zalo::TEST_OA_SECRET_KEY,
            );
            let resp = webhook_zalo::handle(
                &app,
                request(
                    "POST",
                    "/webhooks/zalo",
                    "",
                    &[("x-zevent-timestamp", &ts), ("x-zevent-signature", &sig)],
                    Some(body.as_bytes()),
                ),
            )
            .await;
            assert_eq!(resp.status_code, 200, "zalo: {text}");
        }
        assert_eq!(outbox.items().len(), messages().len());
        replies += messages().len();
        problems.extend(leaks("zalo's stores", &stored(&stores)));

        // The web widget.
        let (service, stores) =
            memory_service(&shared_catalogue().unwrap(), Arc::new(LogNotifier), None);
        let app = webhook_web::App {
            service,
            config: webhook_web::Config {
                allowed_origins: vec!["http://localhost:3000".into()],
            },
            clock,
        };
        for text in messages() {
            let body = json!({"session_id": "canary-session-1", "text": text}).to_string();
            let resp = webhook_web::handle(
                &app,
                request(
                    "POST",
                    "/chat",
                    "",
                    &[("origin", "http://localhost:3000")],
                    Some(body.as_bytes()),
                ),
            )
            .await;
            assert_eq!(resp.status_code, 200, "web: {text}");
            replies += 1;
        }
        problems.extend(leaks("the widget's stores", &stored(&stores)));
    });
    assert_eq!(replies, 3 * messages().len());
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.lines().count() >= 5,
        "the handlers log (handover, lookups): {logged}"
    );
    problems.extend(leaks("the logs", &logged));
    assert!(
        problems.is_empty(),
        "{}\n\nlogs:\n{logged}",
        problems.join("\n")
    );
}
