//! Lookups over the network: stops by code and by position, routes by
//! number, routes mentioned in a message. Built once per process (a Lambda
//! cold start): a hash map of codes and a grid of stops, both linear in the
//! number of stops; the text index for [`BusIndex::search`] is built on the
//! first search.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::geo::{cap_extent_deg, haversine_m};
use super::model::{Direction, Network, Place, Route, Service, Stop};
use super::route_key;
use super::search::TextIndex;
use crate::text;

/// Walking is longer than the straight line: streets are not straight and
/// crossings take time. 1.3 is a common urban detour factor.
pub const WALK_DETOUR: f64 = 1.3;
/// Walking speed, metres a minute (4.8 km/h: an unhurried adult).
pub const WALK_METERS_PER_MINUTE: f64 = 80.0;
/// The radius [`BusIndex::nearby`] callers use when the citizen says
/// nothing: about an eight-minute walk.
pub const DEFAULT_RADIUS_M: f64 = 500.0;
/// The largest radius [`BusIndex::nearby`] searches; larger ones are
/// clamped to it.
pub const MAX_RADIUS_M: f64 = 2000.0;
/// The side of a grid cell, degrees: about 555 m of latitude, so a search
/// of [`MAX_RADIUS_M`] reads at most 9 × 9 cells.
pub const GRID_CELL_DEG: f64 = 0.005;

/// A stop near a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby<'a> {
    /// The stop.
    pub stop: &'a Stop,
    /// Straight-line distance, metres.
    pub distance_m: f64,
    /// Minutes on foot (see [`walk_minutes`]).
    pub walk_minutes: u32,
}

/// Minutes on foot for a straight-line distance:
/// ⌈distance × [`WALK_DETOUR`] ÷ [`WALK_METERS_PER_MINUTE`]⌉.
pub fn walk_minutes(distance_m: f64) -> u32 {
    let minutes = (distance_m.max(0.0) * WALK_DETOUR / WALK_METERS_PER_MINUTE).ceil();
    // The saturating float-to-int cast caps absurd distances.
    minutes as u32
}

/// The network with its lookup structures.
#[derive(Debug)]
pub struct BusIndex {
    network: Network,
    /// Normalised stop code → position in `network.stops`.
    codes: FxHashMap<String, usize>,
    /// Grid cell → positions of the stops in it.
    grid: FxHashMap<(i64, i64), Vec<usize>>,
    /// Route keys ([`route_key`]) of current numbers, ids and former
    /// codes, in the order they are tried → position in `network.routes`.
    route_keys: Vec<(String, usize)>,
    /// Built on the first [`BusIndex::search`].
    text: OnceLock<TextIndex>,
}

fn cell(lat: f64, lng: f64) -> (i64, i64) {
    // The float-to-int casts saturate; coordinates are finite degrees.
    (
        (lat / GRID_CELL_DEG).floor() as i64,
        (lng / GRID_CELL_DEG).floor() as i64,
    )
}

/// A stop code as typed: trimmed, upper case, without leading zeros
/// ("0101" → "101").
fn code_key(code: &str) -> String {
    let code = code.trim().to_uppercase();
    let trimmed = code.trim_start_matches('0');
    if trimmed.is_empty() && !code.is_empty() {
        "0".into()
    } else {
        trimmed.to_owned()
    }
}

impl BusIndex {
    /// Indexes a network.
    pub fn new(network: Network) -> Self {
        let mut codes = FxHashMap::default();
        let mut grid: FxHashMap<(i64, i64), Vec<usize>> = FxHashMap::default();
        for (i, s) in network.stops.iter().enumerate() {
            codes.entry(code_key(&s.code)).or_insert(i);
            if s.lat.is_finite() && s.lng.is_finite() {
                grid.entry(cell(s.lat, s.lng)).or_default().push(i);
            }
        }
        let mut route_keys = Vec::with_capacity(network.routes.len() * 3);
        for (i, r) in network.routes.iter().enumerate() {
            route_keys.push((route_key(&r.number), i));
        }
        for (i, r) in network.routes.iter().enumerate() {
            route_keys.push((route_key(&r.id), i));
        }
        for (i, r) in network.routes.iter().enumerate() {
            for f in &r.former {
                route_keys.push((route_key(f), i));
            }
        }
        route_keys.retain(|(k, _)| !k.is_empty());
        Self {
            network,
            codes,
            grid,
            route_keys,
            text: OnceLock::new(),
        }
    }

    /// The indexed network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Every stop, by code.
    pub fn stops(&self) -> &[Stop] {
        &self.network.stops
    }

    /// Every route, in the route table's order.
    pub fn routes(&self) -> &[Route] {
        &self.network.routes
    }

    /// Every named place.
    pub fn places(&self) -> &[Place] {
        &self.network.places
    }

    /// The stop with this code; case and leading zeros do not matter
    /// ("101", "0101", " 101 ").
    pub fn stop(&self, code: &str) -> Option<&Stop> {
        self.codes
            .get(&code_key(code))
            .map(|&i| &self.network.stops[i])
    }

    /// Stops within `radius_m` metres (clamped to [`MAX_RADIUS_M`]) of a
    /// point, nearest first (equal distances by code), at most `limit`.
    /// Exact: every grid cell the circle touches is read and each stop's
    /// great-circle distance is compared with the radius. A point or
    /// radius that is not a finite number finds nothing.
    pub fn nearby(&self, lat: f64, lng: f64, radius_m: f64, limit: usize) -> Vec<Nearby<'_>> {
        self.nearby_positions(lat, lng, radius_m, limit)
            .into_iter()
            .map(|(d, i)| Nearby {
                stop: &self.network.stops[i],
                distance_m: d,
                walk_minutes: walk_minutes(d),
            })
            .collect()
    }

    /// [`BusIndex::nearby`] as (distance, position in the stop list).
    pub(crate) fn nearby_positions(
        &self,
        lat: f64,
        lng: f64,
        radius_m: f64,
        limit: usize,
    ) -> Vec<(f64, usize)> {
        if !(lat.is_finite() && lng.is_finite() && radius_m >= 0.0) || limit == 0 {
            return Vec::new();
        }
        let radius = radius_m.min(MAX_RADIUS_M);
        let mut found: Vec<(f64, usize)> = Vec::new();
        let mut consider = |i: usize| {
            let s = &self.network.stops[i];
            let d = haversine_m(lat, lng, s.lat, s.lng);
            if d <= radius {
                found.push((d, i));
            }
        };
        match cap_extent_deg(lat, radius) {
            (dlat, Some(dlng)) => {
                let (row0, col0) = cell(lat - dlat, lng - dlng);
                let (row1, col1) = cell(lat + dlat, lng + dlng);
                for row in row0..=row1 {
                    for col in col0..=col1 {
                        for &i in self.grid.get(&(row, col)).into_iter().flatten() {
                            consider(i);
                        }
                    }
                }
            }
            // Near a pole: read everything (never the case in Đà Nẵng).
            (_, None) => (0..self.network.stops.len()).for_each(consider),
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        found.truncate(limit);
        found
    }

    /// Stops on or near what a citizen typed: an address ("101 Nguyễn Văn
    /// Cừ", "so 171 nguyen van cu"), a street, a landmark in a stop's name
    /// ("chợ Cồn") or a named place ("bãi biển Mỹ Khê": the stops around
    /// it). Best first, at most `limit`; nothing when no street or place
    /// word matches. See [`super::search`] for the matching rules.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Stop> {
        let text = self.text.get_or_init(|| TextIndex::new(&self.network));
        text.search(self, query, limit)
    }

    /// The route with this number, tolerating spacing, case and leading
    /// zeros ("05", "5", "lk 01", "LK1"); a former number finds the route
    /// that replaced it ("R16" and "16" → 13).
    pub fn route(&self, number: &str) -> Option<&Route> {
        self.route_position(number).map(|i| &self.network.routes[i])
    }

    /// The position of [`BusIndex::route`]'s answer in the route table.
    fn route_position(&self, number: &str) -> Option<usize> {
        let key = route_key(number);
        if key.is_empty() {
            return None;
        }
        self.route_keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, i)| *i)
    }

    /// The route a service runs on, when the route table lists it.
    pub fn route_of(&self, service: &Service) -> Option<&Route> {
        self.network
            .routes
            .iter()
            .find(|r| r.number == service.route)
    }

    /// The routes calling at a stop, with their direction and the terminal
    /// they head to, in the stop's service order. Services whose route the
    /// route table does not list (the stop data's "R6A" and "TMF") are left
    /// out; suspended and merged routes are kept (check
    /// [`Route::status`]).
    pub fn routes_at<'a>(&'a self, stop: &'a Stop) -> Vec<(&'a Route, Direction, &'a str)> {
        stop.services
            .iter()
            .filter_map(|s| {
                self.route_of(s)
                    .map(|r| (r, s.direction, s.towards.as_str()))
            })
            .collect()
    }

    /// The routes a message mentions, in order, each once: a number or
    /// code after "tuyến", "xe", "buýt", "bus" (with or without
    /// diacritics, "số" allowed in between: "xe buýt số 13"), or a code
    /// with letters standing alone ("R16", "LK01"). A bare number is not a
    /// route: in "101 Nguyễn Văn Cừ" it is a house number.
    pub fn routes_in_text(&self, message: &str) -> Vec<&Route> {
        let words: Vec<String> = text::tokens(message)
            .into_iter()
            .map(|t| t.folded)
            .collect();
        let mut found: Vec<usize> = Vec::new();
        let push = |i: usize, found: &mut Vec<usize>| {
            if !found.contains(&i) {
                found.push(i);
            }
        };
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_str();
            if is_route_cue(w) || (w == "lk" && words.get(i + 1).is_some_and(|n| is_number(n))) {
                // "lk 01": the letters are part of the code.
                let mut j = if w == "lk" { i } else { i + 1 };
                while j < words.len() && (is_route_cue(&words[j]) || words[j] == "so") {
                    j += 1;
                }
                // One code, or several joined by "và", "hoặc", "với", "hay".
                while let Some((route, used)) = self.code_at(&words, j) {
                    push(route, &mut found);
                    j += used;
                    if words.get(j).is_some_and(|c| is_list_joiner(c)) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                i = j.max(i + 1);
                continue;
            }
            if is_code_like(w)
                && let Some(r) = self.route_position(w)
            {
                push(r, &mut found);
            }
            i += 1;
        }
        found.into_iter().map(|i| &self.network.routes[i]).collect()
    }

    /// The route whose code starts at `words[j]`, and how many words it
    /// takes: the longest of three, two or one words that names a route
    /// ("02 quang nam", "lk 1", "5"). The first word must hold a digit or
    /// be letters followed by a number, and a number followed by a unit
    /// ("xe 16 chỗ", "5 km") is not a route.
    fn code_at(&self, words: &[String], j: usize) -> Option<(usize, usize)> {
        let first = words.get(j)?;
        let lettered = first.chars().all(|c| c.is_ascii_alphabetic())
            && words.get(j + 1).is_some_and(|n| is_number(n));
        if !(first.chars().any(|c| c.is_ascii_digit()) || lettered) {
            return None;
        }
        let unit = |k: usize| words.get(k).is_some_and(|u| UNITS.contains(&u.as_str()));
        for take in (1..=3).rev() {
            if j + take > words.len() {
                continue;
            }
            let candidate = words[j..j + take].join(" ");
            if let Some(r) = self.route_position(&candidate) {
                if take == 1 && is_number(first) && unit(j + 1) {
                    return None;
                }
                return Some((r, take));
            }
        }
        None
    }
}

/// Words after which a number is a route (folded).
const ROUTE_CUES: &[&str] = &["tuyen", "xe", "buyt", "bus", "buss", "route", "line"];
/// Words joining several route numbers (folded).
const LIST_JOINERS: &[&str] = &["va", "hoac", "voi", "hay", "den"];
/// Words after a number that make it a quantity, not a route (folded):
/// "xe 16 chỗ", "5 km", "10 phút".
const UNITS: &[&str] = &[
    "cho", "km", "m", "phut", "gio", "nguoi", "chiec", "ngay", "lan", "k", "nghin", "ngan", "dong",
];

fn is_route_cue(w: &str) -> bool {
    ROUTE_CUES.contains(&w)
}

fn is_list_joiner(w: &str) -> bool {
    LIST_JOINERS.contains(&w)
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

/// Letters and digits mixed ("r16", "lk01", "01dl"): a route code even
/// without a cue. House numbers with a letter ("310a", "e152") name no
/// route, so looking them up is harmless.
fn is_code_like(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::model::RouteStatus;

    fn stop(code: &str, lat: f64, lng: f64) -> Stop {
        Stop {
            code: code.into(),
            name: format!("Trạm {code}"),
            aliases: Vec::new(),
            lat,
            lng,
            near: None,
            services: Vec::new(),
        }
    }

    fn network(stops: Vec<Stop>) -> Network {
        Network {
            version: String::new(),
            stops,
            routes: Vec::new(),
            places: Vec::new(),
            fare_note: String::new(),
        }
    }

    use crate::seeded::SplitMix;

    fn brute_force(
        net: &Network,
        lat: f64,
        lng: f64,
        radius: f64,
        limit: usize,
    ) -> Vec<(String, f64)> {
        let radius = radius.min(MAX_RADIUS_M);
        let mut all: Vec<(f64, usize)> = net
            .stops
            .iter()
            .enumerate()
            .map(|(i, s)| (haversine_m(lat, lng, s.lat, s.lng), i))
            .filter(|(d, _)| *d <= radius)
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.truncate(limit);
        all.into_iter()
            .map(|(d, i)| (net.stops[i].code.clone(), d))
            .collect()
    }

    fn codes(found: &[Nearby<'_>]) -> Vec<(String, f64)> {
        found
            .iter()
            .map(|n| (n.stop.code.clone(), n.distance_m))
            .collect()
    }

    #[test]
    fn when_stops_lie_just_across_a_cell_edge_or_corner_should_find_them() {
        // The query sits 1 m inside the south-west corner of a cell; stops
        // sit 1–3 m away across the west edge, the south edge and the
        // corner, and one just outside the radius.
        let c = GRID_CELL_DEG;
        let (lat0, lng0) = (3213.0 * c, 21644.0 * c); // 16.065, 108.22
        let m = 1.0 / 111_195.0; // a metre of latitude, degrees
        let q = (lat0 + m, lng0 + m);
        assert_ne!(cell(q.0, q.1), cell(lat0 - m, lng0 - m));
        let net = network(vec![
            stop("101", lat0 + m, lng0 - m),        // west, across the edge
            stop("102", lat0 - m, lng0 + m),        // south, across the edge
            stop("103", lat0 - m, lng0 - m),        // across the corner
            stop("104", lat0 + 2.5 * m, lng0 + m),  // same cell
            stop("105", lat0 + m, lng0 + m + 0.05), // ~5.3 km east
        ]);
        let index = BusIndex::new(net.clone());
        let found = index.nearby(q.0, q.1, 5.0, 10);
        let got: Vec<&str> = found.iter().map(|n| n.stop.code.as_str()).collect();
        assert_eq!(got, ["104", "101", "102", "103"]);
        assert_eq!(codes(&found), brute_force(&net, q.0, q.1, 5.0, 10));
        // A radius that ends exactly one cell further still finds them.
        let far = index.nearby(q.0, q.1 + c, 560.0, 10);
        assert_eq!(codes(&far), brute_force(&net, q.0, q.1 + c, 560.0, 10));
    }

    #[test]
    fn nearby_should_equal_brute_force_for_random_points() {
        let mut rng = SplitMix(0x1022);
        // Stops scattered over central Đà Nẵng, many right on cell edges.
        let mut stops = Vec::new();
        for i in 0..600 {
            let (mut lat, mut lng) = (rng.range(16.00, 16.12), rng.range(108.14, 108.26));
            if i % 3 == 0 {
                lat = (lat / GRID_CELL_DEG).round() * GRID_CELL_DEG + rng.range(-2e-6, 2e-6);
            }
            if i % 5 == 0 {
                lng = (lng / GRID_CELL_DEG).round() * GRID_CELL_DEG + rng.range(-2e-6, 2e-6);
            }
            stops.push(stop(&(101 + i).to_string(), lat, lng));
        }
        let net = network(stops);
        let index = BusIndex::new(net.clone());
        for k in 0..2000 {
            let (lat, lng) = (rng.range(15.99, 16.13), rng.range(108.13, 108.27));
            let radius = match k % 4 {
                0 => rng.range(0.0, 100.0),
                1 => rng.range(100.0, 800.0),
                2 => rng.range(800.0, 2500.0),
                _ => DEFAULT_RADIUS_M,
            };
            let limit = if k % 2 == 0 { usize::MAX } else { 1 + (k % 7) };
            assert_eq!(
                codes(&index.nearby(lat, lng, radius, limit)),
                brute_force(&net, lat, lng, radius, limit),
                "query {lat},{lng} r={radius}"
            );
        }
    }

    #[test]
    fn when_the_radius_is_too_large_should_clamp_it() {
        let m = 1.0 / 111_195.0;
        let net = network(vec![
            stop("101", 16.05 + 1990.0 * m, 108.2),
            stop("102", 16.05 + 2010.0 * m, 108.2),
        ]);
        let index = BusIndex::new(net);
        let found = index.nearby(16.05, 108.2, 10_000.0, 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].stop.code, "101");
        assert!(index.nearby(16.05, 108.2, f64::INFINITY, 10).len() == 1);
        assert!(index.nearby(16.05, 108.2, f64::NAN, 10).is_empty());
        assert!(index.nearby(f64::NAN, 108.2, 500.0, 10).is_empty());
        assert!(index.nearby(16.05, 108.2, -1.0, 10).is_empty());
    }

    #[test]
    fn when_a_limit_is_given_should_return_the_nearest_that_many() {
        let net = network(
            (0..10)
                .map(|i| stop(&(110 - i).to_string(), 16.05 + f64::from(i) * 1e-4, 108.2))
                .collect(),
        );
        let index = BusIndex::new(net);
        let found = index.nearby(16.05, 108.2, 2000.0, 3);
        let got: Vec<&str> = found.iter().map(|n| n.stop.code.as_str()).collect();
        assert_eq!(got, ["110", "109", "108"]);
        assert!(index.nearby(16.05, 108.2, 2000.0, 0).is_empty());
        assert_eq!(found[1].walk_minutes, walk_minutes(found[1].distance_m));
    }

    #[test]
    fn walking_time_should_round_up_with_the_detour() {
        assert_eq!(walk_minutes(0.0), 0);
        assert_eq!(walk_minutes(10.0), 1);
        // 400 m × 1.3 / 80 = 6.5 → 7.
        assert_eq!(walk_minutes(400.0), 7);
        assert_eq!(walk_minutes(DEFAULT_RADIUS_M), 9);
    }

    #[test]
    fn when_a_code_is_typed_loosely_should_find_the_stop() {
        let index = BusIndex::new(network(vec![
            stop("101", 16.0, 108.0),
            stop("1022", 16.1, 108.1),
        ]));
        assert_eq!(index.stop("101").unwrap().code, "101");
        assert_eq!(index.stop(" 0101 ").unwrap().code, "101");
        assert_eq!(index.stop("1022").unwrap().code, "1022");
        assert!(index.stop("102").is_none());
        assert!(index.stop("").is_none());
    }

    fn route(number: &str, id: &str, former: &[&str]) -> Route {
        Route {
            number: number.into(),
            id: id.into(),
            name: String::new(),
            category: String::new(),
            status: RouteStatus::Active,
            former: former.iter().map(|s| (*s).to_owned()).collect(),
            operator: String::new(),
            origin: String::new(),
            destination: String::new(),
            hours: String::new(),
            headway: String::new(),
            distance_km: None,
            fare_vnd: None,
            source_note: None,
            has_stops: false,
        }
    }

    fn route_index() -> BusIndex {
        let mut net = network(Vec::new());
        net.routes = vec![
            route("05", "05", &[]),
            route("13", "13", &["16", "R16"]),
            route("09", "09", &["17", "R17A"]),
            route("02", "02", &[]),
            route("02 (Quảng Nam)", "TKY-TMY", &[]),
            route("LK01", "LK01", &[]),
            route("R15", "15", &["15", "R15"]),
            route("01DL", "01DL", &[]),
        ];
        BusIndex::new(net)
    }

    #[test]
    fn when_a_route_number_is_typed_loosely_should_find_the_route() {
        let index = route_index();
        let number = |q: &str| index.route(q).map(|r| r.number.as_str());
        assert_eq!(number("05"), Some("05"));
        assert_eq!(number("5"), Some("05"));
        assert_eq!(number("lk 01"), Some("LK01"));
        assert_eq!(number("LK1"), Some("LK01"));
        assert_eq!(number("R16"), Some("13"));
        assert_eq!(number("16"), Some("13"));
        assert_eq!(number("r17a"), Some("09"));
        assert_eq!(number("15"), Some("R15"));
        assert_eq!(number("02"), Some("02"));
        assert_eq!(number("02 Quảng Nam"), Some("02 (Quảng Nam)"));
        assert_eq!(number("tky-tmy"), Some("02 (Quảng Nam)"));
        assert_eq!(number("R6A"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn when_a_message_mentions_routes_should_find_them() {
        let index = route_index();
        let numbers = |q: &str| -> Vec<String> {
            index
                .routes_in_text(q)
                .iter()
                .map(|r| r.number.clone())
                .collect()
        };
        assert_eq!(numbers("tuyến 05 chạy mấy giờ"), ["05"]);
        assert_eq!(numbers("xe buyt so 13 may gio"), ["13"]);
        assert_eq!(numbers("tuyen R16"), ["13"]);
        assert_eq!(numbers("R16 còn chạy không?"), ["13"]);
        assert_eq!(numbers("xe LK01 đi Huế"), ["LK01"]);
        assert_eq!(numbers("tuyến lk 01"), ["LK01"]);
        assert_eq!(numbers("lk 01 mấy giờ"), ["LK01"]);
        assert_eq!(numbers("tuyến 5 và 13"), ["05", "13"]);
        assert_eq!(numbers("tuyến 02 Quảng Nam"), ["02 (Quảng Nam)"]);
        assert_eq!(numbers("Tuyến 5, tuyến 5 nữa"), ["05"]);
        assert!(numbers("101 Nguyễn Văn Cừ").is_empty());
        assert!(numbers("số 5 Nguyễn Văn Linh").is_empty());
        assert!(numbers("thuê xe 16 chỗ").is_empty());
        assert!(numbers("nhà 310A Ngũ Hành Sơn").is_empty());
        assert!(numbers("xe buýt đi chợ Hàn").is_empty());
    }
}
