//! The converter: from the 2023 stop data (fumodayo/city-bus-tracking) and
//! the 2025–2026 route table (tranviethaidn/danabus) to the project's
//! [`Network`], with stop codes kept stable by a register.
//!
//! Pure: it takes the sources' text and returns the network, the updated
//! register and a report; reading and writing files is the caller's job
//! (`chatbot bus convert`).
//!
//! # Physical stops
//!
//! The stop data has one record per route direction and stop, so a pole
//! served by three routes appears three times, under names that differ in
//! spelling ("Số 07 Lý Tự Trọng" / "07 Lý Tự Trọng") or altogether
//! ("Bệnh viện Vinmec" / "325-327 Nguyễn Hữu Thọ"). Two records are linked
//! when:
//! - **same name**: their names agree once folded (case, diacritics, "Số",
//!   "đường", "Đ/d" for "Đối diện", spacing) and they are at most
//!   [`SAME_NAME_RADIUS_M`] apart, whatever their direction; or
//! - **same side**: they belong to different routes, are at most
//!   [`SAME_SIDE_RADIUS_M`] apart and their buses travel the same way (the
//!   directions from the previous to the next stop make an angle under
//!   90°). Buses going opposite ways stop on opposite sides of the street,
//!   and the source's coordinates put such pairs as little as 1 m apart,
//!   so distance alone would merge them; or
//! - **terminal**: they are the last stop of one direction and the first of
//!   the other direction of the same route, at most [`TERMINAL_RADIUS_M`]
//!   apart.
//!
//! Linked records form one stop unless that would put two records of the
//! same route direction in one stop, or two records more than
//! [`MAX_STOP_SPREAD_M`] apart (links are applied nearest first).
//!
//! Stops get their codes from the register (see [`super::codes`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::codes::assign_codes;
pub use super::codes::{CodeEntry, CodeRegister, FIRST_CODE, LAST_CODE};
use super::csv::Table;
use super::geo::haversine_m;
use super::model::{Direction, Network, Place, Route, RouteStatus, Service, Stop};
use super::route_key;
use crate::Error;
use crate::text;

/// Records with the same folded name at most this far apart are one stop.
pub const SAME_NAME_RADIUS_M: f64 = 40.0;
/// Records of different routes travelling the same way at most this far
/// apart are one stop.
pub const SAME_SIDE_RADIUS_M: f64 = 25.0;
/// The two ends of a route's directions at most this far apart are one stop.
pub const TERMINAL_RADIUS_M: f64 = 10.0;
/// No two records of one stop are further apart than this.
pub const MAX_STOP_SPREAD_M: f64 = 60.0;
/// The source's "near" place is kept only when the stop is at most this far
/// from it: the source gives "Chợ đêm Sơn Trà" to stops 14 km away.
pub const NEAR_PLACE_MAX_M: f64 = 800.0;

/// Misspellings in the stop data's names, corrected as whole words.
const NAME_FIXES: &[(&str, &str)] = &[
    ("Trường Tiếu học", "Trường Tiểu học"),
    ("Tôn Đẳn", "Tôn Đản"),
    ("Trường Chỉnh", "Trường Chinh"),
    ("Thái Thi Bôi", "Thái Thị Bôi"),
    ("Lệ Sơn Bac", "Lệ Sơn Bắc"),
    ("chủa Phước Ninh", "chùa Phước Ninh"),
    ("8V Tâm Trí", "BV Tâm Trí"),
    ("số lẽ", "số lẻ"),
    ("0lalani", "Olalani"),
    ("đổi diện", "đối diện"),
    ("Vinmex", "Vinmec"),
    ("Vietronimex", "Viettronimex"),
    ("VWK", "VVK"),
    ("Nha hang", "Nhà hàng"),
    ("Dien Bien Phu", "Điện Biên Phủ"),
    ("Nui Thanh", "Núi Thành"),
];

/// Street names the stop data cuts short, completed when they end a name.
const NAME_ENDINGS: &[(&str, &str)] = &[
    ("Lê Đ", "Lê Đại Hành"),
    ("Nguyễn Lương", "Nguyễn Lương Bằng"),
];

/// Abbreviations in the stop data's terminal names, spelt out.
const TERMINAL_ABBREVIATIONS: &[(&str, &str)] = &[
    ("CV", "Công viên"),
    ("BX", "Bến xe"),
    ("KDL", "Khu du lịch"),
    ("TTHC", "Trung tâm hành chính"),
];

/// What one conversion produces.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The network to ship.
    pub network: Network,
    /// The register to save for the next conversion.
    pub register: CodeRegister,
    /// What happened, for the maintainer.
    pub report: Report,
}

/// Counts and changes of one conversion.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Stop records read from the stop data.
    pub records: usize,
    /// Physical stops made from them.
    pub stops: usize,
    /// Routes read from the route table.
    pub routes: usize,
    /// Places read from the stop data.
    pub places: usize,
    /// Codes given for the first time.
    pub new_codes: Vec<String>,
    /// Codes of the register that no stop has any more (never reused).
    pub retired_codes: Vec<String>,
    /// Route codes of the stop data that the route table does not map to a
    /// current route; their services keep the old code.
    pub unmapped_routes: Vec<String>,
    /// Stops whose source "near" place was dropped as too far away.
    pub dropped_near: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} stop records → {} physical stops; {} routes; {} places",
            self.records, self.stops, self.routes, self.places
        )?;
        writeln!(
            f,
            "codes: {} new, {} retired",
            self.new_codes.len(),
            self.retired_codes.len()
        )?;
        if !self.retired_codes.is_empty() {
            writeln!(f, "retired: {}", self.retired_codes.join(", "))?;
        }
        if !self.unmapped_routes.is_empty() {
            writeln!(
                f,
                "stop-data routes not in the route table (kept under their old code): {}",
                self.unmapped_routes.join(", ")
            )?;
        }
        write!(
            f,
            "\"near\" places dropped as too far: {}",
            self.dropped_near
        )
    }
}

/// Converts the sources: `stops_json` is the 2023 stop data (keys
/// `busStops`, `routes`, `travelPOIs`), `routes_csv` the 2025–2026 route
/// table, `register` the stop codes given so far.
pub fn convert(
    stops_json: &str,
    routes_csv: &str,
    register: &CodeRegister,
) -> Result<Conversion, Error> {
    let source: Source = serde_json::from_str(stops_json)?;
    let mut routes = parse_routes(routes_csv)?;
    let places = parse_places(&source.travel_pois)?;
    let records = parse_records(&source)?;
    let mut report = Report {
        records: records.len(),
        routes: routes.len(),
        places: places.len(),
        ..Report::default()
    };

    let mapping = RouteMapping::new(&routes);
    let terminals = terminals(&source.routes);
    let clusters = cluster(&records);
    let keys: Vec<String> = clusters
        .iter()
        .map(|members| {
            let ids: BTreeSet<&str> = members.iter().map(|&i| records[i].id.as_str()).collect();
            ids.into_iter().collect::<Vec<_>>().join("+")
        })
        .collect();
    let assigned = assign_codes(&keys, register)?;

    let mut unmapped = BTreeSet::new();
    let mut stops = Vec::with_capacity(clusters.len());
    for (members, code) in clusters.iter().zip(&assigned.codes) {
        let members: Vec<&Record> = members.iter().map(|&i| &records[i]).collect();
        let (near, dropped) = near_place(&members, &places);
        report.dropped_near += usize::from(dropped);
        let (name, aliases) = names(&members);
        let mut services: Vec<Service> = members
            .iter()
            .map(|r| {
                let route = match mapping.current(&r.route) {
                    Some(number) => number.to_owned(),
                    None => {
                        unmapped.insert(r.route.clone());
                        r.route.clone()
                    }
                };
                let towards = terminals
                    .get(&(r.route.clone(), r.direction))
                    .cloned()
                    .unwrap_or_else(|| last_stop_name(&records, &r.route, r.direction));
                Service {
                    route,
                    direction: r.direction,
                    towards,
                    order: r.order,
                }
            })
            .collect();
        services.sort_by(|a, b| {
            (&a.route, a.direction, a.order).cmp(&(&b.route, b.direction, b.order))
        });
        let n = members.len() as f64;
        stops.push(Stop {
            code: code.to_string(),
            name,
            aliases,
            lat: round6(members.iter().map(|r| r.lat).sum::<f64>() / n),
            lng: round6(members.iter().map(|r| r.lng).sum::<f64>() / n),
            near,
            services,
        });
    }
    stops.sort_by_key(|s| s.code.parse::<u32>().unwrap_or(u32::MAX));

    let served: BTreeSet<&str> = stops
        .iter()
        .flat_map(|s| s.services.iter().map(|v| v.route.as_str()))
        .collect();
    for r in &mut routes {
        r.has_stops = served.contains(r.number.as_str());
    }

    report.stops = stops.len();
    report.new_codes = assigned.new.iter().map(u32::to_string).collect();
    report.retired_codes = assigned.retired.iter().map(u32::to_string).collect();
    report.unmapped_routes = unmapped.into_iter().collect();

    let fare_note = fare_note(&routes);
    let mut network = Network {
        version: String::new(),
        stops,
        routes,
        places,
        fare_note,
    };
    network.version = network.fingerprint()?;
    Ok(Conversion {
        network,
        register: assigned.register,
        report,
    })
}

/// The network as the project ships it: pretty JSON with a final newline.
/// The same network gives the same bytes.
pub fn to_json(network: &Network) -> Result<String, Error> {
    let mut s = serde_json::to_string_pretty(network)?;
    s.push('\n');
    Ok(s)
}

// ---------------------------------------------------------------------------
// The sources

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "busStops")]
    bus_stops: Vec<SourceStop>,
    #[serde(default)]
    routes: Vec<SourceRoute>,
    #[serde(rename = "travelPOIs", default)]
    travel_pois: Vec<SourcePlace>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceStop {
    id: Value,
    name_bus_stop: String,
    code_bus_route: String,
    direction_route: String,
    #[serde(default)]
    travel_near: Option<String>,
    location: SourceLocation,
}

#[derive(Deserialize)]
struct SourceLocation {
    lat: Value,
    lng: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceRoute {
    code_bus_route: String,
    name_route: String,
}

#[derive(Deserialize)]
struct SourcePlace {
    title: String,
    location: SourceLocation,
}

/// A data error in the JSON source, reported as a JSON error.
fn json_error(message: String) -> Error {
    Error::Json(<serde_json::Error as serde::de::Error>::custom(message))
}

/// A coordinate given as a number or a numeric string.
fn coordinate(v: &Value, max: f64) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (x.is_finite() && x.abs() <= max).then_some(x)
}

fn location(loc: &SourceLocation, what: &str) -> Result<(f64, f64), Error> {
    match (coordinate(&loc.lat, 90.0), coordinate(&loc.lng, 180.0)) {
        (Some(lat), Some(lng)) => Ok((lat, lng)),
        _ => Err(json_error(format!(
            "{what}: bad location {} {}",
            loc.lat, loc.lng
        ))),
    }
}

/// Six decimals of a degree: about 0.1 m, finer than the data.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One stop record of the stop data, cleaned.
#[derive(Debug, Clone)]
struct Record {
    id: String,
    name: String,
    /// The name folded for comparison (see [`name_key`]).
    key: String,
    /// The route code of the stop data ("R16").
    route: String,
    direction: Direction,
    /// Position in the route direction, from 1.
    order: u32,
    lat: f64,
    lng: f64,
    near: Option<String>,
    /// The way buses travel here: from the previous stop to the next, as
    /// (east, north) in local metres-ish units.
    heading: Option<(f64, f64)>,
    first: bool,
    last: bool,
}

fn parse_records(source: &Source) -> Result<Vec<Record>, Error> {
    let mut records = Vec::with_capacity(source.bus_stops.len());
    let mut orders: BTreeMap<(String, Direction), u32> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for (i, s) in source.bus_stops.iter().enumerate() {
        let what = format!("busStops[{i}]");
        let id = match &s.id {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if id.is_empty() || id.contains(['+', ',', '"']) {
            return Err(json_error(format!("{what}: bad id {}", s.id)));
        }
        if !ids.insert(id.clone()) {
            return Err(json_error(format!("{what}: id {id} appears twice")));
        }
        let direction = match s.direction_route.trim() {
            "turn" => Direction::Outbound,
            "return" => Direction::Inbound,
            other => return Err(json_error(format!("{what}: unknown direction {other:?}"))),
        };
        let route = s.code_bus_route.trim().to_owned();
        if route.is_empty() {
            return Err(json_error(format!("{what}: no route")));
        }
        let (lat, lng) = location(&s.location, &what)?;
        let order = orders.entry((route.clone(), direction)).or_insert(0);
        *order += 1;
        let name = clean_name(&s.name_bus_stop);
        if name.is_empty() {
            return Err(json_error(format!("{what}: no name")));
        }
        records.push(Record {
            id,
            key: name_key(&name),
            name,
            route,
            direction,
            order: *order,
            lat,
            lng,
            near: s
                .travel_near
                .as_deref()
                .map(clean_text)
                .filter(|n| !n.is_empty()),
            heading: None,
            first: false,
            last: false,
        });
    }
    // Headings and ends, per route direction in stop order.
    let mut sequences: BTreeMap<(String, Direction), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        sequences
            .entry((r.route.clone(), r.direction))
            .or_default()
            .push(i);
    }
    for seq in sequences.values() {
        for (k, &i) in seq.iter().enumerate() {
            let prev = seq[k.saturating_sub(1)];
            let next = seq[(k + 1).min(seq.len() - 1)];
            let (a, b) = (&records[prev], &records[next]);
            let east = (b.lng - a.lng) * a.lat.to_radians().cos();
            let north = b.lat - a.lat;
            let r = &mut records[i];
            r.heading = (east != 0.0 || north != 0.0).then_some((east, north));
            r.first = k == 0;
            r.last = k + 1 == seq.len();
        }
    }
    Ok(records)
}

fn parse_places(pois: &[SourcePlace]) -> Result<Vec<Place>, Error> {
    pois.iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let name = clean_text(&p.title);
            if name.is_empty() {
                return None;
            }
            Some(
                location(&p.location, &format!("travelPOIs[{i}]")).map(|(lat, lng)| Place {
                    name,
                    lat: round6(lat),
                    lng: round6(lng),
                }),
            )
        })
        .collect()
}

/// NFC, the Icelandic eth (Ð, ð: typed for Đ, đ in the source) replaced,
/// spaces collapsed, trimmed.
fn clean_text(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| match c {
            '\u{00D0}' => 'Đ',
            '\u{00F0}' => 'đ',
            c => c,
        })
        .nfc()
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`clean_text`] plus the corrections of [`NAME_FIXES`] and
/// [`NAME_ENDINGS`], without trailing punctuation.
fn clean_name(raw: &str) -> String {
    let mut s = clean_text(raw)
        .trim_end_matches(['.', ',', ';', '-'])
        .trim()
        .to_owned();
    for (from, to) in NAME_FIXES {
        s = replace_word(&s, from, to);
    }
    for (from, to) in NAME_ENDINGS {
        if let Some(head) = s.strip_suffix(from)
            && head
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        {
            s = format!("{head}{to}");
        }
    }
    s
}

/// Replaces `from` where it stands as whole words (not inside a longer word).
fn replace_word(s: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        let bounded = before.is_none_or(|c| !c.is_alphanumeric())
            && after.is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&rest[..at]);
        out.push_str(if bounded { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// A stop name folded for comparing records: no case, diacritics,
/// punctuation or spaces, without a leading "Số" or any "đường", "Đ/d" and
/// "ĐD" read as "Đối diện". "Số 307-309 đường CMT8" and "307-309 CMT 8"
/// agree.
fn name_key(name: &str) -> String {
    let mut words: Vec<String> = text::tokens(name).into_iter().map(|t| t.folded).collect();
    if words.first().is_some_and(|w| w == "so") {
        words.remove(0);
    }
    words.retain(|w| w != "duong");
    if words.len() >= 2 && words[0] == "d" && words[1] == "d" {
        words.splice(0..2, ["doi".to_owned(), "dien".to_owned()]);
    } else if words.first().is_some_and(|w| w == "dd") {
        words.splice(0..1, ["doi".to_owned(), "dien".to_owned()]);
    }
    words.concat()
}

// ---------------------------------------------------------------------------
// Routes

fn parse_routes(text: &str) -> Result<Vec<Route>, Error> {
    let table = Table::parse(text)?;
    let col = |name: &str| table.column(name);
    let (c_id, c_number, c_name, c_category, c_status) = (
        col("route_id")?,
        col("route_number")?,
        col("name")?,
        col("category")?,
        col("status")?,
    );
    let (c_former, c_operator, c_origin, c_destination) = (
        col("former_codes")?,
        col("operator")?,
        col("origin")?,
        col("destination")?,
    );
    let (c_hours, c_headway, c_distance, c_fare, c_note) = (
        col("hours_raw")?,
        col("frequency_raw")?,
        col("distance_km")?,
        col("single_fare_vnd")?,
        col("note")?,
    );
    let mut routes = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let f = |c: usize| clean_text(&row.fields[c]);
        let bad = |message: String| Error::Parse {
            line: row.line,
            message,
        };
        let number = f(c_number);
        let id = f(c_id);
        if number.is_empty() || id.is_empty() {
            return Err(bad("route without number or id".into()));
        }
        let status = match f(c_status).as_str() {
            "active" => RouteStatus::Active,
            "merged" => RouteStatus::Merged { into: None },
            "suspended" => RouteStatus::Suspended,
            other => return Err(bad(format!("unknown status {other:?}"))),
        };
        let note = Some(f(c_note)).filter(|n| !n.is_empty());
        let distance = f(c_distance);
        let distance_km = if distance.is_empty() {
            None
        } else {
            let km: f64 = distance
                .parse()
                .ok()
                .filter(|k: &f64| k.is_finite() && *k > 0.0)
                .ok_or_else(|| bad(format!("bad distance {distance:?}")))?;
            // The table's own remark says some distances are wrong.
            let doubted = note
                .as_deref()
                .is_some_and(|n| n.contains("distanceKm") && n.contains("wrong"));
            (!doubted).then_some(km)
        };
        let fare = f(c_fare);
        let fare_vnd = if fare.is_empty() {
            None
        } else {
            Some(
                fare.parse::<u32>()
                    .map_err(|_| bad(format!("bad fare {fare:?}")))?,
            )
        };
        routes.push(Route {
            number,
            id,
            name: f(c_name),
            category: f(c_category),
            status,
            former: f(c_former)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            operator: f(c_operator),
            origin: f(c_origin),
            destination: f(c_destination),
            hours: f(c_hours),
            headway: f(c_headway),
            distance_km,
            fare_vnd,
            source_note: note,
            has_stops: false,
        });
    }
    let mut seen = BTreeSet::new();
    for r in &routes {
        if !seen.insert(route_key(&r.id)) {
            return Err(Error::Parse {
                line: 0,
                message: format!("route id {:?} appears twice", r.id),
            });
        }
    }
    resolve_mergers(&mut routes);
    Ok(routes)
}

/// Fills `Merged { into }`: from the merged route's own note ("sáp nhập vào
/// tuyến 21"), else from the note of the route that absorbed it ("hợp nhất
/// với LK21").
fn resolve_mergers(routes: &mut [Route]) {
    let find = |routes: &[Route], code: &str| -> Option<usize> {
        let key = route_key(code);
        routes
            .iter()
            .position(|r| route_key(&r.number) == key)
            .or_else(|| routes.iter().position(|r| route_key(&r.id) == key))
    };
    let mut targets: Vec<(usize, String)> = Vec::new();
    for (i, r) in routes.iter().enumerate() {
        if !matches!(r.status, RouteStatus::Merged { into: None }) {
            continue;
        }
        let own = r
            .source_note
            .as_deref()
            .and_then(|n| code_after(n, &[&["vao", "tuyen"], &["vao"]]))
            .and_then(|code| find(routes, &code))
            .filter(|&j| j != i);
        let absorbed_by = || {
            routes.iter().position(|other| {
                other
                    .source_note
                    .as_deref()
                    .and_then(|n| code_after(n, &[&["hop", "nhat", "voi"]]))
                    .and_then(|code| find(routes, &code))
                    == Some(i)
            })
        };
        if let Some(j) = own.or_else(absorbed_by) {
            targets.push((i, routes[j].number.clone()));
        }
    }
    for (i, into) in targets {
        routes[i].status = RouteStatus::Merged { into: Some(into) };
    }
}

/// The route code written right after one of the folded word sequences in
/// a note ("sáp nhập vào tuyến 21 …" after ["vao", "tuyen"] → "21").
fn code_after(note: &str, cues: &[&[&str]]) -> Option<String> {
    let words: Vec<String> = text::tokens(note).into_iter().map(|t| t.folded).collect();
    for cue in cues {
        for start in 0..words.len() {
            let end = start + cue.len();
            if end < words.len()
                && words[start..end]
                    .iter()
                    .zip(cue.iter())
                    .all(|(w, c)| w == c)
                && words[end].chars().any(|c| c.is_ascii_digit())
            {
                return Some(words[end].clone());
            }
        }
    }
    None
}

/// From the stop data's route codes to the current route numbers.
struct RouteMapping {
    /// route key (of a current number, id or former code) → number.
    by_key: Vec<(String, String)>,
}

impl RouteMapping {
    fn new(routes: &[Route]) -> Self {
        let mut by_key = Vec::new();
        for r in routes {
            by_key.push((route_key(&r.number), r.number.clone()));
        }
        for r in routes {
            for f in &r.former {
                by_key.push((route_key(f), r.number.clone()));
            }
        }
        Self { by_key }
    }

    /// The current number of a stop-data route code: a current number that
    /// spells the same, else the route that lists the code as former.
    fn current(&self, code: &str) -> Option<&str> {
        let key = route_key(code);
        self.by_key
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, n)| n.as_str())
    }
}

/// Each stop-data route direction's terminal, from the route's name in the
/// stop data ("R16: Kim Liên-Đại học Việt Hàn": outbound towards "Đại học
/// Việt Hàn", inbound towards "Kim Liên").
fn terminals(routes: &[SourceRoute]) -> BTreeMap<(String, Direction), String> {
    let mut out = BTreeMap::new();
    for r in routes {
        let name = clean_text(&r.name_route);
        let body = name.split_once(':').map_or(name.as_str(), |(_, b)| b);
        let parts: Vec<&str> = body
            .split(['-', '–'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            continue;
        };
        if parts.len() < 2 {
            continue;
        }
        let code = r.code_bus_route.trim().to_owned();
        out.insert((code.clone(), Direction::Outbound), expand_terminal(last));
        out.insert((code, Direction::Inbound), expand_terminal(first));
    }
    out
}

fn expand_terminal(name: &str) -> String {
    let mut s = name.to_owned();
    for (short, long) in TERMINAL_ABBREVIATIONS {
        s = replace_word(&s, short, long);
    }
    s
}

/// The name of the last stop of a route direction (the terminal when the
/// route's name does not give it).
fn last_stop_name(records: &[Record], route: &str, direction: Direction) -> String {
    records
        .iter()
        .rfind(|r| r.route == route && r.direction == direction)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

/// "Giá vé phổ biến: 8.000 đồng/lượt …": the commonest single fare of the
/// running routes.
fn fare_note(routes: &[Route]) -> String {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for r in routes.iter().filter(|r| r.is_active()) {
        if let Some(f) = r.fare_vnd {
            *counts.entry(f).or_default() += 1;
        }
    }
    let Some((&fare, _)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
        return String::new();
    };
    format!(
        "Giá vé phổ biến: {} đồng/lượt (bảng tuyến 2025–2026). Một số tuyến có giá khác; giá có thể thay đổi.",
        crate::catalogue::answer::format_dong(u64::from(fare))
    )
}

// ---------------------------------------------------------------------------
// Physical stops

fn distance(a: &Record, b: &Record) -> f64 {
    haversine_m(a.lat, a.lng, b.lat, b.lng)
}

/// Groups the records into physical stops (see the module docs); groups in
/// the order of their first record, members in record order.
fn cluster(records: &[Record]) -> Vec<Vec<usize>> {
    let n = records.len();
    let mut links: Vec<(f64, usize, usize)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&records[i], &records[j]);
            if a.route == b.route && a.direction == b.direction {
                continue;
            }
            let d = distance(a, b);
            let same_name = a.key == b.key && d <= SAME_NAME_RADIUS_M;
            let same_side = a.route != b.route
                && d <= SAME_SIDE_RADIUS_M
                && match (a.heading, b.heading) {
                    (Some((ae, an)), Some((be, bn))) => ae * be + an * bn > 0.0,
                    _ => false,
                };
            let terminal = a.route == b.route
                && ((a.last && b.first) || (a.first && b.last))
                && d <= TERMINAL_RADIUS_M;
            if same_name || same_side || terminal {
                links.push((d, i, j));
            }
        }
    }
    links.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    // Each group is named by its smallest record index.
    let mut group: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for (_, i, j) in links {
        let (a, b) = (group[i], group[j]);
        if a == b {
            continue;
        }
        let compatible = members[a].iter().all(|&x| {
            members[b].iter().all(|&y| {
                let (p, q) = (&records[x], &records[y]);
                (p.route != q.route || p.direction != q.direction)
                    && distance(p, q) <= MAX_STOP_SPREAD_M
            })
        });
        if !compatible {
            continue;
        }
        let (keep, gone) = (a.min(b), a.max(b));
        let moved = std::mem::take(&mut members[gone]);
        for &x in &moved {
            group[x] = keep;
        }
        members[keep].extend(moved);
        members[keep].sort_unstable();
    }
    members.into_iter().filter(|m| !m.is_empty()).collect()
}

/// The name to show (the one most records use; then the longest, which
/// carries most detail; then the first alphabetically) and the other names
/// that differ in more than spelling (see [`name_key`]).
fn names(members: &[&Record]) -> (String, Vec<String>) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for r in members {
        match counts.iter_mut().find(|(n, _)| *n == r.name) {
            Some((_, c)) => *c += 1,
            None => counts.push((&r.name, 1)),
        }
    }
    let best = counts
        .iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.chars().count().cmp(&b.0.chars().count()))
                .then(b.0.cmp(a.0))
        })
        .map(|(n, _)| (*n).to_owned())
        .unwrap_or_default();
    let mut seen = vec![name_key(&best)];
    let mut aliases = Vec::new();
    for r in members {
        let k = name_key(&r.name);
        if !seen.contains(&k) {
            seen.push(k);
            aliases.push(r.name.clone());
        }
    }
    (best, aliases)
}

/// The source's nearby place for a stop, when it names a known place within
/// [`NEAR_PLACE_MAX_M`]; the nearest such if records disagree. The flag
/// tells whether a named place was dropped.
fn near_place(members: &[&Record], places: &[Place]) -> (Option<String>, bool) {
    let mut best: Option<(f64, &str)> = None;
    let mut named = false;
    for r in members {
        let Some(near) = r.near.as_deref() else {
            continue;
        };
        named = true;
        for p in places.iter().filter(|p| p.name == near) {
            let d = haversine_m(r.lat, r.lng, p.lat, p.lng);
            if d <= NEAR_PLACE_MAX_M && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, &p.name));
            }
        }
    }
    let near = best.map(|(_, n)| n.to_owned());
    let dropped = named && near.is_none();
    (near, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stop record of the JSON source.
    fn rec(id: &str, name: &str, route: &str, dir: &str, lat: f64, lng: f64) -> String {
        format!(
            r#"{{"id":"{id}","nameBusStop":"{name}","codeBusRoute":"{route}","directionRoute":"{dir}","travelTime":3,"travelNear":"Chợ đêm Sơn Trà","location":{{"lat":"{lat}","lng":"{lng}"}}}}"#
        )
    }

    fn source(records: &[String]) -> String {
        format!(
            r#"{{"busStops":[{}],
            "routes":[{{"codeBusRoute":"R16","nameRoute":"R16: Kim Liên-Đại học Việt Hàn","directionRoute":"turn"}},
                      {{"codeBusRoute":"TMF","nameRoute":"TMF: Vũng Thùng-Công Viên 29/3-CV Biển Đông","directionRoute":"turn"}}],
            "travelPOIs":[{{"title":"Chợ đêm Sơn Trà","location":{{"lat":"16.0615978","lng":"108.2319855"}}}}]}}"#,
            records.join(",")
        )
    }

    const ROUTES: &str = "route_id,route_number,name,category,status,former_codes,operator,origin,destination,hours_raw,frequency_raw,distance_km,single_fare_vnd,stops_outbound,stops_inbound,note
09,09,Cảng Sông Hàn – Hòa Khương,non_subsidized,active,17;R17A,FUTA,Cảng sông Hàn,Gò Cà,từ 05h45,15/30 phút/chuyến,25.7,,0,0,thay thế tuyến cũ 17/R17A
13,13,Kim Liên – Đại học Việt Hàn,non_subsidized,active,16;R16,FUTA,Kim Liên,Đại học Việt Hàn,từ 05h30,15-60 phút/lượt,32.63,8000,0,0,thay thế tuyến cũ 16/R16
21,21,Bến xe Trung tâm – Cầu Tam Kỳ,non_subsidized,active,,FUTA,Bến xe Trung tâm,Cầu Tam Kỳ,4h45-17h30.,05-30 phút/lượt,10.0,8000,89,80,hợp nhất với LK21 từ 18/07/2025; distanceKm 10.0 looks wrong
02,02,Bến xe Trung tâm – Cửa Đại,non_subsidized,active,,FUTA,Bến xe Trung tâm,Cửa Đại,từ 5h15,15-30 phút/lượt,,8000,47,46,hợp nhất với LK02 từ 18/07/2025
03,03,Sân bay – Bà Nà,non_subsidized,active,,FUTA,Sân bay,Bà Nà,\"32 lượt xe/ngày, 60 phút\",32 lượt/ngày,25.0,,0,0,\"CONFLICT: evidenceNote calls 03 \"\"Sân bay – FPT\"\"\"
LK01,LK01,Đà Nẵng – Huế,interprovincial,active,,Liên danh,BX Trung tâm,BX phía Nam Huế,05h30-19h00,14 phút,100.0,80000,0,0,
LK02,LK02,Đà Nẵng – Hội An,interprovincial,merged,,FUTA,ĐH Việt Hàn,Cửa Đại,05h00,15-30 phút,23.2,8000,64,0,sáp nhập vào tuyến 02 từ 18/07/2025 (TB 5456/TB-Datramac)
LK21,LK21,Đà Nẵng – Tam Kỳ,interprovincial,merged,,FUTA,BX phía Nam,Cầu Tam Kỳ,04h45,15-25 phút,56.5,8000,104,0,compact file still says active
04,04,Cầu Trần Thị Lý – Hoà Tiến,suspended,suspended,R4A,Quảng An 1,cầu Trần Thị Lý,Hòa Tiến,05h45,15/30 phút,15.4,8000,0,0,tạm dừng
15,R15,Bến xe Trung tâm – Bến xe Phía Nam,suspended,suspended,15;R15,Quảng An 1,BX Trung tâm,BX Phía Nam,05h45,45 phút,13.4,8000,0,0,tạm dừng
";

    fn run(records: &[String], register: &CodeRegister) -> Conversion {
        convert(&source(records), ROUTES, register).unwrap()
    }

    fn code_of<'a>(c: &'a Conversion, name: &str) -> &'a str {
        &c.network
            .stops
            .iter()
            .find(|s| s.name == name || s.aliases.iter().any(|a| a == name))
            .unwrap_or_else(|| panic!("no stop {name}"))
            .code
    }

    /// A straight street running north: route R16 both ways, R4A north.
    fn street() -> Vec<String> {
        vec![
            rec("1", "101 Nguyễn Văn Cừ", "R16", "turn", 16.1000, 108.1200),
            rec("2", "201 Nguyễn Văn Cừ", "R16", "turn", 16.1050, 108.1200),
            rec("3", "301 Nguyễn Văn Cừ", "R16", "turn", 16.1100, 108.1200),
            rec(
                "4",
                "400 Nguyễn Văn Cừ",
                "R16",
                "return",
                16.1150,
                108.12002,
            ),
            rec(
                "5",
                "300 Nguyễn Văn Cừ",
                "R16",
                "return",
                16.11001,
                108.12002,
            ),
            rec(
                "6",
                "200 Nguyễn Văn Cừ",
                "R16",
                "return",
                16.10501,
                108.12002,
            ),
            rec(
                "7",
                "Số 101 Nguyễn Văn Cừ",
                "R4A",
                "turn",
                16.10005,
                108.12001,
            ),
            rec(
                "8",
                "Trường học Nguyễn Văn Cừ",
                "R4A",
                "turn",
                16.10505,
                108.12001,
            ),
            rec("9", "Chợ Ð/d 300", "R4A", "turn", 16.1110, 108.1200),
        ]
    }

    #[test]
    fn when_names_are_misspelt_should_correct_them() {
        assert_eq!(clean_name("303-305 Lê Ð"), "303-305 Lê Đại Hành");
        assert_eq!(clean_name("138 Nguyễn Lương"), "138 Nguyễn Lương Bằng");
        assert_eq!(
            clean_name("Số 50 Nguyễn Lương Bằng"),
            "Số 50 Nguyễn Lương Bằng"
        );
        assert_eq!(clean_name("489 Tôn Đẳn"), "489 Tôn Đản");
        assert_eq!(clean_name("Bệnh viện Vinmex/325"), "Bệnh viện Vinmec/325");
        assert_eq!(clean_name("  Ð/d  Công viên.  "), "Đ/d Công viên");
    }

    #[test]
    fn when_names_differ_only_in_spelling_should_share_a_key() {
        assert_eq!(name_key("Số 07 Lý Tự Trọng"), name_key("07 Lý Tự Trọng"));
        assert_eq!(name_key("307-309 đường CMT8"), name_key("307-309 CMT 8"));
        assert_eq!(
            name_key("Đ/d 04 Nguyễn Thị Minh Khai"),
            name_key("Đối diện 04 Nguyễn Thị Minh Khai")
        );
        assert_ne!(name_key("101 Nguyễn Văn Cừ"), name_key("19 Nguyễn Văn Cừ"));
    }

    #[test]
    fn when_the_route_table_maps_an_old_code_should_use_the_current_number() {
        let c = run(
            &[
                rec("1", "A", "R16", "turn", 16.0, 108.0),
                rec("2", "B", "R17A", "turn", 16.01, 108.0),
                rec("3", "C", "R4A", "return", 16.02, 108.0),
                rec("4", "D", "R15", "turn", 16.03, 108.0),
                rec("5", "E", "R6A", "turn", 16.04, 108.0),
            ],
            &CodeRegister::default(),
        );
        let route = |name: &str| -> String {
            c.network
                .stops
                .iter()
                .find(|s| s.name == name)
                .unwrap()
                .services[0]
                .route
                .clone()
        };
        assert_eq!(route("A"), "13");
        assert_eq!(route("B"), "09");
        assert_eq!(route("C"), "04");
        assert_eq!(route("D"), "R15");
        assert_eq!(route("E"), "R6A");
        assert_eq!(c.report.unmapped_routes, ["R6A"]);
        let has_stops: Vec<&str> = c
            .network
            .routes
            .iter()
            .filter(|r| r.has_stops)
            .map(|r| r.number.as_str())
            .collect();
        assert_eq!(has_stops, ["09", "13", "04", "R15"]);
    }

    #[test]
    fn when_routes_are_merged_or_suspended_should_say_into_what() {
        let routes = parse_routes(ROUTES).unwrap();
        let status = |n: &str| {
            routes
                .iter()
                .find(|r| r.number == n)
                .unwrap()
                .status
                .clone()
        };
        assert_eq!(
            status("LK02"),
            RouteStatus::Merged {
                into: Some("02".into())
            }
        );
        // LK21's own note names no target: the route that absorbed it does.
        assert_eq!(
            status("LK21"),
            RouteStatus::Merged {
                into: Some("21".into())
            }
        );
        assert_eq!(status("04"), RouteStatus::Suspended);
        assert_eq!(status("13"), RouteStatus::Active);
    }

    #[test]
    fn when_reading_the_route_table_should_keep_notes_out_of_citizen_fields() {
        let routes = parse_routes(ROUTES).unwrap();
        let r03 = routes.iter().find(|r| r.number == "03").unwrap();
        assert_eq!(r03.hours, "32 lượt xe/ngày, 60 phút");
        assert_eq!(r03.name, "Sân bay – Bà Nà");
        assert!(r03.source_note.as_deref().unwrap().starts_with("CONFLICT"));
        assert_eq!(r03.fare_vnd, None);
        let r21 = routes.iter().find(|r| r.number == "21").unwrap();
        assert_eq!(r21.distance_km, None, "the table itself doubts 10.0 km");
        let r13 = routes.iter().find(|r| r.number == "13").unwrap();
        assert_eq!(r13.former, ["16", "R16"]);
        assert_eq!(r13.distance_km, Some(32.63));
        assert_eq!(r13.fare_vnd, Some(8000));
        let lk01 = routes.iter().find(|r| r.number == "LK01").unwrap();
        assert_eq!(lk01.source_note, None);
    }

    #[test]
    fn when_records_share_a_pole_should_make_one_stop() {
        let c = run(&street(), &CodeRegister::default());
        let stops = &c.network.stops;
        // 101 (R16 + R4A, same name), 201 + Trường học (same side, 6 m),
        // 301 and 300 (opposite sides 2 m apart: two stops), 400, 200,
        // Chợ Đ/d 300.
        assert_eq!(stops.len(), 7, "{stops:#?}");
        let s101 = stops.iter().find(|s| s.name.contains("101")).unwrap();
        assert_eq!(s101.services.len(), 2);
        assert_eq!(s101.name, "Số 101 Nguyễn Văn Cừ");
        assert_eq!(s101.aliases, Vec::<String>::new());
        // Equally common names: the longer one shows, the other is searched.
        let s201 = stops
            .iter()
            .find(|s| s.name.contains("Trường học"))
            .unwrap();
        assert_eq!(s201.aliases, ["201 Nguyễn Văn Cừ"]);
        assert_ne!(
            code_of(&c, "301 Nguyễn Văn Cừ"),
            code_of(&c, "300 Nguyễn Văn Cừ")
        );
        assert_ne!(
            code_of(&c, "201 Nguyễn Văn Cừ"),
            code_of(&c, "200 Nguyễn Văn Cừ")
        );
        assert_eq!(code_of(&c, "Chợ Đ/d 300"), "107");
        let s = stops
            .iter()
            .find(|s| s.name == "300 Nguyễn Văn Cừ")
            .unwrap();
        assert_eq!(
            s.services,
            [Service {
                route: "13".into(),
                direction: Direction::Inbound,
                towards: "Kim Liên".into(),
                order: 2
            }]
        );
        // The source's "near" place is 12 km away: dropped.
        assert!(stops.iter().all(|s| s.near.is_none()));
        assert_eq!(c.report.dropped_near, 7);
    }

    #[test]
    fn when_converting_twice_with_the_register_should_keep_every_code() {
        let first = run(&street(), &CodeRegister::default());
        assert_eq!(first.register.entries.len(), 7);
        assert_eq!(first.report.new_codes.len(), 7);
        assert_eq!(first.network.stops[0].code, "101");
        let reread = CodeRegister::parse(&first.register.to_csv()).unwrap();
        assert_eq!(reread, first.register);
        let second = run(&street(), &reread);
        assert_eq!(second.network, first.network);
        assert_eq!(second.register, first.register);
        assert!(second.report.new_codes.is_empty());
        assert!(second.report.retired_codes.is_empty());
    }

    #[test]
    fn when_a_stop_goes_and_another_comes_should_retire_its_code_and_give_the_next() {
        let first = run(&street(), &CodeRegister::default());
        let gone = code_of(&first, "301 Nguyễn Văn Cừ").to_owned();
        let mut records: Vec<String> = street()
            .into_iter()
            .filter(|r| !r.contains("\"3\""))
            .collect();
        records.push(rec(
            "10",
            "311 Nguyễn Văn Cừ",
            "R16",
            "turn",
            16.1120,
            108.12,
        ));
        let second = run(&records, &first.register);
        assert_eq!(second.report.retired_codes, std::slice::from_ref(&gone));
        assert_eq!(second.report.new_codes, ["108"]);
        assert_eq!(code_of(&second, "311 Nguyễn Văn Cừ"), "108");
        assert!(second.network.stops.iter().all(|s| s.code != gone));
        for name in [
            "Số 101 Nguyễn Văn Cừ",
            "201 Nguyễn Văn Cừ",
            "300 Nguyễn Văn Cừ",
            "400 Nguyễn Văn Cừ",
            "Chợ Đ/d 300",
        ] {
            assert_eq!(code_of(&second, name), code_of(&first, name), "{name}");
        }
        // The retired code stays in the register: a third run with yet
        // another new stop does not get it either.
        assert_eq!(second.register.entries.len(), 8);
        records.push(rec(
            "11",
            "321 Nguyễn Văn Cừ",
            "R16",
            "turn",
            16.1130,
            108.12,
        ));
        let third = run(&records, &second.register);
        assert_eq!(third.report.new_codes, ["109"]);
    }

    #[test]
    fn when_a_route_joins_a_stop_should_keep_its_code() {
        let first = run(&street(), &CodeRegister::default());
        let mut records = street();
        records.push(rec(
            "12",
            "301 Nguyễn Văn Cừ",
            "TMF",
            "turn",
            16.11002,
            108.12001,
        ));
        let second = run(&records, &first.register);
        let stop = |c: &Conversion| {
            c.network
                .stops
                .iter()
                .find(|s| s.name == "301 Nguyễn Văn Cừ")
                .unwrap()
                .clone()
        };
        assert_eq!(stop(&second).code, stop(&first).code);
        assert_eq!(stop(&second).services.len(), 2);
        assert_eq!(stop(&second).services[1].towards, "Công viên Biển Đông");
        assert!(second.report.new_codes.is_empty());
    }

    #[test]
    fn when_the_source_is_broken_should_fail_with_a_message() {
        let bad = source(&[rec("1", "A", "R16", "sideways", 16.0, 108.0)]);
        assert!(convert(&bad, ROUTES, &CodeRegister::default()).is_err());
        let dup = source(&[
            rec("1", "A", "R16", "turn", 16.0, 108.0),
            rec("1", "B", "R16", "turn", 16.1, 108.0),
        ]);
        assert!(convert(&dup, ROUTES, &CodeRegister::default()).is_err());
        let nan = source(&[rec("1", "A", "R16", "turn", f64::NAN, 108.0)]);
        assert!(convert(&nan, ROUTES, &CodeRegister::default()).is_err());
    }

    #[test]
    fn the_fare_note_should_quote_the_commonest_fare() {
        let routes = parse_routes(ROUTES).unwrap();
        assert!(fare_note(&routes).starts_with("Giá vé phổ biến: 8.000 đồng/lượt"));
    }
}
