//! What the bot says, in polite Vietnamese ("Anh/Chị"), short enough for a
//! phone screen. Every reply is built here.

use super::payload;
use super::{procedure_text, short_name};
use crate::catalogue::{Aspect, Entry, Procedure};
use crate::lookup::{Need, NoticeKind};
use crate::reply::Reply;

/// The city's own words: its name, its hotline, its portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    /// "Đà Nẵng".
    pub city: String,
    /// The hotline as said ("1022").
    pub hotline: String,
    /// The hotline as dialled from a mobile phone ("02361022").
    pub hotline_dial: String,
}

impl Default for Texts {
    fn default() -> Self {
        Self {
            city: "Đà Nẵng".into(),
            hotline: "1022".into(),
            hotline_dial: "02361022".into(),
        }
    }
}

/// The aspects offered as follow-up choices after an answer.
const FOLLOW_UPS: [Aspect; 5] = [
    Aspect::Documents,
    Aspect::Time,
    Aspect::Fee,
    Aspect::Place,
    Aspect::Steps,
];

impl Texts {
    pub(super) fn hotline_line(&self) -> String {
        format!("Tổng đài {} (0236 {})", self.hotline, self.hotline)
    }

    pub(super) fn call(&self, r: &mut Reply) {
        r.call(format!("Gọi {}", self.hotline), self.hotline_dial.clone());
    }

    fn menu_choices(r: &mut Reply) {
        r.choice("Thủ tục hành chính", payload::MENU_PROCEDURES)
            .choice("Tra cứu hồ sơ", payload::MENU_DOSSIER)
            .choice("Xe buýt", payload::MENU_BUS)
            .choice("Thông báo", payload::MENU_NOTICES)
            .choice("Gặp tổng đài viên", payload::HANDOVER);
    }

    pub fn welcome(&self) -> Reply {
        let mut r = Reply::text(format!(
            "Xin chào Anh/Chị! Tôi là trợ lý ảo của Tổng đài {} thành phố {}.\n\
             Tôi có thể hướng dẫn thủ tục hành chính (giấy tờ, thời hạn, lệ phí, nơi nộp), \
             tra cứu hồ sơ, xe buýt và thông báo của thành phố. Anh/Chị cần giúp gì ạ?",
            self.hotline, self.city
        ));
        Self::menu_choices(&mut r);
        r
    }

    pub fn section(&self, section: &str) -> Reply {
        match section {
            "procedures" => Reply::text(
                "Anh/Chị cần làm thủ tục gì? Hãy gõ tên thủ tục hoặc câu hỏi, ví dụ: \
                 \"đăng ký khai sinh cần giấy tờ gì\", \"cấp lại căn cước mất bao lâu\", \
                 \"lệ phí làm hộ chiếu\".",
            ),
            "dossier" => Reply::text(
                "Để tra cứu tình trạng hồ sơ, Anh/Chị gửi mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn \
                 trả kết quả, ví dụ: 000.00.04.H51-200221-0001.",
            ),
            "bus" => Reply::text(
                "Anh/Chị gửi \"MT <mã trạm>\" để xem các tuyến qua trạm, gửi vị trí hoặc địa chỉ \
                 (số nhà, tên đường) để tìm trạm gần nhất, hoặc hỏi về tuyến, giờ chạy, giá vé.",
            ),
            _ => {
                let mut r = Reply::text("Anh/Chị muốn xem thông báo nào?");
                for (title, kind) in [
                    ("Lịch cắt điện", "power_cut"),
                    ("Lịch cắt nước", "water_cut"),
                    ("Bão, lũ", "storm"),
                    ("Lịch tiếp công dân", "reception"),
                    ("Văn bản mới", "policy"),
                    ("Kết quả thi", "exam_results"),
                ] {
                    r.choice(title, format!("{}{kind}", payload::NOTICES));
                }
                r
            }
        }
    }

    pub fn thanks(&self) -> Reply {
        Reply::text("Dạ, rất vui được hỗ trợ Anh/Chị. Anh/Chị cần gì thêm cứ nhắn cho tôi nhé.")
    }

    pub fn empty(&self) -> Reply {
        Reply::text("Anh/Chị vui lòng gõ câu hỏi bằng chữ, ví dụ: \"làm hộ chiếu ở đâu\".")
    }

    pub fn handover(&self) -> Reply {
        let mut r = Reply::text(format!(
            "Tôi đã chuyển cuộc trò chuyện cho tổng đài viên; Anh/Chị vui lòng chờ trong giây lát. \
             Nếu cần gấp, Anh/Chị gọi {}.",
            self.hotline_line()
        ));
        self.call(&mut r);
        r.choice("Quay lại trợ lý ảo", payload::BOT);
        r
    }

    pub fn back_to_bot(&self) -> Reply {
        let mut r = Reply::text("Trợ lý ảo đã sẵn sàng hỗ trợ Anh/Chị. Anh/Chị cần giúp gì ạ?");
        Self::menu_choices(&mut r);
        r
    }

    pub fn unsupported(&self, kind: &str) -> Reply {
        let what = match kind {
            "image" | "photo" | "sticker" | "gif" => "hình ảnh",
            "audio" | "voice" => "tin nhắn thoại",
            "video" => "video",
            "file" => "tệp đính kèm",
            _ => "nội dung này",
        };
        Reply::text(format!(
            "Xin lỗi Anh/Chị, tôi chưa đọc được {what}. Anh/Chị vui lòng gõ câu hỏi bằng chữ, \
             ví dụ: \"đăng ký tạm trú cần giấy tờ gì\"."
        ))
    }

    pub fn look_alike_code(&self) -> Reply {
        Reply::text(
            "Mã hồ sơ Anh/Chị gửi có ký tự không hợp lệ (có thể do bộ gõ). Anh/Chị vui lòng gõ lại mã \
             chỉ gồm chữ cái không dấu và số, ví dụ: 000.00.04.H51-200221-0001.",
        )
    }

    pub fn unavailable(&self, need: &Need) -> Reply {
        let text = match need {
            Need::Dossier { code, .. } => format!(
                "Tôi đã nhận mã hồ sơ {code}. Tính năng tra cứu tình trạng hồ sơ trên trợ lý ảo chưa sẵn sàng; \
                 Anh/Chị có thể tra cứu trên Cổng Dịch vụ công hoặc gọi {}.",
                self.hotline_line()
            ),
            Need::BusStop { code } => format!(
                "Tính năng tra cứu tuyến xe buýt qua trạm {code} chưa sẵn sàng. Anh/Chị vui lòng gọi {} để được hỗ trợ.",
                self.hotline_line()
            ),
            Need::Nearby { .. } => format!(
                "Tôi đã nhận vị trí của Anh/Chị, nhưng tính năng tìm trạm xe buýt gần nhất chưa sẵn sàng. \
                 Anh/Chị vui lòng gọi {}.",
                self.hotline_line()
            ),
            Need::Bus { .. } => format!(
                "Tính năng tra cứu xe buýt trên trợ lý ảo chưa sẵn sàng. Anh/Chị vui lòng gọi {}.",
                self.hotline_line()
            ),
            Need::Notices { kind, .. } => format!(
                "Tính năng xem {} trên trợ lý ảo chưa sẵn sàng. Anh/Chị vui lòng theo dõi trang thông tin \
                 của thành phố hoặc gọi {}.",
                kind_label(*kind),
                self.hotline_line()
            ),
        };
        let mut r = Reply::text(text);
        self.call(&mut r);
        r
    }

    pub fn thanks_feedback(&self) -> Reply {
        Reply::text("Cảm ơn Anh/Chị đã góp ý! Anh/Chị cần hỏi gì thêm cứ nhắn cho tôi.")
    }

    pub fn sorry_feedback(&self) -> Reply {
        let mut r = Reply::text(format!(
            "Xin lỗi Anh/Chị vì câu trả lời chưa đúng. Anh/Chị thử hỏi lại với tên thủ tục cụ thể hơn, \
             hoặc gọi {} để được tổng đài viên hỗ trợ.",
            self.hotline_line()
        ));
        self.call(&mut r);
        r.choice("Gặp tổng đài viên", payload::HANDOVER);
        r
    }

    pub fn which_procedure(&self, aspect: Aspect) -> Reply {
        Reply::text(format!(
            "Anh/Chị muốn hỏi {} của thủ tục nào? Anh/Chị gõ tên thủ tục giúp tôi, ví dụ: \
             \"{} đăng ký kết hôn\".",
            aspect.label_vi().to_lowercase(),
            aspect.label_vi().to_lowercase()
        ))
    }

    pub fn dont_know(&self) -> Reply {
        let mut r = Reply::text(format!(
            "Xin lỗi Anh/Chị, tôi chưa tìm được thủ tục phù hợp với câu hỏi này. Anh/Chị thử diễn đạt lại \
             (ví dụ: \"đăng ký khai sinh cần giấy tờ gì\"), hoặc gọi {} để được hỗ trợ.",
            self.hotline_line()
        ));
        self.call(&mut r);
        r.choice("Gặp tổng đài viên", payload::HANDOVER);
        r
    }

    pub fn clarify(&self, candidates: &[&Entry], definition: bool) -> Reply {
        // A question asking what something is gets the procedures that
        // concern it, and is told plainly that the bot does not define.
        let mut text = String::from(if definition {
            "Tôi chỉ hướng dẫn được thủ tục hành chính, chưa giải thích được khái niệm. \
             Các thủ tục liên quan:"
        } else {
            "Anh/Chị muốn hỏi thủ tục nào sau đây?"
        });
        for (i, p) in candidates.iter().enumerate() {
            text.push_str(&format!("\n{}. {}", i + 1, short_name(p)));
        }
        if definition {
            text.push_str(&format!(
                "\nAnh/Chị bấm chọn hoặc gõ số thứ tự; cần giải đáp thêm, Anh/Chị gọi {}.",
                self.hotline_line()
            ));
        } else {
            text.push_str(
                "\nAnh/Chị bấm chọn hoặc gõ số thứ tự; nếu không phải, Anh/Chị nói rõ hơn giúp tôi.",
            );
        }
        let mut r = Reply::text(text);
        for (i, p) in candidates.iter().enumerate() {
            r.choice(
                format!("Thủ tục số {}", i + 1),
                format!("{}{}", payload::PROC, p.code),
            );
        }
        if definition {
            self.call(&mut r);
        }
        r
    }

    /// When a procedure's details could not be fetched.
    /// The procedure is named (the index in memory has its name), so that
    /// the citizen knows the question was understood.
    pub fn details_missing(&self, entry: Option<&Entry>) -> Reply {
        let which = entry.map_or_else(|| "này".to_owned(), |e| format!("“{}”", short_name(e)));
        let mut r = Reply::text(format!(
            "Xin lỗi Anh/Chị, tôi chưa lấy được chi tiết của thủ tục {which}. Anh/Chị xem trên Cổng \
             Dịch vụ công hoặc gọi {}.",
            self.hotline_line()
        ));
        if let Some(e) = entry {
            r.link("Xem trên Cổng DVC", e.url.clone());
        }
        self.call(&mut r);
        r
    }

    pub fn procedure(&self, p: &Procedure, aspect: Option<Aspect>) -> Reply {
        let mut r = Reply::text(procedure_text(p, aspect));
        r.link("Xem trên Cổng DVC", p.url.clone());
        for a in FOLLOW_UPS.iter().filter(|a| Some(**a) != aspect) {
            r.choice(a.label_vi(), format!("{}{}", payload::ASPECT, a));
        }
        r.choice("Hữu ích", format!("{}{}", payload::FEEDBACK_UP, p.code));
        r.choice("Chưa đúng", format!("{}{}", payload::FEEDBACK_DOWN, p.code));
        r
    }
}

fn kind_label(kind: NoticeKind) -> &'static str {
    kind.label_vi()
}
