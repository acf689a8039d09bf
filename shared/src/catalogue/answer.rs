//! Answers in Vietnamese from a procedure's structured fields: a compact
//! summary, or one aspect. Channel renderers split or shorten further to
//! their limits; the texts here are already short enough to read on a phone.

use std::fmt::Write;

use super::aspect::Aspect;
use super::model::{Channel, Duration, DurationUnit, Fee, Procedure};

/// The longest free-text excerpt (conditions, a step) quoted in an answer;
/// the rest is on the portal page the answer links to.
const EXCERPT: usize = 480;
/// At most this many items of a list (documents, steps, legal documents).
const MAX_ITEMS: usize = 8;
/// Characters a list may take, so that a whole answer stays well inside a
/// chat message (Messenger and Zalo allow 2,000).
const LIST_BUDGET: usize = 1_300;
/// Characters of a procedure name used as a heading.
const TITLE: usize = 160;

/// The characters each of `total` list items may take within
/// [`LIST_BUDGET`].
fn share(total: usize) -> usize {
    (LIST_BUDGET / total.clamp(1, MAX_ITEMS)).max(60)
}

/// A procedure's name as a heading: some names run to hundreds of
/// characters of legal wording.
fn title(p: &Procedure) -> String {
    shorten(&p.name, TITLE)
}

/// A list item without the bullet the portal's text sometimes starts with
/// ("- Giấy chứng sinh", "+ Tờ khai").
fn item(s: &str) -> &str {
    s.trim()
        .trim_start_matches(['-', '+', '*', '•', '–'])
        .trim_start()
}

/// Cuts `s` to at most `max` characters at a word boundary, marking the cut.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':', ' ']))
}

/// 100000 → "100.000" (Vietnamese groups thousands with dots).
pub fn format_dong(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn format_amount(a: f64) -> String {
    if a.fract() == 0.0 {
        format!("{}", a as i64)
    } else {
        format!("{a}").replace('.', ",")
    }
}

pub fn format_duration(d: &Duration) -> String {
    match d {
        Duration::Fixed { amount, unit } => {
            let unit = match unit {
                DurationUnit::Hour => "giờ",
                DurationUnit::WorkingDay => "ngày làm việc",
                DurationUnit::Day => "ngày",
                DurationUnit::Month => "tháng",
                DurationUnit::Year => "năm",
            };
            format!("{} {unit}", format_amount(*amount))
        }
        Duration::UnitMissing { amount } => {
            format!(
                "{} (Cổng Dịch vụ công không ghi đơn vị)",
                format_amount(*amount)
            )
        }
        Duration::Unknown => "chưa có thông tin".into(),
    }
}

pub fn format_fee(f: &Fee) -> String {
    match f {
        Fee::Free => "miễn phí".into(),
        Fee::Amount { dong } => dong
            .iter()
            .map(|d| format!("{} đồng", format_dong(*d)))
            .collect::<Vec<_>>()
            .join("; "),
        Fee::Unknown => "chưa có thông tin".into(),
        Fee::Text { text } => shorten(text, 200),
    }
}

/// One line per distinct value over the channels: "15 ngày làm việc" when
/// all channels agree, "Trực tiếp: …; Trực tuyến: …" otherwise.
fn per_channel(p: &Procedure, f: impl Fn(&super::model::ChannelOption) -> String) -> String {
    let mut rows: Vec<(Channel, String)> = Vec::new();
    for c in &p.channels {
        let v = f(c);
        if !rows.iter().any(|(ch, old)| *ch == c.channel && *old == v) {
            rows.push((c.channel, v));
        }
    }
    let first = rows.first().map(|r| r.1.clone());
    match first {
        None => "chưa có thông tin".into(),
        Some(v) if rows.iter().all(|r| r.1 == v) => v,
        Some(_) => rows
            .iter()
            .map(|(ch, v)| format!("{}: {v}", ch.label_vi()))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn place(p: &Procedure) -> String {
    let mut agencies: Vec<&str> = p.agencies.executing.iter().map(String::as_str).collect();
    if agencies.is_empty() {
        agencies = p.agencies.competent.iter().map(String::as_str).collect();
    }
    let mut s = if agencies.is_empty() {
        by_level(p)
    } else {
        agencies.join(", ")
    };
    let address = p.agencies.address.trim();
    if !address.is_empty()
        && !agencies
            .iter()
            .any(|a| crate::text::folded_key(a) == crate::text::folded_key(address))
    {
        let _ = write!(s, " — {}", shorten(address, 160));
    }
    s
}

/// Where a procedure is received when the portal names no agency: every
/// dossier goes through the one-stop desk (Bộ phận Một cửa) of the level
/// that handles it, so the level says where to go.
fn by_level(p: &Procedure) -> String {
    use super::model::Level;
    let has = |l: Level| p.levels.contains(&l);
    if has(Level::Commune) {
        "Bộ phận Một cửa (Trung tâm Phục vụ hành chính công) cấp xã, phường nơi Anh/Chị cư trú"
            .into()
    } else if has(Level::Province) {
        "Trung tâm Phục vụ hành chính công của thành phố".into()
    } else if has(Level::Central) {
        "cơ quan trung ương có thẩm quyền (xem chi tiết trên Cổng Dịch vụ công)".into()
    } else {
        "chưa có thông tin".into()
    }
}

fn channels_line(p: &Procedure) -> String {
    let mut chans: Vec<Channel> = p.channels.iter().map(|c| c.channel).collect();
    chans.sort();
    chans.dedup();
    chans
        .iter()
        .map(|c| c.label_vi())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The compact summary shown when a procedure is answered.
pub fn summary(p: &Procedure) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", shorten(&p.name, 2 * TITLE));
    let _ = writeln!(s, "• Nơi nộp: {}", place(p));
    let _ = writeln!(
        s,
        "• Thời hạn: {}",
        per_channel(p, |c| format_duration(&c.time))
    );
    let _ = writeln!(s, "• Lệ phí: {}", per_channel(p, |c| format_fee(&c.fee)));
    let online = if p.online() {
        "có thể nộp trực tuyến trên Cổng Dịch vụ công"
    } else {
        "không nộp trực tuyến được"
    };
    let _ = write!(s, "• Trực tuyến: {online}");
    s
}

/// A numbered list of at most [`MAX_ITEMS`] items; callers cut each item
/// to its [`share`] of the budget.
fn numbered(items: impl Iterator<Item = String>, total: usize) -> String {
    let mut s = String::new();
    for (i, item) in items.take(MAX_ITEMS).enumerate() {
        let _ = writeln!(s, "{}. {item}", i + 1);
    }
    if total > MAX_ITEMS {
        let _ = writeln!(s, "… và {} mục khác.", total - MAX_ITEMS);
    }
    s
}

/// One aspect of a procedure, as an answer.
pub fn aspect(p: &Procedure, a: Aspect) -> String {
    let mut s = String::new();
    match a {
        Aspect::Documents => {
            let total: usize = p.documents.iter().map(|g| g.documents.len()).sum();
            if total == 0 {
                let _ = writeln!(
                    s,
                    "Hồ sơ của thủ tục «{}»: Cổng Dịch vụ công chưa liệt kê thành phần hồ sơ.",
                    title(p)
                );
            } else {
                let _ = writeln!(s, "Hồ sơ cần nộp cho thủ tục «{}»:", title(p));
                let mut docs: Vec<&super::model::Document> =
                    p.documents.iter().flat_map(|g| &g.documents).collect();
                // What everybody brings first (forms, then papers with a
                // count), what only some cases need ("Trường hợp…", "Nếu…")
                // last; the portal lists them in no useful order.
                // The key is computed once per document, from its first
                // words only (names run to paragraphs).
                docs.sort_by_cached_key(|d| {
                    let head: Vec<&str> = item(&d.name).split_whitespace().take(6).collect();
                    let key = crate::text::folded_key(&head.join(" "));
                    let conditional = ["truong hop", "neu ", "doi voi truong hop"]
                        .iter()
                        .any(|p| key.starts_with(p));
                    (conditional, d.forms.is_empty(), d.quantity.is_none())
                });
                let mut items = Vec::new();
                {
                    for d in docs {
                        let mut item = shorten(item(&d.name), share(total));
                        if let Some(q) = d.quantity {
                            match (q.originals, q.copies) {
                                (0, 0) => {}
                                (o, 0) => {
                                    let _ = write!(item, " ({o} bản chính)");
                                }
                                (0, c) => {
                                    let _ = write!(item, " ({c} bản sao)");
                                }
                                (o, c) => {
                                    let _ = write!(item, " ({o} bản chính, {c} bản sao)");
                                }
                            }
                        }
                        items.push(item);
                    }
                }
                if p.documents.len() > 1 {
                    let _ = writeln!(
                        s,
                        "(Hồ sơ khác nhau theo từng trường hợp; xem chi tiết ở liên kết bên dưới.)"
                    );
                }
                s.push_str(&numbered(items.into_iter(), total));
            }
        }
        Aspect::Time => {
            let _ = writeln!(
                s,
                "Thời hạn giải quyết «{}»: {}.",
                title(p),
                per_channel(p, |c| format_duration(&c.time))
            );
            if let Some(d) = p
                .channels
                .iter()
                .map(|c| c.description.as_str())
                .find(|d| !d.is_empty())
            {
                let _ = writeln!(s, "Ghi chú: {}", shorten(d, 300));
            }
        }
        Aspect::Fee => {
            let _ = writeln!(
                s,
                "Lệ phí «{}»: {}.",
                title(p),
                per_channel(p, |c| format_fee(&c.fee))
            );
        }
        Aspect::Place => {
            let _ = writeln!(s, "Nơi nộp hồ sơ «{}»: {}.", title(p), place(p));
            let chans = channels_line(p);
            if !chans.is_empty() {
                let _ = writeln!(s, "Cách nộp: {chans}.");
            }
        }
        Aspect::Steps => {
            if p.steps.is_empty() {
                let _ = writeln!(
                    s,
                    "Cổng Dịch vụ công chưa mô tả trình tự của thủ tục «{}».",
                    title(p)
                );
            } else {
                let _ = writeln!(s, "Trình tự thực hiện «{}»:", title(p));
                s.push_str(&numbered(
                    p.steps
                        .iter()
                        .map(|st| shorten(item(st), share(p.steps.len()))),
                    p.steps.len(),
                ));
            }
        }
        Aspect::Conditions => {
            if p.conditions.trim().is_empty() {
                let _ = writeln!(
                    s,
                    "Thủ tục «{}» không có yêu cầu, điều kiện riêng.",
                    title(p)
                );
            } else {
                let _ = writeln!(
                    s,
                    "Điều kiện của thủ tục «{}»:\n{}",
                    title(p),
                    shorten(&p.conditions, EXCERPT)
                );
            }
        }
        Aspect::LegalBasis => {
            if p.legal_basis.is_empty() {
                let _ = writeln!(
                    s,
                    "Cổng Dịch vụ công chưa ghi căn cứ pháp lý của thủ tục «{}».",
                    title(p)
                );
            } else {
                let _ = writeln!(s, "Căn cứ pháp lý của thủ tục «{}»:", title(p));
                let items = p.legal_basis.iter().map(|l| {
                    if l.number.is_empty() || l.title.contains(&l.number) {
                        shorten(&l.title, share(p.legal_basis.len()))
                    } else {
                        format!(
                            "{} ({})",
                            shorten(&l.title, share(p.legal_basis.len()).saturating_sub(24)),
                            l.number
                        )
                    }
                });
                s.push_str(&numbered(items, p.legal_basis.len()));
            }
        }
        Aspect::Online => {
            if p.online() {
                let _ = writeln!(
                    s,
                    "Anh/Chị có thể nộp hồ sơ «{}» trực tuyến trên Cổng Dịch vụ công quốc gia, thời hạn {}.",
                    title(p),
                    per_channel(p, |c| format_duration(&c.time))
                );
            } else {
                let _ = writeln!(
                    s,
                    "Thủ tục «{}» hiện chưa nộp trực tuyến được; Anh/Chị nộp theo cách: {}.",
                    title(p),
                    channels_line(p)
                );
            }
        }
        Aspect::Result => {
            if p.results.is_empty() {
                let _ = writeln!(
                    s,
                    "Cổng Dịch vụ công chưa ghi kết quả của thủ tục «{}».",
                    title(p)
                );
            } else {
                let _ = writeln!(s, "Kết quả của thủ tục «{}»:", title(p));
                s.push_str(&numbered(
                    p.results
                        .iter()
                        .map(|r| shorten(item(r), share(p.results.len()))),
                    p.results.len(),
                ));
            }
        }
        Aspect::Forms => {
            let mut forms: Vec<&str> = p.forms().collect();
            forms.dedup();
            if forms.is_empty() {
                let _ = writeln!(
                    s,
                    "Thủ tục «{}» không có mẫu đơn, tờ khai đính kèm trên Cổng Dịch vụ công.",
                    title(p)
                );
            } else {
                let _ = writeln!(
                    s,
                    "Mẫu đơn, tờ khai của thủ tục «{}» (tải tại liên kết bên dưới):",
                    title(p)
                );
                s.push_str(&numbered(
                    forms.iter().map(|f| shorten(f, share(forms.len()))),
                    forms.len(),
                ));
            }
        }
    }
    s.truncate(s.trim_end().len());
    s
}

/// How many candidates a clarifying question offers.
pub const MAX_CHOICES: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_amount_is_large_should_group_thousands_with_dots() {
        assert_eq!(format_dong(100_000), "100.000");
        assert_eq!(format_dong(1_500_000), "1.500.000");
        assert_eq!(format_dong(500), "500");
    }

    #[test]
    fn when_text_is_long_should_cut_at_a_word_boundary() {
        let s = shorten("một hai ba bốn năm sáu bảy", 12);
        assert!(s.chars().count() <= 12, "{s}");
        assert_eq!(s, "một hai ba…");
        assert_eq!(shorten("ngắn", 12), "ngắn");
    }

    #[test]
    fn when_duration_is_fractional_should_use_a_decimal_comma() {
        let d = Duration::Fixed {
            amount: 0.5,
            unit: DurationUnit::WorkingDay,
        };
        assert_eq!(format_duration(&d), "0,5 ngày làm việc");
    }
}
