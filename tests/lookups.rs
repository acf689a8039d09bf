//! Conversations that need a lookup — dossier status, buses, notices — on
//! the shipped samples and data, through the service, each reply rendered
//! for Messenger, Zalo and the web widget within their limits.

use std::sync::Arc;

use chatbot::dialogue::{Dialogue, Incoming, Texts};
use chatbot::lookup::DataLookups;
use chatbot::reply::Reply;
use chatbot::service::{LiveDialogue, Service};
use chatbot::store::memory::{MemoryConversations, MemoryEventLog, MemoryNotifier};
use chatbot::store::{Channel, ConversationKey};
use chatbot_adapters::embedded::memory_data;
use chatbot_tests::{engine, procedure_store};
use serde_json::Value;

/// 2026-11-22 10:00 UTC (17:00 in Đà Nẵng), a Sunday.
const NOW: i64 = 1_795_341_600;

struct World {
    service: Service,
    data: DataLookups,
    key: ConversationKey,
    now: i64,
}

impl World {
    fn new() -> Self {
        let data = memory_data().expect("the shipped samples load");
        let service = Service {
            dialogue: Arc::new(LiveDialogue::fixed(Dialogue::new(
                engine().clone(),
                Texts::default(),
            ))),
            procedures: procedure_store(),
            conversations: Arc::new(MemoryConversations::default()),
            events: Arc::new(MemoryEventLog::default()),
            notifier: Arc::new(MemoryNotifier::default()),
            lookups: Arc::new(data.clone()),
        };
        Self {
            service,
            data,
            key: ConversationKey::new(Channel::Zalo, "citizen-1"),
            now: NOW,
        }
    }

    async fn send(&mut self, incoming: Incoming) -> Reply {
        self.now += 1;
        let reply = self
            .service
            .handle(&self.key, &incoming, self.now)
            .await
            .expect("the memory stores answer")
            .expect("the bot answers");
        on_every_channel(&reply);
        reply
    }

    async fn say(&mut self, text: &str) -> Reply {
        self.send(Incoming::Text(text.into())).await
    }
}

/// Renders a reply for the three channels, checking their limits and that
/// no channel drops what the citizen must read.
fn on_every_channel(reply: &Reply) {
    let plain = reply.plain_text();
    // Messenger: texts of at most 2,000 characters, at most 13 quick replies.
    let messages = webhook_messenger::render(reply);
    assert!(!messages.is_empty());
    let mut seen = String::new();
    for m in &messages {
        let t = m["text"]
            .as_str()
            .or_else(|| m["attachment"]["payload"]["text"].as_str())
            .unwrap_or_default();
        assert!(t.chars().count() <= 2_000, "Messenger text too long");
        seen.push_str(t);
        if let Some(q) = m["quick_replies"].as_array() {
            assert!(q.len() <= 13);
            for c in q {
                assert!(c["title"].as_str().unwrap().chars().count() <= 20);
            }
        }
    }
    let first_line = plain.lines().next().unwrap_or_default();
    assert!(seen.contains(first_line), "Messenger lost {first_line:?}");
    // Zalo: one message within its limits.
    let z = webhook_zalo::render(reply);
    let zt = z["text"].as_str().unwrap();
    assert!(zt.chars().count() <= webhook_zalo::limits::TEXT);
    assert!(zt.contains(first_line), "Zalo lost {first_line:?}");
    // The widget: every text block, every choice.
    let w = webhook_web::render(Some(reply));
    let texts: Vec<&str> = w["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.concat().contains(first_line));
    assert_eq!(
        w["choices"].as_array().map(Vec::len),
        Some(reply.choices.len())
    );
}

fn text(r: &Reply) -> String {
    r.plain_text()
}

fn payloads(r: &Reply) -> Vec<String> {
    r.choices.iter().map(|c| c.payload.clone()).collect()
}

// ------------------------------------------------------------- dossiers

#[tokio::test]
async fn a_dossier_code_in_free_text_gets_its_status_then_its_history() {
    let mut w = World::new();
    let r = w
        .say("tra cứu hồ sơ 000.00.17.H17-261120-0012 giúp mình")
        .await;
    let t = text(&r);
    for want in [
        "000.00.17.H17-261120-0012",
        "Đăng ký thường trú",
        "Công an phường Thanh Khê",
        "20/11/2026",
        "27/11/2026 (còn 5 ngày)",
        "Đang xử lý",
        "Bước hiện tại",
        "Trực tuyến",
        "hồ sơ mẫu",
    ] {
        assert!(t.contains(want), "{want:?} missing from {t}");
    }
    assert!(!t.contains("Lịch sử xử lý:"), "history only on request");
    assert_eq!(payloads(&r), ["DOSSIER:HISTORY:000.00.17.H17-261120-0012"]);
    let h = w
        .send(Incoming::Choice(
            "DOSSIER:HISTORY:000.00.17.H17-261120-0012".into(),
        ))
        .await;
    let t = text(&h);
    assert!(
        t.contains("Lịch sử xử lý:") && t.contains("Phân công thẩm định"),
        "{t}"
    );
}

#[tokio::test]
async fn a_loosely_typed_code_is_read_and_an_overdue_dossier_says_so() {
    let mut w = World::new();
    let r = w.say("ma ho so 000 00 12 h17 261015 0230").await;
    let t = text(&r);
    assert!(t.contains("đã quá hạn 33 ngày"), "{t}");
    assert!(t.contains("Tạm dừng xử lý"), "{t}");
    assert!(
        r.blocks
            .iter()
            .any(|b| matches!(b, chatbot::reply::Block::Call { .. })),
        "overdue: the hotline to call"
    );
}

#[tokio::test]
async fn an_unknown_code_says_what_to_check_and_a_look_alike_is_refused() {
    let mut w = World::new();
    let t = text(&w.say("000.00.17.H17-261120-0999").await);
    assert!(
        t.contains("chưa tìm thấy hồ sơ mã 000.00.17.H17-261120-0999"),
        "{t}"
    );
    assert!(t.contains("Giấy tiếp nhận") && t.contains("1022"), "{t}");
    let t = text(&w.say("000.00.17.Н17-261120-0012").await);
    assert!(t.contains("ký tự không hợp lệ"), "{t}");
    assert!(!t.contains("Đăng ký thường trú"));
}

#[tokio::test]
async fn dossier_lookups_are_limited_per_citizen_and_minute() {
    let mut w = World::new();
    for i in 0..5 {
        let t = text(&w.say(&format!("000.00.17.H17-261120-{:04}", 500 + i)).await);
        assert!(t.contains("chưa tìm thấy"), "{t}");
    }
    let t = text(&w.say("000.00.17.H17-261120-0012").await);
    assert!(t.contains("nhiều lần trong một phút"), "{t}");
    w.key = ConversationKey::new(Channel::Messenger, "citizen-2");
    let t = text(&w.say("000.00.17.H17-261120-0012").await);
    assert!(t.contains("Đăng ký thường trú"), "another citizen: {t}");
    w.key = ConversationKey::new(Channel::Zalo, "citizen-1");
    w.now += 60;
    let t = text(&w.say("000.00.17.H17-261120-0012").await);
    assert!(t.contains("Đăng ký thường trú"), "a minute later: {t}");
}

#[tokio::test]
async fn a_pushed_status_is_answered_without_the_applicants_details() {
    let mut w = World::new();
    let pushed: chatbot::dossier::Dossier = serde_json::from_value(serde_json::json!({
        "code": "000.00.17.H17-261120-0012", "procedure": "Đăng ký thường trú",
        "agency": "Công an phường Thanh Khê", "received": "2026-11-20", "due": "2026-11-27",
        "status": "result_ready", "result_date": "2026-11-22",
        "delivery": "Trực tuyến (trên ứng dụng VNeID)", "updated_at": NOW,
        "applicant_name": "Nguyễn Văn Mẫu", "applicant_phone": "0905000000",
        "id_number": "048099000111",
    }))
    .unwrap();
    w.data.dossiers.put_dossier(&pushed).await.unwrap();
    let r = w.say("hồ sơ 000.00.17.H17-261120-0012 xong chưa").await;
    let all = serde_json::to_string(&webhook_web::render(Some(&r))).unwrap();
    assert!(all.contains("Đã có kết quả, chờ trả"), "{all}");
    for private in ["Nguyễn Văn Mẫu", "0905000000", "048099000111"] {
        assert!(!all.contains(private));
    }
    let _: Value = webhook_zalo::render(&r);
}

// ---------------------------------------------------------------- buses

#[tokio::test]
async fn mt_and_a_stop_code_lists_the_routes_with_their_direction() {
    let mut w = World::new();
    let r = w.say("MT 101").await;
    let t = text(&r);
    assert!(
        t.contains("Trạm 101") && t.contains("Tuyến 13") && t.contains("hướng Đại học Việt Hàn"),
        "{t}"
    );
    assert!(
        r.blocks
            .iter()
            .any(|b| matches!(b, chatbot::reply::Block::Link { url, .. } if url.contains("16.13")))
    );
    let t = text(&w.say("mt9999").await);
    assert!(t.contains("không tìm thấy trạm mã 9999"), "{t}");
    // Tapping "Giờ chạy tuyến 13".
    let t = text(&w.send(Incoming::Choice(payloads(&r)[0].clone())).await);
    assert!(t.contains("Tuyến 13") && t.contains("Giờ hoạt động"), "{t}");
}

#[tokio::test]
async fn a_shared_location_gets_the_nearest_served_stops_with_walking_time() {
    let mut w = World::new();
    // On Nguyễn Văn Cừ, near stops 101 and 102 (route 13).
    let r = w
        .send(Incoming::Location {
            lat: 16.1340,
            lng: 108.1195,
        })
        .await;
    let t = text(&r);
    assert!(t.starts_with("Các trạm xe buýt gần Anh/Chị nhất:"), "{t}");
    assert!(t.contains("phút đi bộ") && t.contains("13 hướng"), "{t}");
    assert!(r.choices.len() <= 3 && !r.choices.is_empty());
    // Out at sea: nothing within the radius, said plainly.
    let t = text(
        &w.send(Incoming::Location {
            lat: 16.05,
            lng: 108.40,
        })
        .await,
    );
    assert!(
        t.contains("Không có trạm xe buýt nào trong bán kính 500 m"),
        "{t}"
    );
}

#[tokio::test]
async fn an_address_or_a_place_finds_the_stops_there() {
    let mut w = World::new();
    let t = text(&w.say("101 Nguyễn Văn Cừ").await);
    assert!(t.contains("Trạm 102: 101 Nguyễn Văn Cừ"), "{t}");
    let t = text(&w.say("so 957 nguyen luong bang").await);
    assert!(t.contains("957 Nguyễn Lương Bằng"), "{t}");
    let t = text(&w.say("tram xe buyt gan cau rong").await);
    assert!(t.contains("Cầu Rồng"), "{t}");
}

#[tokio::test]
async fn route_hours_fares_and_suspended_or_merged_routes() {
    let mut w = World::new();
    let t = text(&w.say("tuyến 05 chạy mấy giờ").await);
    assert!(
        t.contains("Tuyến 05") && t.contains("05h30") && t.contains("8.000 đồng/lượt"),
        "{t}"
    );
    let t = text(&w.say("xe buyt R16 may gio").await);
    assert!(
        t.contains("Tuyến 13") && t.contains("trước đây: 16, R16"),
        "{t}"
    );
    let t = text(&w.say("tuyến 04 còn chạy không").await);
    assert!(t.contains("tạm dừng hoạt động"), "{t}");
    let t = text(&w.say("xe buýt LK21").await);
    assert!(t.contains("sáp nhập vào tuyến 21"), "{t}");
    let t = text(&w.say("giá vé xe buýt bao nhiêu").await);
    assert!(
        t.starts_with("Giá vé xe buýt:") && t.contains("8.000"),
        "{t}"
    );
}

// -------------------------------------------------------------- notices

#[tokio::test]
async fn power_cuts_of_a_ward_newest_first_and_none_said_plainly() {
    let mut w = World::new();
    let r = w.say("lịch cắt điện phường Hải Châu").await;
    let t = text(&r);
    assert!(t.starts_with("Lịch cắt điện tại phường Hải Châu:"), "{t}");
    assert!(
        t.contains("[Mẫu] Tạm ngừng cung cấp điện tại phường Hải Châu"),
        "{t}"
    );
    assert!(!t.contains("Liên Chiểu"), "another ward's cut: {t}");
    let t = text(&w.say("lich cat dien phuong hai chau tuan nay").await);
    assert!(
        t.contains("Hiện chưa có lịch cắt điện tại phường Hải Châu"),
        "{t}"
    );
    let t = text(&w.say("mất nước ở Sơn Trà không").await);
    assert!(t.contains("Sơn Trà") && t.contains("cấp nước"), "{t}");
}

#[tokio::test]
async fn storm_warnings_include_city_wide_ones_and_old_district_names_resolve() {
    let mut w = World::new();
    let t = text(&w.say("có bão không").await);
    assert!(
        t.contains("áp thấp nhiệt đới") && t.contains("lũ quét"),
        "{t}"
    );
    let flood = t.find("lũ quét").unwrap();
    let storm = t.find("áp thấp nhiệt đới").unwrap();
    assert!(flood < storm, "newest first: {t}");
    let t = text(&w.say("huyện Hòa Vang có lũ không").await);
    assert!(t.contains("lũ quét"), "{t}");
}

#[tokio::test]
async fn reception_schedules_by_month() {
    let mut w = World::new();
    let t = text(&w.say("lịch tiếp công dân tháng này").await);
    assert!(
        t.contains("Hòa Cường") && !t.contains("Chủ tịch UBND thành phố"),
        "November only: {t}"
    );
    let t = text(&w.say("lich tiep cong dan thang sau").await);
    assert!(t.contains("Chủ tịch UBND thành phố"), "{t}");
}

#[tokio::test]
async fn asking_about_a_dossier_without_its_code_asks_for_the_code() {
    let mut w = World::new();
    for q in [
        "kiểm tra hồ sơ",
        "tra cuu tinh trang ho so",
        "hồ sơ của tôi đến đâu rồi",
    ] {
        let t = text(&w.say(q).await);
        assert!(t.contains("Anh/Chị gửi mã hồ sơ"), "{q}: {t}");
    }
    // A procedure question about the papers to file is not a status lookup.
    let t = text(&w.say("đăng ký kết hôn cần hồ sơ gì").await);
    assert!(t.contains("kết hôn") && !t.contains("gửi mã hồ sơ"), "{t}");
}

#[tokio::test]
async fn a_destination_without_stops_in_the_network_finds_the_routes_going_there() {
    let mut w = World::new();
    let t = text(&w.say("xe buýt tới sân bay").await);
    assert!(t.contains("Tuyến 03") && t.contains("Tuyến 06"), "{t}");
    assert!(
        !t.contains("Tuyến 10"),
        "a suspended route is not offered: {t}"
    );
    let t = text(&w.say("xe buýt đi hội an").await);
    assert!(t.contains("Hội An") && !t.contains("Tuyến 21"), "{t}");
}

#[tokio::test]
async fn no_notice_in_the_next_thirty_days_is_said_so() {
    let mut w = World::new();
    let t = text(&w.say("lịch cúp nước quận Thanh Khê").await);
    assert!(
        t.contains("Hiện chưa có lịch cắt nước tại quận Thanh Khê (cũ) trong 30 ngày tới"),
        "{t}"
    );
}

#[tokio::test]
async fn politeness_before_a_place_and_a_one_day_window_are_read() {
    let mut w = World::new();
    let t = text(&w.say("Cho em hỏi xe buýt gần cầu Rồng").await);
    assert!(t.contains("Cầu Rồng"), "{t}");
    let t = text(&w.say("mai có cúp điện ở liên chiểu không").await);
    assert!(
        t.contains("Hiện chưa có lịch cắt điện tại phường Liên Chiểu ngày 23/11/2026"),
        "{t}"
    );
    let r = w.say("có thông báo mới không ạ").await;
    assert!(
        payloads(&r).contains(&"NOTICES:power_cut".to_owned()),
        "{r:?}"
    );
}
