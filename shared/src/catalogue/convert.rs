//! The converter from the national portal's records (as scraped from
//! dichvucong.gov.vn, one JSON object a line) to [`Procedure`].
//!
//! The portal's detail page is a set of HTML tables; the scrape flattened
//! each table into one string with the cells glued together
//! ("Trực tuyến7 Ngày làm việc10,000 Việt Nam Đồng…"). The parsers in the
//! submodules cut those strings back into cells using what the glue leaves
//! behind: a channel label directly followed by a digit, a quantity
//! directly followed by the next document's name, and so on.
//!
//! Whatever does not fit is kept verbatim in [`Procedure::raw`] and named
//! in a [`Note`], so the [`ConversionReport`] can say how much of the
//! catalogue is parsed with confidence.

mod channels;
mod documents;
mod legal;
mod report;
mod results;
mod steps;
mod tidy;

use std::io::BufRead;

use serde::Deserialize;

use super::model::{Agencies, Level, Procedure, ProcedureCode, RawPiece};
use crate::Error;

pub use report::{ConversionReport, Parsed, Rejection};

/// One record of the portal scrape, field names as the scrape wrote them.
/// A missing field reads as empty; a record whose code is missing or
/// malformed is rejected by [`convert_record`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RawRecord {
    pub ma_thu_tuc: String,
    pub detail_url: String,
    /// The portal's internal id of the procedure form; not carried over
    /// (empty for a quarter of the records, and `detail_url` already
    /// identifies the page).
    pub formality_id: String,
    pub ten_thu_tuc: String,
    pub so_quyet_dinh: String,
    pub cap_thuc_hien: String,
    pub loai_thu_tuc: String,
    pub linh_vuc: String,
    pub doi_tuong_thuc_hien: String,
    pub co_quan_co_tham_quyen: String,
    pub dia_chi_tiep_nhan: String,
    pub co_quan_duoc_uy_quyen: String,
    pub co_quan_phoi_hop: String,
    pub thu_tuc_lien_quan: String,
    pub trinh_tu_thuc_hien: String,
    pub cach_thuc_thuc_hien: String,
    pub thanh_phan_ho_so: String,
    pub can_cu_phap_ly: String,
    pub co_quan_thuc_hien: String,
    pub yeu_cau_dieu_kien: String,
    pub ket_qua_xu_ly: String,
    #[serde(rename = "_bo_nganh_folder")]
    pub bo_nganh_folder: String,
}

/// What the converter could not take at face value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// The source text was not NFC (decomposed, wholly or in part).
    NfdNormalised,
    /// Zero-width, bidi or private-use (Word bullet) characters dropped.
    InvisibleRemoved,
    /// "Không có thông tin": the field is unknown.
    NoInformation,
    /// The field is empty: unknown.
    Empty,
    /// A `cap_thuc_hien` label that is not a known level; kept raw.
    UnknownLevel,
    /// A table field without its header row: the scrape put other text
    /// there; kept raw.
    TableHeaderMissing,
    /// A processing time whose unit vanished ("Trực tuyến1Miễn phí"): the
    /// number is kept, the unit is not guessed.
    TimeUnitMissing,
    /// A channel row with no time, or "Không có thông tin" as time.
    TimeUnknown,
    /// A time given as words ("Không phải trả kết quả…"); kept raw.
    TimeKeptRaw,
    /// Time and fee digits glued together with no unit between them
    /// ("Trực tuyến120 VNĐ"): neither can be told apart; the fee is its
    /// note's text when the note states an amount, else unknown; the time
    /// is unknown.
    TimeFeeRunTogether,
    /// A channel row with no fee, or "Không có thông tin" as fee.
    FeeUnknown,
    /// A fee under 1,000 đồng ("135 VNĐ"): no fee is that small; the
    /// portal listed thousands, or dollars. The fee is its note's text
    /// when the note states an amount, else unknown.
    FeeImplausibleAmount,
    /// The fee's own description names amounts in đồng and none is the
    /// table's amount; kept as text.
    FeeContradictsNote,
    /// "Miễn phí" in the table while the fee's description names amounts
    /// in đồng; kept as text.
    FeeFreeContradictsNote,
    /// A fee in a foreign currency (USD); kept as text.
    FeeForeignCurrency,
    /// A fee amount that is not a number the converter can read. The fee
    /// is its note's text when the note states an amount, else unknown.
    FeeUnreadable,
    /// The fee's parenthesised description never closes; everything up to
    /// the next channel row was taken as the description.
    FeeNoteUnbalanced,
    /// Channel text outside any row the converter recognises; kept raw.
    ChannelTextKeptRaw,
    /// Documents text outside the table's rows; kept raw.
    DocumentsKeptRaw,
    /// Form file names that could not be told apart from the document's
    /// name; the whole cell kept as the name and raw.
    FormBoundaryUnclear,
    /// A quantity whose digits were glued to a number ending the
    /// document's name ("ngày 28/8/20201 bản chính"): the last digit was
    /// taken as the quantity.
    QuantityDigitsSplit,
    /// A legal document listed without a number.
    LegalWithoutNumber,
    /// Text of the next section of the portal page swept into a table
    /// field; kept raw.
    PageTextKeptRaw,
    /// Portal page text (result codes, search widgets) stripped from the
    /// results.
    ResultNoiseStripped,
    /// The results block carried keywords or a description; kept raw.
    ResultExtraKeptRaw,
    /// An agency field holding prose instead of a list; kept raw.
    AgencyKeptRaw,
    /// Related procedures read from a flattened table.
    RelatedFromTable,
}

impl Problem {
    /// Every kind, in the order the report lists them.
    pub const ALL: [Problem; 27] = [
        Self::NfdNormalised,
        Self::InvisibleRemoved,
        Self::NoInformation,
        Self::Empty,
        Self::UnknownLevel,
        Self::TableHeaderMissing,
        Self::TimeUnitMissing,
        Self::TimeUnknown,
        Self::TimeKeptRaw,
        Self::TimeFeeRunTogether,
        Self::FeeUnknown,
        Self::FeeImplausibleAmount,
        Self::FeeContradictsNote,
        Self::FeeFreeContradictsNote,
        Self::FeeForeignCurrency,
        Self::FeeUnreadable,
        Self::FeeNoteUnbalanced,
        Self::ChannelTextKeptRaw,
        Self::DocumentsKeptRaw,
        Self::FormBoundaryUnclear,
        Self::QuantityDigitsSplit,
        Self::LegalWithoutNumber,
        Self::PageTextKeptRaw,
        Self::ResultNoiseStripped,
        Self::ResultExtraKeptRaw,
        Self::AgencyKeptRaw,
        Self::RelatedFromTable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::NfdNormalised => "NFD text normalised to NFC",
            Self::InvisibleRemoved => "invisible / private-use characters removed",
            Self::NoInformation => "\"Không có thông tin\" → unknown",
            Self::Empty => "empty → unknown",
            Self::UnknownLevel => "unknown level label, kept raw",
            Self::TableHeaderMissing => "table header missing, field kept raw",
            Self::TimeUnitMissing => "time unit missing, number kept without unit",
            Self::TimeUnknown => "time not given → unknown",
            Self::TimeKeptRaw => "time given as words, kept raw",
            Self::TimeFeeRunTogether => {
                "time and fee digits run together, fee from its note or unknown"
            }
            Self::FeeUnknown => "fee not given → unknown",
            Self::FeeImplausibleAmount => "fee under 1,000 đồng, fee from its note or unknown",
            Self::FeeContradictsNote => "fee amount contradicts its description, kept as text",
            Self::FeeFreeContradictsNote => {
                "\"Miễn phí\" but description names amounts, kept as text"
            }
            Self::FeeForeignCurrency => "fee in foreign currency, kept as text",
            Self::FeeUnreadable => "fee amount unreadable, fee from its note or unknown",
            Self::FeeNoteUnbalanced => "fee description never closes its parenthesis",
            Self::ChannelTextKeptRaw => "channel text outside rows, kept raw",
            Self::DocumentsKeptRaw => "documents text outside rows, kept raw",
            Self::FormBoundaryUnclear => "form names not separable from document name, kept raw",
            Self::QuantityDigitsSplit => "quantity digit split from a number ending the name",
            Self::LegalWithoutNumber => "legal document without number",
            Self::PageTextKeptRaw => "next page section swept into the field, kept raw",
            Self::ResultNoiseStripped => "portal page noise stripped",
            Self::ResultExtraKeptRaw => "keywords / description block kept raw",
            Self::AgencyKeptRaw => "agency field is prose, kept raw",
            Self::RelatedFromTable => "related procedures read from a table",
        }
    }
}

/// One thing the converter could not take at face value in one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Note {
    /// The source field, as named in [`RawRecord`].
    pub field: &'static str,
    pub problem: Problem,
}

/// One record converted, with what could not be parsed with confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub procedure: Procedure,
    pub notes: Vec<Note>,
}

/// Notes and raw pieces collected while converting one record.
#[derive(Debug, Default)]
struct Ctx {
    notes: Vec<Note>,
    raw: Vec<RawPiece>,
}

impl Ctx {
    fn note(&mut self, field: &'static str, problem: Problem) {
        self.notes.push(Note { field, problem });
    }

    /// Keeps `text` verbatim (tidied) as a raw piece of `field`, noting why.
    fn keep_raw(&mut self, field: &'static str, text: &str, problem: Problem) {
        self.note(field, problem);
        let text = tidy::block(text);
        if !text.is_empty() {
            self.raw.push(RawPiece {
                field: field.to_owned(),
                text,
            });
        }
    }

    /// The field's text ready for parsing, or `None` when the portal gave
    /// nothing (empty or "Không có thông tin"); notes either way.
    fn present(&mut self, field: &'static str, raw: &str) -> Option<String> {
        let p = tidy::prepare(raw);
        if p.was_nfd {
            self.note(field, Problem::NfdNormalised);
        }
        if p.had_invisible {
            self.note(field, Problem::InvisibleRemoved);
        }
        if p.text.trim().is_empty() {
            self.note(field, Problem::Empty);
            None
        } else if tidy::is_no_info(&p.text) {
            self.note(field, Problem::NoInformation);
            None
        } else {
            Some(p.text)
        }
    }

    /// A one-line field; empty when the portal gave nothing.
    fn line(&mut self, field: &'static str, raw: &str) -> String {
        self.present(field, raw)
            .map(|t| tidy::line(&t))
            .unwrap_or_default()
    }

    /// A multi-paragraph field; empty when the portal gave nothing.
    fn block(&mut self, field: &'static str, raw: &str) -> String {
        self.present(field, raw)
            .map(|t| tidy::block(&t))
            .unwrap_or_default()
    }

    fn levels(&mut self, raw: &str) -> Vec<Level> {
        const FIELD: &str = "cap_thuc_hien";
        let mut levels = Vec::new();
        let Some(text) = self.present(FIELD, raw) else {
            return levels;
        };
        for label in text.split([',', ';']) {
            if label.trim().is_empty() {
                continue;
            }
            match Level::from_label(label) {
                Some(l) if !levels.contains(&l) => levels.push(l),
                Some(_) => {}
                None => self.keep_raw(FIELD, label, Problem::UnknownLevel),
            }
        }
        levels
    }

    /// An agency list. The scrape sometimes put a paragraph of the
    /// procedure's steps, or a run of page labels, into these fields; that
    /// is not a list and is kept raw.
    fn agencies(&mut self, field: &'static str, raw: &str) -> Vec<String> {
        const PAGE_LABELS: [&str; 4] = [
            "Tên thủ tục",
            "Mã thủ tục",
            "Số quyết định",
            "Cấp thực hiện",
        ];
        let Some(text) = self.present(field, raw) else {
            return Vec::new();
        };
        let prose = text.trim().contains('\n')
            || PAGE_LABELS.iter().any(|l| text.contains(l))
            || text
                .trim_start()
                .chars()
                .next()
                .is_some_and(char::is_lowercase);
        if prose {
            self.keep_raw(field, &text, Problem::AgencyKeptRaw);
            return Vec::new();
        }
        tidy::split_list(&text)
    }

    /// `thu_tuc_lien_quan`: "Không có thông tin" nearly always; otherwise a
    /// flattened table "#Tên thủ tục1<name>#1Tên thủ tục<name>" that lists
    /// each name twice (the page's desktop and mobile layouts).
    fn related(&mut self, raw: &str) -> Vec<String> {
        const FIELD: &str = "thu_tuc_lien_quan";
        const HEADER: &str = "Tên thủ tục";
        let Some(text) = self.present(FIELD, raw) else {
            return Vec::new();
        };
        if !text.contains(HEADER) {
            return tidy::split_list(&text);
        }
        self.note(FIELD, Problem::RelatedFromTable);
        let mut out: Vec<String> = Vec::new();
        for piece in text.split('#') {
            let mut p = piece.trim();
            loop {
                let before = p;
                p = p.strip_prefix(HEADER).unwrap_or(p);
                p = p.trim_start_matches(|c: char| c.is_ascii_digit()).trim();
                if p == before {
                    break;
                }
            }
            let name = tidy::line(p);
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

/// Converts one raw record. Fails only when the record has no valid code;
/// everything else that does not parse is kept raw and noted.
pub fn convert_record(raw: &RawRecord) -> Result<Converted, Error> {
    let code = ProcedureCode::parse(&raw.ma_thu_tuc)?;
    let mut cx = Ctx::default();

    let name = cx.line("ten_thu_tuc", &raw.ten_thu_tuc);
    let url = cx.line("detail_url", &raw.detail_url);
    let decision = cx.line("so_quyet_dinh", &raw.so_quyet_dinh);
    let levels = cx.levels(&raw.cap_thuc_hien);
    let kind = cx.line("loai_thu_tuc", &raw.loai_thu_tuc);
    let field = cx.line("linh_vuc", &raw.linh_vuc);
    let ministry = cx.line("_bo_nganh_folder", &raw.bo_nganh_folder);
    let applicants = match cx.present("doi_tuong_thuc_hien", &raw.doi_tuong_thuc_hien) {
        Some(t) => tidy::split_list(&t),
        None => Vec::new(),
    };
    let agencies = Agencies {
        executing: cx.agencies("co_quan_thuc_hien", &raw.co_quan_thuc_hien),
        competent: cx.agencies("co_quan_co_tham_quyen", &raw.co_quan_co_tham_quyen),
        authorized: cx.agencies("co_quan_duoc_uy_quyen", &raw.co_quan_duoc_uy_quyen),
        coordinating: cx.agencies("co_quan_phoi_hop", &raw.co_quan_phoi_hop),
        address: cx.block("dia_chi_tiep_nhan", &raw.dia_chi_tiep_nhan),
    };
    let steps = match cx.present("trinh_tu_thuc_hien", &raw.trinh_tu_thuc_hien) {
        Some(t) => steps::parse(&t),
        None => Vec::new(),
    };
    let channels = match cx.present("cach_thuc_thuc_hien", &raw.cach_thuc_thuc_hien) {
        Some(t) => channels::parse(&t, &mut cx),
        None => Vec::new(),
    };
    let documents = match cx.present("thanh_phan_ho_so", &raw.thanh_phan_ho_so) {
        Some(t) => documents::parse(&t, &mut cx),
        None => Vec::new(),
    };
    let legal_basis = match cx.present("can_cu_phap_ly", &raw.can_cu_phap_ly) {
        Some(t) => legal::parse(&t, &mut cx),
        None => Vec::new(),
    };
    let conditions = cx.block("yeu_cau_dieu_kien", &raw.yeu_cau_dieu_kien);
    let results = match cx.present("ket_qua_xu_ly", &raw.ket_qua_xu_ly) {
        Some(t) => results::parse(&t, &mut cx),
        None => Vec::new(),
    };
    let related = cx.related(&raw.thu_tuc_lien_quan);

    let Ctx { notes, raw } = cx;
    Ok(Converted {
        procedure: Procedure {
            code,
            name,
            url,
            decision,
            levels,
            kind,
            field,
            ministry,
            applicants,
            agencies,
            steps,
            channels,
            documents,
            legal_basis,
            conditions,
            results,
            related,
            raw,
        },
        notes,
    })
}

/// Converts a whole scrape, one JSON object a line. A line that is not a
/// record, has no valid code, or repeats a code already converted is
/// rejected and reported with its line number; blank lines are skipped and
/// counted. Fails only on a read error.
pub fn convert_jsonl(reader: impl BufRead) -> Result<(Vec<Procedure>, ConversionReport), Error> {
    let mut report = ConversionReport::default();
    let mut out: Vec<Procedure> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line?;
        if line.trim().is_empty() {
            report.blank_lines += 1;
            continue;
        }
        report.records_read += 1;
        let raw: RawRecord = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                report.reject(line_no, format!("not a JSON record: {e}"));
                continue;
            }
        };
        match convert_record(&raw) {
            Ok(c) if !seen.insert(c.procedure.code.clone()) => {
                report.reject(line_no, format!("duplicate code {}", c.procedure.code));
            }
            Ok(c) => {
                report.add(&c);
                out.push(c.procedure);
            }
            Err(e) => report.reject(line_no, e.to_string()),
        }
    }
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::model::{Channel, Duration, Fee, LegalDoc, Quantity};
    use unicode_normalization::is_nfc;

    /// Real records of the portal scrape, copied byte for byte, each
    /// chosen for one of its quirks.
    const FIXTURE: &str = include_str!("../../tests/fixtures/raw_tricky.jsonl");

    fn raw(code: &str) -> RawRecord {
        FIXTURE
            .lines()
            .map(|l| serde_json::from_str::<RawRecord>(l).unwrap())
            .find(|r| r.ma_thu_tuc == code)
            .unwrap()
    }

    fn convert(code: &str) -> Converted {
        convert_record(&raw(code)).unwrap()
    }

    fn noted(c: &Converted, field: &str, problem: Problem) -> bool {
        c.notes
            .iter()
            .any(|n| n.field == field && n.problem == problem)
    }

    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }

    #[test]
    fn when_nfd_is_mixed_inside_a_word_should_output_nfc_everywhere() {
        let r = raw("1.010369");
        assert!(!is_nfc(&r.ten_thu_tuc), "the fixture must hold NFD text");
        let c = convert("1.010369");
        assert_eq!(
            c.procedure.name,
            "Chấp thuận DNBH triển khai bảo hiểm khai thác hải sản"
        );
        assert!(noted(&c, "ten_thu_tuc", Problem::NfdNormalised));
        for line in FIXTURE.lines() {
            let c = convert_record(&serde_json::from_str(line).unwrap()).unwrap();
            let mut all = Vec::new();
            strings(&serde_json::to_value(&c.procedure).unwrap(), &mut all);
            for s in all {
                assert!(is_nfc(&s), "{}: {s:?}", c.procedure.code);
            }
        }
    }

    #[test]
    fn when_unit_is_missing_should_keep_amount_without_unit() {
        // "Trực tuyến1Miễn phíTrực tiếp1Miễn phí"
        let c = convert("1.007664");
        let ch = &c.procedure.channels;
        assert_eq!(ch.len(), 2);
        assert_eq!(ch[0].channel, Channel::Online);
        assert_eq!(ch[1].channel, Channel::InPerson);
        for o in ch {
            assert_eq!(o.time, Duration::UnitMissing { amount: 1.0 });
            assert_eq!(o.fee, Fee::Free);
        }
        assert_eq!(
            c.notes
                .iter()
                .filter(|n| n.problem == Problem::TimeUnitMissing)
                .count(),
            2
        );
    }

    #[test]
    fn when_portal_says_no_information_should_be_unknown_and_counted() {
        let c = convert("1.000178");
        assert!(c.procedure.related.is_empty());
        assert!(noted(&c, "thu_tuc_lien_quan", Problem::NoInformation));
        assert!(c.procedure.agencies.authorized.is_empty());
        assert!(noted(&c, "co_quan_duoc_uy_quyen", Problem::Empty));
        // Paragraphs kept, the blank lines between them not.
        assert!(c.procedure.conditions.starts_with(
            "Đảm bảo đúng quy định tại Điều 2, Điều 8 và Điều 11 Luật khiếu nại, cụ thể là:\n+ Người khiếu nại phải là người có quyền"
        ));
        assert!(!c.procedure.conditions.contains("\n\n"));
        // "Dịch vụ bưu chính60 Ngày làm việcKhông có thông tin…"
        let postal = &c.procedure.channels[0];
        assert_eq!(postal.channel, Channel::Postal);
        assert_eq!(
            postal.time,
            Duration::Fixed {
                amount: 60.0,
                unit: crate::catalogue::model::DurationUnit::WorkingDay
            }
        );
        assert_eq!(postal.fee, Fee::Unknown);
        assert!(
            postal
                .description
                .starts_with("Thời hạn giải quyết khiếu nại lần đầu")
        );
        assert!(noted(&c, "cach_thuc_thuc_hien", Problem::FeeUnknown));
    }

    #[test]
    fn when_result_carries_portal_page_text_should_keep_only_result_names() {
        let c = convert("1.003777");
        assert_eq!(
            c.procedure.results,
            [
                "Quyết định về việc hưởng chế độ trợ cấp hàng tháng (Mẫu số 05A)",
                "Quyết định về việc hưởng chế độ trợ cấp một lần (Mẫu số 05B)"
            ]
        );
        assert!(noted(&c, "ket_qua_xu_ly", Problem::ResultNoiseStripped));
        // The page's keyword box said something: kept, not dropped.
        assert!(c.procedure.raw.iter().any(|r| r.field == "ket_qua_xu_ly"
            && r.text.starts_with("Từ khóa: Xét hưởng chế độ trợ cấp")));
        let c = convert("1.010369");
        assert_eq!(
            c.procedure.results,
            ["Văn bản trả lời DNBH về đề nghị triển khai bảo hiểm khai thác hải sản"]
        );
        assert!(c.procedure.raw.is_empty());
    }

    #[test]
    fn when_table_amount_contradicts_its_description_should_keep_the_description_as_text() {
        // "Trực tiếp5 Ngày làm việc135 VNĐ(Lệ phí cấp giấy phép lái xe:
        // 135.000 đồng/lần.)": 135 đồng is not the fee.
        let c = convert("3.000350");
        let o = &c.procedure.channels[0];
        assert_eq!(
            o.fee,
            Fee::Text {
                text: "Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.".into()
            }
        );
        assert!(noted(
            &c,
            "cach_thuc_thuc_hien",
            Problem::FeeImplausibleAmount
        ));
        assert_eq!(
            c.procedure.raw[0].text,
            "Trực tiếp5 Ngày làm việc135 VNĐ(Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)"
        );
        // "Miễn phí" while the description names 135.000 đồng.
        let c = convert("3.000353");
        let Fee::Text { text } = &c.procedure.channels[0].fee else {
            panic!("{:?}", c.procedure.channels[0].fee)
        };
        assert!(text.starts_with("- Nộp trực tiếp: 135.000 đồng/lần."));
        assert!(noted(
            &c,
            "cach_thuc_thuc_hien",
            Problem::FeeFreeContradictsNote
        ));
    }

    #[test]
    fn when_time_and_fee_digits_run_together_should_not_guess_either() {
        // "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)": 1 day and 20 (thousand)
        // đồng, or 120 đồng, or 12 days…
        let c = convert("1.000014");
        for o in &c.procedure.channels {
            assert_eq!(o.time, Duration::Unknown);
            assert_eq!(
                o.fee,
                Fee::Text {
                    text: "20.000 vnđ /tờ khai".into()
                }
            );
        }
        assert_eq!(
            c.procedure.raw[0].text,
            "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)"
        );
        assert!(noted(
            &c,
            "cach_thuc_thuc_hien",
            Problem::TimeFeeRunTogether
        ));
    }

    #[test]
    fn when_time_column_holds_words_should_keep_them_raw_and_read_the_rest_of_the_row() {
        let c = convert("1.007689");
        let ch = &c.procedure.channels;
        assert_eq!(
            ch.iter().map(|o| o.channel).collect::<Vec<_>>(),
            [Channel::Online, Channel::Postal, Channel::InPerson]
        );
        assert!(
            ch.iter()
                .all(|o| o.time == Duration::Unknown && o.fee == Fee::Free)
        );
        assert!(ch[0].description.starts_with("Bằng phương thức điện tử"));
        assert_eq!(
            c.procedure.raw[0].text,
            "Trực tuyếnKhông phải trả kết quả cho người nộp thuế"
        );
    }

    #[test]
    fn when_channel_has_several_rows_should_keep_each_row() {
        let c = convert("1.003777");
        let ch = &c.procedure.channels;
        assert_eq!(ch.len(), 3);
        assert!(ch.iter().all(|o| o.channel == Channel::InPerson));
        assert_eq!(
            ch[1].description,
            "- Công an cấp tỉnh: 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ."
        );
        assert_eq!(
            ch[2].description,
            "- Cục Tổ chức cán bộ: 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ."
        );
    }

    #[test]
    fn when_documents_table_has_several_cases_should_group_them_with_quantities() {
        let c = convert("2.002610");
        let g = &c.procedure.documents;
        assert_eq!(g.len(), 2);
        assert_eq!(
            g[0].case,
            "+ Tổ chức nộp Hồ sơ đăng ký trên Hệ thống gồm các tài liệu sau:"
        );
        assert_eq!(g[0].documents.len(), 3);
        assert_eq!(g[0].documents[1].name, "(ii) Giấy ủy quyền (nếu có)");
        assert_eq!(
            g[1].case,
            "+ Cá nhân nộp Hồ sơ đăng ký trên Hệ thống gồm các tài liệu sau"
        );
        assert_eq!(
            g[1].documents[0].name,
            "(ii) Bản chụp hộ chiếu hoặc tài liệu tương đương đối với cá nhân mang quốc tịch nước ngoài."
        );
        assert_eq!(
            g[1].documents[0].quantity,
            Some(Quantity {
                originals: 0,
                copies: 1
            })
        );
        assert!(c.procedure.raw.is_empty());
    }

    #[test]
    fn when_documents_list_forms_should_name_the_files() {
        let c = convert("1.003777");
        let d = &c.procedure.documents[0].documents[0];
        assert_eq!(d.name, "Bản khai cá nhân (Mẫu số 03).");
        assert_eq!(d.forms, ["Mẫu 03.TT41.doc"]);
    }

    #[test]
    fn when_legal_row_has_no_number_should_keep_title_with_empty_number() {
        let c = convert("3.000353");
        assert!(c.procedure.legal_basis.contains(&LegalDoc {
            title: "Luật Hóa chất".into(),
            number: String::new()
        }));
        assert!(noted(&c, "can_cu_phap_ly", Problem::LegalWithoutNumber));
        let c = convert("1.010369");
        assert_eq!(
            c.procedure.legal_basis[1],
            LegalDoc {
                title: "Kinh doanh bảo hiểm".into(),
                number: "24/2000/QH10".into()
            }
        );
    }

    #[test]
    fn when_levels_and_lists_are_comma_separated_should_split_them() {
        let c = convert("3.000164");
        assert_eq!(
            c.procedure.levels,
            [Level::Central, Level::Province, Level::Commune]
        );
        let c = convert("2.002610");
        assert_eq!(
            c.procedure.applicants,
            [
                "Công dân Việt Nam",
                "Doanh nghiệp",
                "Hợp tác xã",
                "Doanh nghiệp có vốn đầu tư nước ngoài",
                "Tổ chức (không bao gồm doanh nghiệp, HTX)"
            ]
        );
        assert_eq!(c.procedure.ministry, "bo-tai-chinh");
        assert_eq!(c.procedure.field, "Đấu thầu");
    }

    #[test]
    fn when_steps_are_numbered_should_split_on_the_markers() {
        let c = convert("1.010369");
        assert_eq!(
            c.procedure.steps,
            [
                "+ Bước 1: Doanh nghiệp bảo hiểm nộp hồ sơ cho Bộ Tài chính.",
                "+ Bước 2: Bộ Tài chính xem xét, thẩm định hồ sơ đề nghị;",
                "+ Bước 3: Bộ Tài chính có văn bản trả lời"
            ]
        );
    }

    #[test]
    fn when_a_line_is_not_a_record_should_reject_it_with_its_line_number() {
        let good = FIXTURE.lines().next().unwrap();
        let input = format!(
            "{good}\nnot json\n\n{{\"ten_thu_tuc\": \"no code\"}}\n{good}\n{{\"ma_thu_tuc\": \"1.0001\"}}\n"
        );
        let (procs, report) = convert_jsonl(input.as_bytes()).unwrap();
        assert_eq!(procs.len(), 1);
        assert_eq!(report.records_read, 5);
        assert_eq!(report.records_converted, 1);
        assert_eq!(report.blank_lines, 1);
        let lines: Vec<usize> = report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 5, 6]);
        assert!(
            report.rejected[2]
                .reason
                .contains("duplicate code 1.010369")
        );
        let shown = report.to_string();
        assert!(shown.contains("rejected line 2: not a JSON record"));
        assert!(shown.contains("records read: 5, converted: 1, rejected: 4"));
    }

    #[test]
    fn when_converting_the_fixture_should_count_problems_by_field() {
        let (procs, report) = convert_jsonl(FIXTURE.as_bytes()).unwrap();
        assert_eq!(procs.len(), FIXTURE.lines().count());
        assert!(report.rejected.is_empty());
        assert_eq!(
            report.count("cach_thuc_thuc_hien", Problem::TimeUnitMissing),
            // 1.007664 and 3.000164, two rows each.
            4
        );
        assert_eq!(report.count("can_cu_phap_ly", Problem::PageTextKeptRaw), 1);
        assert_eq!(report.total(Problem::TimeFeeRunTogether), 2);
        let shown = report.to_string();
        assert!(shown.contains("time unit missing, number kept without unit"));
        assert!(shown.contains("  cach_thuc_thuc_hien\n"));
        let channel_rows: usize = procs.iter().map(|p| p.channels.len()).sum();
        assert_eq!(report.parsed.channel_rows, channel_rows);
        assert_eq!(
            report.parsed.forms,
            procs.iter().map(|p| p.forms().count()).sum::<usize>()
        );
        assert!(shown.contains(&format!("channel rows: {channel_rows} (")));
    }
}
