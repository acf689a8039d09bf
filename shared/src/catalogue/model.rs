//! The procedure model the whole product speaks: what one administrative
//! procedure (thủ tục hành chính) is, parsed out of the national portal's
//! flattened fields into structure.
//!
//! Anything the converter could not parse with confidence is kept verbatim in
//! a `raw` field next to the structure it belongs to, so nothing is lost.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Mã thủ tục on the national portal: a digit, a dot and six digits
/// (`1.001193`, `2.001583`, `3.000347`). Kept as its eight bytes: search
/// results carry codes by the handful per message, and a copy is then no
/// allocation.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode([u8; 8]);

impl ProcedureCode {
    /// Accepts the portal's form, surrounded by whitespace or not.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        match <[u8; 8]>::try_from(s.as_bytes()) {
            Ok(b)
                if b[0].is_ascii_digit()
                    && b[1] == b'.'
                    && b[2..].iter().all(u8::is_ascii_digit) =>
            {
                Ok(Self(b))
            }
            _ => Err(Error::InvalidProcedureCode(s.chars().take(32).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Digits and a dot only (checked by `parse`, the one way in).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProcedureCode")
            .field(&self.as_str())
            .finish()
    }
}

impl std::str::FromStr for ProcedureCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ProcedureCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<ProcedureCode> for String {
    fn from(c: ProcedureCode) -> String {
        c.as_str().to_owned()
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Cấp thực hiện: which tier of government handles the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cấp xã (phường, xã, đặc khu) — the level a city's citizens meet first.
    Commune,
    /// Cấp tỉnh (thành phố trực thuộc trung ương, its departments).
    Province,
    /// Cấp bộ / trung ương.
    Central,
    /// Cơ quan khác (courts, state-owned bodies, …).
    Other,
}

impl Level {
    /// Parses one item of the portal's `cap_thuc_hien` list ("Cấp xã").
    pub fn from_label(label: &str) -> Option<Self> {
        let folded = crate::text::folded_key(label);
        match folded.as_str() {
            "cap xa" => Some(Self::Commune),
            "cap tinh" => Some(Self::Province),
            "cap bo" | "cap trung uong" => Some(Self::Central),
            "co quan khac" => Some(Self::Other),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Commune => "Cấp xã",
            Self::Province => "Cấp tỉnh",
            Self::Central => "Cấp trung ương",
            Self::Other => "Cơ quan khác",
        }
    }
}

/// Cách thức thực hiện: how a dossier can be submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Trực tiếp: at the counter.
    InPerson,
    /// Trực tuyến: on the public-service portal.
    Online,
    /// Dịch vụ bưu chính: by post.
    Postal,
}

impl Channel {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::InPerson => "Trực tiếp",
            Self::Online => "Trực tuyến",
            Self::Postal => "Qua bưu chính",
        }
    }
}

/// Unit of a processing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Hour,
    WorkingDay,
    Day,
    Month,
    Year,
}

/// Thời hạn giải quyết for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Duration {
    /// A number with a unit ("15 Ngày làm việc"). `amount` may be fractional
    /// ("0.5 Ngày làm việc").
    Fixed { amount: f64, unit: DurationUnit },
    /// A number whose unit the portal lost ("Trực tuyến1Miễn phí"): kept
    /// as given, never guessed.
    UnitMissing { amount: f64 },
    /// The portal says nothing ("Không có thông tin") or left it empty.
    Unknown,
}

/// Phí, lệ phí for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fee {
    /// Miễn phí / không thu phí.
    Free,
    /// One or more amounts in đồng, as listed ("100,000 Việt Nam Đồng").
    Amount { dong: Vec<u64> },
    /// The portal says nothing.
    Unknown,
    /// Text that states a fee without a usable amount (a percentage, "theo
    /// quy định", an amount whose unit looks wrong): kept verbatim.
    Text { text: String },
}

/// One row of the `cach_thuc_thuc_hien` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelOption {
    pub channel: Channel,
    pub time: Duration,
    pub fee: Fee,
    /// The free-text description column ("Mô tả"), often the real detail
    /// of the time and fee.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The parenthesised text the portal prints after the fee ("Lệ phí cấp
    /// giấy phép lái xe: 135.000 đồng/lần."): it often states the real
    /// amounts and whom they apply to. Empty when the fee itself became
    /// [`Fee::Text`] holding that text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fee_note: String,
}

/// Số lượng: how many originals and copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quantity {
    pub originals: u32,
    pub copies: u32,
}

/// One document to submit (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub name: String,
    /// File names of form templates (mẫu đơn, tờ khai), when the portal
    /// lists any ("Mẫu số 05.docx").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
}

/// Documents grouped by case ("Trường hợp …"); `case` is empty when the
/// procedure has one list for everybody.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentGroup {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub case: String,
    pub documents: Vec<Document>,
}

/// One item of căn cứ pháp lý.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalDoc {
    pub title: String,
    /// Số hiệu ("68/2013/TT-BCA"); empty when the portal gave none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub number: String,
}

/// Agencies involved.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Agencies {
    /// Cơ quan thực hiện.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub executing: Vec<String>,
    /// Cơ quan có thẩm quyền.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub competent: Vec<String>,
    /// Cơ quan được ủy quyền.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorized: Vec<String>,
    /// Cơ quan phối hợp.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordinating: Vec<String>,
    /// Địa chỉ tiếp nhận hồ sơ, when given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
}

impl Agencies {
    pub fn is_empty(&self) -> bool {
        self.executing.is_empty()
            && self.competent.is_empty()
            && self.authorized.is_empty()
            && self.coordinating.is_empty()
            && self.address.is_empty()
    }
}

/// A piece of the source the converter could not parse with confidence,
/// kept verbatim with the name of the source field it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawPiece {
    pub field: String,
    pub text: String,
}

/// One administrative procedure, all text NFC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name: String,
    /// The procedure's page on the national public-service portal.
    pub url: String,
    /// Quyết định công bố ("QĐ/0001-BCA").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub decision: String,
    pub levels: Vec<Level>,
    /// Loại thủ tục.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Lĩnh vực.
    pub field: String,
    /// The ministry or sector whose catalogue lists it (`bo-cong-an`, …).
    pub ministry: String,
    /// Đối tượng thực hiện.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applicants: Vec<String>,
    #[serde(default, skip_serializing_if = "Agencies::is_empty")]
    pub agencies: Agencies,
    /// Trình tự thực hiện, one entry per step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// Cách thức thực hiện, one entry per channel row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelOption>,
    /// Thành phần hồ sơ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentGroup>,
    /// Căn cứ pháp lý.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<LegalDoc>,
    /// Yêu cầu, điều kiện (free text; empty when none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conditions: String,
    /// Kết quả thực hiện, one entry per result document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
    /// Thủ tục liên quan (codes or names as the portal lists them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Pieces the converter kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw: Vec<RawPiece>,
}

/// What the search index and the dialogue's lists need of a procedure; the
/// rest ([`Procedure`]) is fetched when the procedure is answered. Small
/// enough for every function to hold all of them from its cold start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub code: ProcedureCode,
    /// Shared with the search hits that name this entry.
    pub name: std::sync::Arc<str>,
    pub url: String,
    pub levels: Vec<Level>,
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
    /// Executing, then competent agencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<String>,
}

impl From<&Procedure> for Entry {
    fn from(p: &Procedure) -> Self {
        Self {
            code: p.code.clone(),
            name: p.name.as_str().into(),
            url: p.url.clone(),
            levels: p.levels.clone(),
            field: p.field.clone(),
            results: p.results.clone(),
            agencies: p
                .agencies
                .executing
                .iter()
                .chain(&p.agencies.competent)
                .cloned()
                .collect(),
        }
    }
}

impl Procedure {
    /// Whether the dossier can be submitted on the public-service portal.
    pub fn online(&self) -> bool {
        self.channels.iter().any(|c| c.channel == Channel::Online)
    }

    /// Every form template named anywhere in the documents list.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        self.documents
            .iter()
            .flat_map(|g| &g.documents)
            .flat_map(|d| &d.forms)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_code_has_portal_form_should_parse() {
        assert_eq!(
            ProcedureCode::parse(" 1.001193 ").unwrap().as_str(),
            "1.001193"
        );
    }

    #[test]
    fn a_code_should_print_serialise_and_sort_as_its_text() {
        let codes: Vec<ProcedureCode> = ["2.001583", "1.001193", "1.013949"]
            .iter()
            .map(|c| ProcedureCode::parse(c).unwrap())
            .collect();
        let c = &codes[0];
        assert_eq!(c.to_string(), "2.001583");
        assert_eq!(format!("{c:?}"), r#"ProcedureCode("2.001583")"#);
        assert_eq!(serde_json::to_string(c).unwrap(), r#""2.001583""#);
        assert_eq!(
            serde_json::from_str::<ProcedureCode>(r#""2.001583""#).unwrap(),
            *c
        );
        assert!(serde_json::from_str::<ProcedureCode>(r#""2.00158""#).is_err());
        let mut sorted = codes.clone();
        sorted.sort();
        let mut texts: Vec<&str> = codes.iter().map(ProcedureCode::as_str).collect();
        texts.sort();
        assert_eq!(
            sorted.iter().map(ProcedureCode::as_str).collect::<Vec<_>>(),
            texts
        );
    }

    #[test]
    fn when_code_is_malformed_should_reject() {
        for bad in [
            "",
            "1001193",
            "1.00119",
            "1.0011934",
            "a.001193",
            "1,001193",
        ] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn when_level_label_has_any_spelling_should_parse() {
        assert_eq!(Level::from_label("Cấp xã"), Some(Level::Commune));
        assert_eq!(Level::from_label(" cấp Tỉnh"), Some(Level::Province));
        assert_eq!(Level::from_label("Cấp bộ"), Some(Level::Central));
        assert_eq!(Level::from_label("Cơ quan khác"), Some(Level::Other));
        assert_eq!(Level::from_label("Cấp huyện"), None);
    }
}
