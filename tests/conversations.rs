//! Multi-turn conversations through the service, on the shipped catalogue,
//! with the in-memory stores.

use std::sync::Arc;

use chatbot::dialogue::{Dialogue, Incoming, Texts};
use chatbot::lookup::NotYetAvailable;
use chatbot::reply::{Block, Reply};
use chatbot::service::LiveDialogue;
use chatbot::service::Service;
use chatbot::store::memory::{MemoryConversations, MemoryEventLog, MemoryNotifier};
use chatbot::store::{Channel, ConversationKey, ConversationStore, Event};
use chatbot_tests::{engine, procedure_store};

struct World {
    service: Service,
    conversations: Arc<MemoryConversations>,
    events: Arc<MemoryEventLog>,
    notifier: Arc<MemoryNotifier>,
    key: ConversationKey,
    now: i64,
}

impl World {
    fn new() -> Self {
        let conversations = Arc::new(MemoryConversations::default());
        let events = Arc::new(MemoryEventLog::default());
        let notifier = Arc::new(MemoryNotifier::default());
        let service = Service {
            dialogue: Arc::new(LiveDialogue::fixed(Dialogue::new(
                engine().clone(),
                Texts::default(),
            ))),
            procedures: procedure_store(),
            conversations: conversations.clone(),
            events: events.clone(),
            notifier: notifier.clone(),
            lookups: Arc::new(NotYetAvailable),
        };
        Self {
            service,
            conversations,
            events,
            notifier,
            key: ConversationKey::new(Channel::Local, "citizen-1"),
            now: 1_790_000_000,
        }
    }

    async fn say(&mut self, text: &str) -> Option<Reply> {
        self.send(Incoming::Text(text.into())).await
    }

    async fn send(&mut self, incoming: Incoming) -> Option<Reply> {
        self.now += 30;
        self.service
            .handle(&self.key, &incoming, self.now)
            .await
            .expect("the memory store answers")
    }
}

fn text(r: &Option<Reply>) -> String {
    r.as_ref().map(Reply::plain_text).unwrap_or_default()
}

/// Whether the reply has the button that calls the 1022 hotline.
fn offers_the_hotline(r: &Option<Reply>) -> bool {
    r.as_ref().is_some_and(|r| {
        r.blocks
            .iter()
            .any(|b| matches!(b, Block::Call { phone, .. } if phone == "02361022"))
    })
}

fn payloads(r: &Option<Reply>) -> Vec<String> {
    r.as_ref()
        .map(|r| r.choices.iter().map(|c| c.payload.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn when_citizen_starts_should_welcome_with_the_main_topics() {
    let mut w = World::new();
    let r = w.send(Incoming::Start).await;
    assert!(text(&r).contains("Xin chào Anh/Chị"), "{}", text(&r));
    assert_eq!(
        payloads(&r),
        [
            "MENU:PROCEDURES",
            "MENU:DOSSIER",
            "MENU:BUS",
            "MENU:NOTICES",
            "HANDOVER"
        ]
    );
    assert!(text(&w.say("xin chào ad").await).contains("Xin chào"));
}

#[tokio::test]
async fn procedure_then_follow_up_aspects_then_a_new_topic() {
    let mut w = World::new();
    let r = w.say("đăng ký khai sinh").await;
    assert!(
        text(&r).starts_with("Thủ tục đăng ký khai sinh"),
        "{}",
        text(&r)
    );
    assert!(payloads(&r).contains(&"ASPECT:fee".to_string()));
    assert!(
        r.as_ref()
            .unwrap()
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Link { url, .. } if url.contains("dichvucong.gov.vn")))
    );

    let r = w.say("còn lệ phí thì sao?").await;
    assert!(
        text(&r).starts_with("Lệ phí «Thủ tục đăng ký khai sinh»"),
        "{}",
        text(&r)
    );
    let r = w.say("nộp ở đâu").await;
    assert!(
        text(&r).starts_with("Nơi nộp hồ sơ «Thủ tục đăng ký khai sinh»"),
        "{}",
        text(&r)
    );
    let r = w.send(Incoming::Choice("ASPECT:documents".into())).await;
    assert!(text(&r).contains("Giấy chứng sinh"), "{}", text(&r));

    let r = w.say("cap lai the can cuoc").await;
    assert!(text(&r).contains("Cấp lại thẻ căn cước"), "{}", text(&r));
    let r = w.say("mat bao lau").await;
    assert!(
        text(&r).starts_with("Thời hạn giải quyết «Cấp lại thẻ căn cước"),
        "{}",
        text(&r)
    );
}

#[tokio::test]
async fn follow_ups_without_diacritics_should_refer_to_the_topic() {
    let mut w = World::new();
    w.say("dang ky ket hon").await;
    let r = w.say("con le phi thi sao").await;
    assert!(
        text(&r).starts_with("Lệ phí «Thủ tục đăng ký kết hôn»"),
        "{}",
        text(&r)
    );
    let r = w.say("can mang gi").await;
    assert!(
        text(&r).starts_with("Hồ sơ cần nộp cho thủ tục «Thủ tục đăng ký kết hôn»"),
        "{}",
        text(&r)
    );
}

#[tokio::test]
async fn clarify_then_pick_by_number_or_by_tap() {
    let mut w = World::new();
    let r = w.say("thủ tục xin giấy phép xây dựng").await;
    assert!(
        text(&r).starts_with("Anh/Chị muốn hỏi thủ tục nào"),
        "{}",
        text(&r)
    );
    let choices = payloads(&r);
    assert!(
        choices.len() >= 2 && choices.iter().all(|p| p.starts_with("PROC:")),
        "{choices:?}"
    );
    let second = choices[1].trim_start_matches("PROC:").to_owned();
    let name = engine()
        .entry(&second.parse().unwrap())
        .unwrap()
        .name
        .clone();
    let r = w.say("2").await;
    assert!(
        text(&r).starts_with(&name.chars().take(40).collect::<String>()),
        "{}",
        text(&r)
    );

    let r = w.say("thủ tục xin giấy phép xây dựng").await;
    let first = payloads(&r)[0].clone();
    let r = w.send(Incoming::Choice(first.clone())).await;
    let name = engine()
        .entry(&first.trim_start_matches("PROC:").parse().unwrap())
        .unwrap()
        .name
        .clone();
    assert!(
        text(&r).starts_with(&name.chars().take(40).collect::<String>()),
        "{}",
        text(&r)
    );
}

#[tokio::test]
async fn a_question_asking_what_something_is_should_offer_the_procedures_and_the_hotline() {
    let mut w = World::new();
    let r = w.say("Bảo hiểm y tế là gì?").await;
    let t = text(&r);
    assert!(t.contains("chưa giải thích được khái niệm"), "{t}");
    assert!(t.contains("Cấp thẻ bảo hiểm y tế"), "{t}");
    assert!(offers_the_hotline(&r), "{}", text(&r));
    let choices = payloads(&r);
    assert!(
        choices.first().is_some_and(|p| p == "PROC:2.000639"),
        "{choices:?}"
    );
    // The choices stand: picking one answers with that procedure.
    let r = w.say("1").await;
    assert!(
        text(&r).starts_with("Cấp thẻ bảo hiểm y tế"),
        "{}",
        text(&r)
    );
}

#[tokio::test]
async fn typing_something_else_after_a_clarify_is_a_new_question() {
    let mut w = World::new();
    w.say("thủ tục xin giấy phép xây dựng").await;
    let r = w.say("đăng ký tạm trú").await;
    assert!(text(&r).starts_with("Đăng ký tạm trú"), "{}", text(&r));
}

#[tokio::test]
async fn when_nothing_fits_should_say_so_offer_the_hotline_and_record_the_question_without_personal_data()
 {
    let mut w = World::new();
    let r = w.say("giá vàng hôm nay ở tiệm Kim Thành 0905123456").await;
    assert!(text(&r).contains("chưa tìm được"), "{}", text(&r));
    assert!(offers_the_hotline(&r), "{}", text(&r));
    assert!(payloads(&r).contains(&"HANDOVER".to_string()));
    let events = w.events.events();
    let Some(Event::Unanswered { query, .. }) = events.first() else {
        panic!("no unanswered event: {events:?}");
    };
    assert!(
        !query.contains("0905")
            && !query.to_lowercase().contains("kim")
            && !query.to_lowercase().contains("thành"),
        "{query}"
    );
    assert!(query.starts_with("giá vàng"), "{query}");
}

#[tokio::test]
async fn handover_keeps_the_bot_silent_until_the_citizen_comes_back() {
    let mut w = World::new();
    let r = w.say("cho em gặp tổng đài viên").await;
    assert!(text(&r).contains("tổng đài viên"), "{}", text(&r));
    assert_eq!(w.notifier.notified(), [w.key.clone()]);
    assert!(w.say("alo có ai không").await.is_none());
    assert!(w.say("đăng ký khai sinh").await.is_none());
    let r = w.say("quay lại trợ lý ảo").await;
    assert!(text(&r).contains("Trợ lý ảo đã sẵn sàng"), "{}", text(&r));
    let r = w.say("đăng ký khai sinh").await;
    assert!(
        text(&r).starts_with("Thủ tục đăng ký khai sinh"),
        "{}",
        text(&r)
    );
}

#[tokio::test]
async fn feedback_is_recorded() {
    let mut w = World::new();
    w.say("đăng ký khai sinh").await;
    let r = w
        .send(Incoming::Choice("FEEDBACK:UP:1.001193".into()))
        .await;
    assert!(text(&r).contains("Cảm ơn"));
    assert!(matches!(
        w.events.events().as_slice(),
        [Event::Feedback { helpful: true, .. }]
    ));
}

#[tokio::test]
async fn lookups_not_yet_connected_should_say_so_plainly() {
    let mut w = World::new();
    let r = w
        .say("tra cứu hồ sơ 000.00.17.H17-251104-0012 giúp mình")
        .await;
    assert!(
        text(&r).contains("000.00.17.H17-251104-0012") && text(&r).contains("chưa sẵn sàng"),
        "{}",
        text(&r)
    );
    let r = w.say("MT 123").await;
    assert!(
        text(&r).contains("trạm 123") && text(&r).contains("chưa sẵn sàng"),
        "{}",
        text(&r)
    );
    let r = w
        .send(Incoming::Location {
            lat: 16.0678,
            lng: 108.2208,
        })
        .await;
    assert!(text(&r).contains("vị trí"), "{}", text(&r));
    let r = w.say("lịch cắt điện phường Hải Châu tuần này").await;
    assert!(text(&r).contains("lịch cắt điện"), "{}", text(&r));
    let r = w.say("000.00.04.Н51-200221-0001").await;
    assert!(text(&r).contains("không hợp lệ"), "{}", text(&r));
}

#[tokio::test]
async fn unsupported_attachments_get_a_polite_answer() {
    let mut w = World::new();
    let r = w.send(Incoming::Unsupported("image".into())).await;
    assert!(text(&r).contains("hình ảnh"), "{}", text(&r));
}

#[tokio::test]
async fn the_stored_state_holds_no_message_text() {
    let mut w = World::new();
    w.say("đăng ký khai sinh cho con tôi tên Nguyễn Văn An số 0905123456")
        .await;
    let state = w.conversations.load(&w.key, w.now).await.unwrap().unwrap();
    let json = serde_json::to_string(&state).unwrap();
    for secret in ["Nguyễn", "0905123456", "khai sinh", "An"] {
        assert!(!json.contains(secret), "{json}");
    }
}

#[tokio::test]
async fn concurrent_messages_of_one_citizen_never_lose_an_update() {
    let w = World::new();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let service = w.service.clone();
        let key = w.key.clone();
        tasks.push(tokio::spawn(async move {
            service
                .handle(
                    &key,
                    &Incoming::Text(format!("đăng ký khai sinh {i}")),
                    w.now + i,
                )
                .await
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    let state = w.conversations.load(&w.key, w.now).await.unwrap().unwrap();
    assert_eq!(state.version, 8);
}
