//! What the bot says about lookups: dossier status, buses, notices.

use super::Texts;
use super::payload;
use crate::bus::{Route, RouteStatus};
use crate::calendar::Date;
use crate::calendar::LOCAL_OFFSET;
use crate::catalogue::answer::{format_dong, shorten};
use crate::dossier::{Dossier, Status, Timing};
use crate::lookup::{Looked, NoticeKind, RouteAtStop, StopView};
use crate::notices::Notice;
use crate::reply::Reply;

/// History steps shown at most (the newest).
const MAX_HISTORY_SHOWN: usize = 8;

impl Texts {
    /// The answer to a lookup.
    pub fn looked(&self, looked: &Looked, now: i64) -> Reply {
        match looked {
            Looked::Unavailable | Looked::Failed => self.lookup_failed(),
            Looked::TooMany => Reply::text(
                "Anh/Chị đã tra cứu nhiều lần trong một phút. Anh/Chị vui lòng đợi một phút rồi thử lại ạ.",
            ),
            Looked::Dossier { dossier, history } => self.dossier(dossier, *history, now),
            Looked::NoDossier { code } => self.no_dossier(&code.to_string()),
            Looked::Stop(stop) => stop_reply(stop),
            Looked::NoStop { code } => Reply::text(format!(
                "Tôi không tìm thấy trạm mã {code}. Mã trạm in trên biển trạm xe buýt; Anh/Chị cũng có thể \
                 gửi vị trí hiện tại hoặc gõ tên đường (ví dụ \"xe buýt Nguyễn Văn Linh\") để tìm trạm gần nhất."
            )),
            Looked::Nearby { stops, radius_m } if stops.is_empty() => Reply::text(format!(
                "Không có trạm xe buýt nào trong bán kính {radius_m} m quanh vị trí Anh/Chị gửi. \
                 Anh/Chị thử gõ tên đường hoặc địa điểm gần đó, ví dụ \"trạm xe buýt gần chợ Hàn\"."
            )),
            Looked::Nearby { stops, .. } => {
                stops_reply("Các trạm xe buýt gần Anh/Chị nhất:", stops)
            }
            Looked::Stops(stops) if stops.is_empty() => Reply::text(
                "Tôi chưa tìm thấy trạm xe buýt nào ở địa chỉ hoặc địa điểm này. Anh/Chị thử gõ tên đường \
                 (ví dụ \"xe buýt đường Nguyễn Văn Linh\"), tên một địa điểm quen thuộc, hoặc gửi vị trí hiện tại.",
            ),
            Looked::Stops(stops) => stops_reply("Các trạm xe buýt ở gần nơi Anh/Chị hỏi:", stops),
            Looked::Routes(routes) => routes_reply(routes),
            Looked::Fares { note, routes } => fares_reply(note, routes),
            Looked::Notices {
                kind,
                area,
                window,
                notices,
                more,
            } => notices_reply(*kind, area.as_deref(), *window, notices, *more),
        }
    }

    fn lookup_failed(&self) -> Reply {
        let mut r = Reply::text(format!(
            "Xin lỗi Anh/Chị, hệ thống tra cứu đang tạm gián đoạn. Anh/Chị vui lòng thử lại sau ít phút \
             hoặc gọi {}.",
            self.hotline_line()
        ));
        self.call(&mut r);
        r
    }

    fn dossier(&self, d: &Dossier, history: bool, now: i64) -> Reply {
        let mut text = format!("Hồ sơ {}", d.code);
        if d.sample {
            text.push_str(" (hồ sơ mẫu để thử nghiệm)");
        }
        text.push_str(&format!(
            "\n• Thủ tục: {}\n• Nơi tiếp nhận: {}\n• Ngày tiếp nhận: {}",
            d.procedure,
            d.agency,
            d.received.vi()
        ));
        let timing = d.timing(now);
        let due = match timing {
            Timing::DaysLeft(0) => "hôm nay".to_owned(),
            Timing::DaysLeft(n) => format!("còn {n} ngày"),
            Timing::Overdue(n) => format!("đã quá hạn {n} ngày"),
            Timing::Finished => String::new(),
        };
        if due.is_empty() {
            text.push_str(&format!("\n• Ngày hẹn trả: {}", d.due.vi()));
        } else {
            text.push_str(&format!("\n• Ngày hẹn trả: {} ({due})", d.due.vi()));
        }
        text.push_str(&format!("\n• Trạng thái: {}", d.status.label_vi()));
        if let Some(step) = &d.step
            && !d.status.finished()
        {
            text.push_str(&format!("\n• Bước hiện tại: {step}"));
        }
        if let Some(r) = d.result_date {
            text.push_str(&format!("\n• Ngày có kết quả: {}", r.vi()));
        }
        text.push_str(&format!("\n• Hình thức trả kết quả: {}", d.delivery));
        if let Some(p) = &d.pickup {
            text.push_str(&format!("\n• Nơi nhận kết quả: {p}"));
        }
        match d.status {
            Status::NeedsSupplement => text.push_str(&format!(
                "\nAnh/Chị vui lòng liên hệ {} để bổ sung hồ sơ.",
                d.agency
            )),
            Status::ResultReady => text.push_str(
                "\nAnh/Chị mang theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả khi đến nhận.",
            ),
            _ => {}
        }
        let mut r = Reply::text(text);
        if history {
            r.push_text(history_text(d));
        } else if !d.history.is_empty() {
            r.choice(
                "Lịch sử xử lý",
                format!("{}{}", payload::DOSSIER_HISTORY, d.code),
            );
        }
        if let Timing::Overdue(_) = timing {
            r.push_text(format!(
                "Nếu cần hỗ trợ về hồ sơ trễ hạn, Anh/Chị gọi {}.",
                self.hotline_line()
            ));
            self.call(&mut r);
        }
        r
    }

    fn no_dossier(&self, code: &str) -> Reply {
        let mut r = Reply::text(format!(
            "Tôi chưa tìm thấy hồ sơ mã {code}. Anh/Chị vui lòng kiểm tra:\n\
             • mã in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, gõ đủ 4 phần, ví dụ 000.00.04.H51-200221-0001;\n\
             • hồ sơ vừa nộp có thể chưa được cập nhật, Anh/Chị thử lại sau 1 ngày làm việc.\n\
             Nếu vẫn không thấy, Anh/Chị gọi {} để được hỗ trợ.",
            self.hotline_line()
        ));
        self.call(&mut r);
        r
    }
}

fn history_text(d: &Dossier) -> String {
    if d.history.is_empty() {
        return "Hồ sơ chưa có lịch sử xử lý.".into();
    }
    let mut text = String::from("Lịch sử xử lý:");
    let skip = d.history.len().saturating_sub(MAX_HISTORY_SHOWN);
    if skip > 0 {
        text.push_str(&format!("\n(… {skip} bước trước)"));
    }
    for h in &d.history[skip..] {
        text.push_str(&format!("\n• {}: {}", h.date.vi(), h.step));
        if let Some(u) = &h.unit {
            text.push_str(&format!(" ({u})"));
        }
    }
    text
}

/// "Tuyến 13 (Kim Liên – Đại học Việt Hàn), hướng Đại học Việt Hàn".
fn route_at_stop(r: &RouteAtStop) -> String {
    let mut line = format!("Tuyến {} ({})", r.number, r.name);
    match &r.status {
        RouteStatus::Active => line.push_str(&format!(", hướng {}", r.towards)),
        RouteStatus::Suspended => line.push_str(": đang tạm dừng hoạt động"),
        RouteStatus::Merged { into: Some(n) } => {
            line.push_str(&format!(": đã sáp nhập vào tuyến {n}"))
        }
        RouteStatus::Merged { into: None } => line.push_str(": đã sáp nhập với tuyến khác"),
    }
    line
}

fn map_link(r: &mut Reply, s: &StopView) {
    r.link(
        format!("Bản đồ trạm {}", s.code),
        format!("https://www.google.com/maps?q={:.6},{:.6}", s.lat, s.lng),
    );
}

fn stop_reply(s: &StopView) -> Reply {
    let mut text = format!("Trạm {}: {}", s.code, s.name);
    if s.routes.is_empty() {
        text.push_str("\nTheo dữ liệu của thành phố, hiện không có tuyến xe buýt nào đang khai thác qua trạm này.");
    } else {
        text.push_str("\nCác tuyến qua trạm:");
        for r in &s.routes {
            text.push_str(&format!("\n• {}", route_at_stop(r)));
        }
    }
    let mut r = Reply::text(text);
    map_link(&mut r, s);
    if let Some(first) = s.routes.iter().find(|r| r.status == RouteStatus::Active) {
        r.choice(
            format!("Giờ chạy tuyến {}", first.number),
            format!("{}{}", payload::ROUTE, first.number),
        );
    }
    r
}

fn stops_reply(title: &str, stops: &[StopView]) -> Reply {
    let mut text = title.to_owned();
    for (i, s) in stops.iter().enumerate() {
        text.push_str(&format!("\n{}. Trạm {}: {}", i + 1, s.code, s.name));
        if let (Some(d), Some(w)) = (s.distance_m, s.walk_minutes) {
            text.push_str(&format!(" ({d} m, khoảng {w} phút đi bộ)"));
        }
        let active: Vec<String> = s
            .routes
            .iter()
            .filter(|r| r.status == RouteStatus::Active)
            .map(|r| format!("{} hướng {}", r.number, r.towards))
            .collect();
        if active.is_empty() {
            text.push_str("\n   Hiện không có tuyến đang khai thác qua trạm.");
        } else {
            text.push_str(&format!("\n   Tuyến: {}", active.join("; ")));
        }
    }
    let mut r = Reply::text(text);
    for s in stops {
        map_link(&mut r, s);
        r.choice(
            format!("Trạm {}", s.code),
            format!("{}{}", payload::STOP, s.code),
        );
    }
    r
}

fn fare(vnd: u32) -> String {
    format!("{} đồng/lượt", format_dong(u64::from(vnd)))
}

fn routes_reply(routes: &[Route]) -> Reply {
    let mut parts = Vec::new();
    for route in routes.iter().take(3) {
        let mut text = format!("Tuyến {}: {}", route.number, route.name);
        if !route.former.is_empty() {
            text.push_str(&format!(" (trước đây: {})", route.former.join(", ")));
        }
        match &route.status {
            RouteStatus::Suspended => {
                text.push_str("\nTuyến này hiện đang tạm dừng hoạt động.");
                parts.push(text);
                continue;
            }
            RouteStatus::Merged { into } => {
                text.push_str(&match into {
                    Some(n) => format!("\nTuyến này đã sáp nhập vào tuyến {n}; Anh/Chị hỏi \"tuyến {n}\" để xem giờ chạy."),
                    None => "\nTuyến này đã sáp nhập với tuyến khác.".to_owned(),
                });
                parts.push(text);
                continue;
            }
            RouteStatus::Active => {}
        }
        text.push_str(&format!(
            "\n• Lộ trình: {} ⇄ {}",
            route.origin, route.destination
        ));
        if !route.hours.is_empty() {
            text.push_str(&format!("\n• Giờ hoạt động: {}", route.hours));
        }
        if !route.headway.is_empty() {
            text.push_str(&format!("\n• Tần suất: {}", route.headway));
        }
        if let Some(v) = route.fare_vnd {
            text.push_str(&format!("\n• Giá vé: {}", fare(v)));
        }
        parts.push(text);
    }
    Reply::text(parts.join("\n\n"))
}

fn fares_reply(note: &str, routes: &[Route]) -> Reply {
    let mut text = String::from("Giá vé xe buýt:");
    let mut by_fare: Vec<(u32, Vec<&str>)> = Vec::new();
    for r in routes {
        if let Some(v) = r.fare_vnd {
            match by_fare.iter_mut().find(|(f, _)| *f == v) {
                Some((_, numbers)) => numbers.push(&r.number),
                None => by_fare.push((v, vec![&r.number])),
            }
        }
    }
    for (v, numbers) in &by_fare {
        text.push_str(&format!("\n• Tuyến {}: {}", numbers.join(", "), fare(*v)));
    }
    if !note.trim().is_empty() {
        text.push_str(&format!("\n{}", shorten(note.trim(), 400)));
    }
    text.push_str("\nAnh/Chị hỏi \"tuyến <số> chạy mấy giờ\" để xem giờ chạy của từng tuyến.");
    Reply::text(text)
}

/// "07:30 30/11/2026" in the city's time.
fn local_time(at: i64) -> String {
    let secs = (at + LOCAL_OFFSET).rem_euclid(86_400);
    format!(
        "{:02}:{:02} {}",
        secs / 3600,
        secs % 3600 / 60,
        Date::local(at).vi()
    )
}

/// A notice's window: dates only when it spans whole days.
fn window(from: i64, to: i64) -> String {
    let whole = |t: i64| (t + LOCAL_OFFSET).rem_euclid(86_400) == 0;
    if whole(from) && whole(to) {
        let last = Date::local(to - 1);
        let first = Date::local(from);
        if first == last {
            first.vi()
        } else {
            format!("{} đến {}", first.vi(), last.vi())
        }
    } else {
        format!("{} đến {}", local_time(from), local_time(to))
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn notices_reply(
    kind: NoticeKind,
    area: Option<&str>,
    asked: Option<(i64, i64)>,
    notices: &[Notice],
    more: usize,
) -> Reply {
    let place = area.map(|a| format!(" tại {a}")).unwrap_or_default();
    if notices.is_empty() {
        let when = match asked {
            Some((from, to)) if Date::local(from) == Date::local(to - 1) => {
                format!("ngày {}", Date::local(from).vi())
            }
            Some((from, to)) => format!("từ {}", window(from, to)),
            None => "trong 30 ngày tới".to_owned(),
        };
        return Reply::text(format!(
            "Hiện chưa có {}{place} {when}. Khi có thông báo mới, thành phố sẽ cập nhật tại đây.",
            kind.label_vi(),
        ));
    }
    let mut text = format!("{}{place}:", capitalised(kind.label_vi()));
    for n in notices {
        text.push_str(&format!(
            "\n\n• {}\n{}\n(Hiệu lực: {})",
            n.title,
            shorten(&n.body, 280),
            window(n.valid_from, n.valid_to)
        ));
    }
    if more > 0 {
        text.push_str(&format!(
            "\n\n… và {more} thông báo khác. Anh/Chị hỏi cụ thể hơn (phường, xã hoặc thời gian) để xem."
        ));
    }
    let mut r = Reply::text(text);
    for n in notices.iter().filter(|n| n.source.is_some()).take(3) {
        if let Some(url) = &n.source {
            r.link(format!("Chi tiết: {}", shorten(&n.title, 60)), url.clone());
        }
    }
    r
}
