//! The converter from VietMap's administrative data to the project's
//! `data/admin/wards.json` (read by [`super::areas::Areas`]).
//!
//! Inputs, from the public repository
//! `vietmap-company/vietnam_administrative_address` (licence: attribute
//! "Administrative data provided by VietMap"; derived data stays open):
//! - the commune-level units of Đà Nẵng since 1 July 2025, a JSON array of
//!   `{name, type: phuong|xa|dac-khu, slug, name_with_type, code,
//!   parent_code, …}`;
//! - the old-to-new table, CSV with the header
//!   `city_id_old,city_name_old,district_id_old,district_name_old,ward_id_old,ward_name_old,city_id_new,city_name_new,ward_id_new,ward_new_name`.
//!
//! New wards are matched by name with type (`ward_new_name` against
//! `name_with_type`), not by `ward_id_new`, which need not equal the JSON's
//! `code`; a row whose target matches none of the units is reported, not
//! guessed. The table gives each old ward one target, even where the
//! merger split a ward between several new ones (a known limitation of the
//! source), so an old district maps to the set of its wards' targets.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::areas::{ATTRIBUTION, AreasFile, District, Kind, Ward, sort_codes};
use crate::Error;
use crate::text::{folded_key, normalize};

/// Where the data comes from, as recorded in the output.
pub const SOURCE: &str = "https://github.com/vietmap-company/vietnam_administrative_address";

/// The columns the old-to-new table must have.
const COLUMNS: [&str; 10] = [
    "city_id_old",
    "city_name_old",
    "district_id_old",
    "district_name_old",
    "ward_id_old",
    "ward_name_old",
    "city_id_new",
    "city_name_new",
    "ward_id_new",
    "ward_new_name",
];

/// One unit of VietMap's JSON; other fields are ignored.
#[derive(Debug, Deserialize)]
struct VietMapWard {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    name_with_type: String,
    code: String,
}

/// The result of a conversion: the file to write and what to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The content of `data/admin/wards.json`: one ward or district a
    /// line, wards in code order, districts by province and name, former
    /// names sorted; the same inputs give the same bytes.
    pub json: String,
    /// Current wards written.
    pub wards: usize,
    /// Former ward names written (over all wards).
    pub former: usize,
    /// Old districts written.
    pub districts: usize,
    /// Rows whose target matches none of the current wards (`line: …`).
    pub unresolved: Vec<String>,
    /// Rows whose `ward_id_new` differs from the matched ward's code
    /// (informational: the name decides).
    pub code_mismatches: Vec<String>,
    /// Current wards that no row maps to.
    pub without_former: Vec<String>,
}

impl fmt::Display for Conversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} wards, {} former ward names, {} old districts",
            self.wards, self.former, self.districts
        )?;
        let lists = [
            ("rows with an unknown target", &self.unresolved),
            (
                "rows whose ward_id_new is not the ward's code",
                &self.code_mismatches,
            ),
            ("wards without a former name", &self.without_former),
        ];
        for (i, (what, items)) in lists.into_iter().enumerate() {
            write!(f, "{what}: {}", items.len())?;
            for item in items {
                write!(f, "\n  {item}")?;
            }
            if i + 1 < lists.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting: `"a,b"`, `""`).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// NFC and single spaces, case kept.
fn tidy(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Thành Phố Đà Nẵng" → "thành phố Đà Nẵng", "Tỉnh Quảng Nam" → "tỉnh
/// Quảng Nam".
fn province(s: &str) -> String {
    let s = tidy(s);
    for prefix in ["thành phố ", "tỉnh "] {
        if let Some(head) = s.get(..prefix.len())
            && normalize(head) == prefix.trim_end()
        {
            return format!("{prefix}{}", &s[prefix.len()..]);
        }
    }
    s
}

/// Converts VietMap's units and old-to-new table into the project's
/// `wards.json` (see [`Conversion`]). Fails on input that cannot be read
/// (bad JSON, a missing column, an unknown unit type); rows that cannot be
/// placed are reported in the result instead.
pub fn convert(wards_json: &str, old_to_new_csv: &str) -> Result<Conversion, Error> {
    let units: Vec<VietMapWard> = serde_json::from_str(wards_json)?;
    let mut wards = Vec::with_capacity(units.len());
    let mut by_name = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        let kind = match u.kind.as_str() {
            "phuong" => Kind::Phuong,
            "xa" => Kind::Xa,
            "dac-khu" => Kind::DacKhu,
            other => {
                return Err(Error::Parse {
                    line: i + 1,
                    message: format!("unit {} has unknown type {other:?}", u.code),
                });
            }
        };
        if by_name.insert(normalize(&u.name_with_type), i).is_some() {
            return Err(Error::Parse {
                line: i + 1,
                message: format!("two units are called {}", u.name_with_type),
            });
        }
        wards.push(Ward {
            code: u.code.trim().to_owned(),
            name: tidy(&u.name),
            kind: kind.label().to_owned(),
            former: Vec::new(),
        });
    }

    let mut lines = old_to_new_csv.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| csv_fields(h.trim_start_matches('\u{feff}')))
        .unwrap_or_default();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| Error::Parse {
                line: 1,
                message: format!("the table has no column {name}"),
            })
    };
    let mut at = [0; COLUMNS.len()];
    for (slot, name) in at.iter_mut().zip(COLUMNS) {
        *slot = column(name)?;
    }
    let [
        _,
        city_old,
        _,
        district_old,
        _,
        ward_old,
        _,
        _,
        id_new,
        name_new,
    ] = at;

    let mut districts: BTreeMap<(String, Kind, String), Vec<String>> = BTreeMap::new();
    let mut unresolved = Vec::new();
    let mut code_mismatches = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line);
        if fields.len() != header.len() {
            return Err(Error::Parse {
                line: line_no,
                message: format!("{} fields, expected {}", fields.len(), header.len()),
            });
        }
        let field = |i: usize| tidy(&fields[i]);
        let (old_ward, old_district, target) =
            (field(ward_old), field(district_old), field(name_new));
        let Some(&w) = by_name.get(&normalize(&target)) else {
            unresolved.push(format!(
                "line {line_no}: {target} (for {old_ward}, {old_district})"
            ));
            continue;
        };
        if field(id_new) != wards[w].code {
            code_mismatches.push(format!(
                "line {line_no}: {target}: ward_id_new {} but code {}",
                field(id_new),
                wards[w].code
            ));
        }
        let (district_kind, district_name) = Kind::split_prefix(&old_district)
            .filter(|(k, _)| k.is_district())
            .ok_or_else(|| Error::Parse {
                line: line_no,
                message: format!("unknown district type in {old_district:?}"),
            })?;
        districts
            .entry((
                province(&fields[city_old]),
                district_kind,
                district_name.clone(),
            ))
            .or_default()
            .push(wards[w].code.clone());
        // Huyện Hoàng Sa had no wards: the row maps the district only.
        if old_ward.is_empty() {
            continue;
        }
        let (ward_kind, ward_name) = Kind::split_prefix(&old_ward)
            .filter(|(k, _)| !k.is_district())
            .ok_or_else(|| Error::Parse {
                line: line_no,
                message: format!("unknown ward type in {old_ward:?}"),
            })?;
        let former = format!(
            "{} {ward_name}, {} {district_name}",
            ward_kind.label(),
            district_kind.label()
        );
        if !wards[w].former.contains(&former) {
            wards[w].former.push(former);
        }
    }

    let former = wards.iter().map(|w| w.former.len()).sum();
    let without_former = wards
        .iter()
        .filter(|w| w.former.is_empty())
        .map(Ward::label)
        .collect();
    for w in &mut wards {
        w.former.sort_by_cached_key(|f| (folded_key(f), f.clone()));
    }
    wards.sort_by(|a, b| (a.code.len(), &a.code).cmp(&(b.code.len(), &b.code)));
    let mut districts: Vec<District> = districts
        .into_iter()
        .map(|((province, kind, name), mut codes)| {
            sort_codes(&mut codes);
            District {
                name,
                kind: kind.label().to_owned(),
                province,
                wards: codes,
            }
        })
        .collect();
    districts
        .sort_by_cached_key(|d| (folded_key(&d.province), folded_key(&d.name), d.kind.clone()));

    let file = AreasFile {
        attribution: ATTRIBUTION.to_owned(),
        source: SOURCE.to_owned(),
        wards,
        districts,
    };
    Ok(Conversion {
        json: layout(&file)?,
        wards: file.wards.len(),
        former,
        districts: file.districts.len(),
        unresolved,
        code_mismatches,
        without_former,
    })
}

/// Compact JSON with one ward or district a line, so that a new release of
/// the source diffs line by line.
fn layout(file: &AreasFile) -> Result<String, Error> {
    let mut out = String::new();
    out.push_str(&format!(
        "{{\"attribution\":{},\"source\":{},\"wards\":[\n",
        serde_json::to_string(&file.attribution)?,
        serde_json::to_string(&file.source)?
    ));
    for (i, w) in file.wards.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&serde_json::to_string(w)?);
    }
    out.push_str("\n],\"districts\":[\n");
    for (i, d) in file.districts.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&serde_json::to_string(d)?);
    }
    out.push_str("\n]}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::areas::Areas;

    const UNITS: &str = r#"[
        {"name":"Hải Châu","type":"phuong","slug":"hai-chau","name_with_type":"Phường Hải Châu","code":"19469","parent_code":"13"},
        {"name":"Hòa Cường","type":"phuong","slug":"hoa-cuong","name_with_type":"Phường Hòa Cường","code":"19725","parent_code":"13"},
        {"name":"Hoàng Sa","type":"dac-khu","slug":"hoang-sa","name_with_type":"Đặc Khu Hoàng Sa","code":"1549","parent_code":"13"}
    ]"#;

    const TABLE: &str = "\u{feff}city_id_old,city_name_old,district_id_old,district_name_old,ward_id_old,ward_name_old,city_id_new,city_name_new,ward_id_new,ward_new_name
14,Thành Phố Đà Nẵng,1,Quận Hải Châu,2,Phường Hòa Cường Bắc,13,Thành Phố Đà Nẵng,19725,Phường Hòa Cường
14,Thành Phố Đà Nẵng,1,Quận Hải Châu,3,Phường Hải Châu,13,Thành Phố Đà Nẵng,999,Phường Hải Châu
14,Thành Phố Đà Nẵng,1,Quận Hải Châu,4,\"Phường Thạch Thang\",13,Thành Phố Đà Nẵng,19469,phường hải châu
14,Thành Phố Đà Nẵng,5,Huyện Hoàng Sa,,,13,Thành Phố Đà Nẵng,1549,Đặc Khu Hoàng Sa
14,Thành Phố Đà Nẵng,6,Quận Sơn Trà,7,Phường Mân Thái,13,Thành Phố Đà Nẵng,20749,Phường Sơn Trà
";

    #[test]
    fn when_converting_should_match_targets_by_name_and_report_the_rest() {
        let c = convert(UNITS, TABLE).expect("converts");
        assert_eq!((c.wards, c.former, c.districts), (3, 3, 2));
        assert_eq!(c.unresolved.len(), 1, "Sơn Trà is not among the units");
        assert!(c.unresolved[0].starts_with("line 6: Phường Sơn Trà"), "{c}");
        assert_eq!(c.code_mismatches.len(), 1, "999 is not Hải Châu's code");
        assert_eq!(c.without_former, vec!["đặc khu Hoàng Sa".to_owned()]);
        let areas = Areas::from_json(&c.json).expect("the output loads");
        let hai_chau = areas.ward("19469").expect("Hải Châu");
        assert_eq!(
            hai_chau.former,
            vec![
                "phường Hải Châu, quận Hải Châu".to_owned(),
                "phường Thạch Thang, quận Hải Châu".to_owned()
            ]
        );
        let d = &areas.districts()[0];
        assert_eq!(
            (d.kind.as_str(), d.name.as_str(), d.province.as_str()),
            ("quận", "Hải Châu", "thành phố Đà Nẵng")
        );
        assert_eq!(d.wards, vec!["19469".to_owned(), "19725".to_owned()]);
        assert_eq!(
            areas.find_in("huyện Hoàng Sa").map(|a| a.wards),
            Some(vec!["1549".to_owned()])
        );
        // Deterministic: the same input, the same bytes; one unit a line.
        assert_eq!(convert(UNITS, TABLE).expect("converts").json, c.json);
        assert_eq!(c.json.lines().count(), 1 + 3 + 1 + 2 + 1);
    }

    #[test]
    fn when_the_table_lacks_a_column_should_fail() {
        let table = "city_id_old,city_name_old\n14,Đà Nẵng\n";
        assert!(matches!(
            convert(UNITS, table),
            Err(Error::Parse { line: 1, .. })
        ));
        let units = r#"[{"name":"X","type":"quan","name_with_type":"Quận X","code":"1"}]"#;
        assert!(convert(units, TABLE).is_err());
    }
}
