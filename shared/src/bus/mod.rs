//! Buses: the network (stops with codes and coordinates, routes with their
//! status), nearest stops, stops by name or address, routes by number.
//!
//! - [`model`]: [`Network`], [`Stop`], [`Service`], [`Route`],
//!   [`RouteStatus`], [`Place`].
//! - [`convert`]: the converter from the sources (2023 stops, 2025–2026
//!   route table).
//! - [`codes`]: the stop-code register that keeps codes stable.
//! - [`index`]: [`BusIndex`]: stops by code, nearest stops, routes by number
//!   and in a message.
//! - [`search`]: the rules of [`BusIndex::search`] (stops by address,
//!   street, landmark or place).
//! - [`csv`]: the small CSV reader the converter uses.
//!
//! The network the chatbot ships is `data/bus/network.json`, compiled into
//! the binary ([`embedded`]); `data/bus/README.md` tells where it comes
//! from and how to regenerate it.

pub mod check;
pub mod codes;
pub mod convert;
pub mod csv;
pub mod geo;
pub mod index;
pub mod model;
pub mod search;

pub use index::{
    BusIndex, DEFAULT_RADIUS_M, MAX_RADIUS_M, Nearby, WALK_DETOUR, WALK_METERS_PER_MINUTE,
    walk_minutes,
};
pub use model::{Direction, Network, Place, Route, RouteStatus, Service, Stop};

use crate::Error;
use crate::text;

/// The shipped network, `data/bus/network.json`, as compiled in.
pub const EMBEDDED_JSON: &str = include_str!("../../../data/bus/network.json");

/// Parses the shipped network (about a millisecond; index it once with
/// [`Network::index`]).
pub fn embedded() -> Result<Network, Error> {
    Ok(serde_json::from_str(EMBEDDED_JSON)?)
}

/// Whether `code` can be a stop code: 1 to 8 ASCII letters or digits
/// (the project's codes are 3–4 digits; see `data/bus/README.md`).
pub fn is_stop_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 8 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A route number reduced to compare as citizens type it: diacritics
/// folded, upper case, only letters and digits, and no leading zeros in a
/// run of digits. "05" and "5" → "5"; "LK01" and "lk 1" → "LK1"; "02 (Quảng
/// Nam)" → "2QUANGNAM"; "R4A" → "R4A".
pub fn route_key(number: &str) -> String {
    fn flush(digits: &mut String, out: &mut String) {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            digits.clear();
        }
    }
    let mut out = String::new();
    let mut digits = String::new();
    for c in text::fold(number)
        .chars()
        .filter(char::is_ascii_alphanumeric)
    {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c.to_ascii_uppercase());
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The shipped data, parsed once for all tests.
    fn shipped() -> &'static BusIndex {
        use std::sync::OnceLock;
        static INDEX: OnceLock<BusIndex> = OnceLock::new();
        INDEX.get_or_init(|| {
            let json = include_str!("../../../data/bus/network.json");
            let network: Network = serde_json::from_str(json).expect("data/bus/network.json");
            network.index()
        })
    }

    fn names(stops: &[&Stop]) -> Vec<String> {
        stops.iter().map(|s| s.name.clone()).collect()
    }

    #[test]
    fn route_keys_should_ignore_spacing_case_and_leading_zeros() {
        assert_eq!(route_key("05"), "5");
        assert_eq!(route_key("lk 01"), "LK1");
        assert_eq!(route_key("02 (Quảng Nam)"), "2QUANGNAM");
        assert_eq!(route_key("R4A"), "R4A");
        assert_eq!(route_key("01DL"), "1DL");
        assert_eq!(route_key("100"), "100");
        assert_eq!(route_key("0"), "0");
        assert_eq!(route_key(" - "), "");
    }

    #[test]
    fn the_shipped_network_should_be_complete_and_consistent() {
        let index = shipped();
        let net = index.network();
        assert!(net.stops.len() > 150, "{} stops", net.stops.len());
        assert_eq!(net.routes.len(), 23);
        assert_eq!(net.places.len(), 55);
        let codes: BTreeSet<&str> = net.stops.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes.len(), net.stops.len(), "codes are unique");
        for s in &net.stops {
            assert!(
                (3..=4).contains(&s.code.len()) && s.code.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                s.code
            );
            assert!(!s.services.is_empty(), "{} has no service", s.code);
            assert!((15.9..16.2).contains(&s.lat) && (108.0..108.4).contains(&s.lng));
        }
        let ids: BTreeSet<&str> = net.routes.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 23);
        assert_eq!(
            net.version,
            net.fingerprint().unwrap(),
            "version is the content hash"
        );
        assert!(net.fare_note.contains("8.000"));
        // Citizen-facing route fields carry no maintainer remarks.
        for r in &net.routes {
            for field in [&r.name, &r.hours, &r.headway, &r.origin, &r.destination] {
                assert!(
                    !field.contains("CONFLICT") && !field.contains("reconcile"),
                    "{field}"
                );
            }
        }
        assert!(embedded().is_ok());
    }

    #[test]
    fn the_shipped_network_should_map_old_route_codes() {
        let net = shipped().network();
        let routes: BTreeSet<&str> = net
            .stops
            .iter()
            .flat_map(|s| s.services.iter().map(|v| v.route.as_str()))
            .collect();
        assert_eq!(
            routes,
            BTreeSet::from(["04", "09", "13", "R15", "R6A", "TMF"])
        );
        let has_stops: BTreeSet<&str> = net
            .routes
            .iter()
            .filter(|r| r.has_stops)
            .map(|r| r.number.as_str())
            .collect();
        assert_eq!(has_stops, BTreeSet::from(["04", "09", "13", "R15"]));
        let status = |n: &str| shipped().route(n).unwrap().status.clone();
        assert_eq!(
            status("LK02"),
            RouteStatus::Merged {
                into: Some("02".into())
            }
        );
        assert_eq!(
            status("LK21"),
            RouteStatus::Merged {
                into: Some("21".into())
            }
        );
        assert_eq!(status("10"), RouteStatus::Suspended);
        assert_eq!(status("05"), RouteStatus::Active);
    }

    #[test]
    fn when_looking_up_a_former_route_code_should_find_the_current_route() {
        let index = shipped();
        assert_eq!(index.route("R16").unwrap().number, "13");
        assert_eq!(index.route("16").unwrap().number, "13");
        assert_eq!(index.route("R17A").unwrap().number, "09");
        assert_eq!(index.route("r4a").unwrap().number, "04");
        assert_eq!(index.route("5").unwrap().number, "05");
        assert_eq!(index.route("lk 01").unwrap().number, "LK01");
        assert_eq!(
            index.route("02 Quảng Nam").unwrap().number,
            "02 (Quảng Nam)"
        );
        assert!(index.route("R6A").is_none());
    }

    #[test]
    fn when_a_message_names_routes_should_find_them_in_the_shipped_table() {
        let index = shipped();
        let numbers = |q: &str| -> Vec<&str> {
            index
                .routes_in_text(q)
                .iter()
                .map(|r| r.number.as_str())
                .collect()
        };
        assert_eq!(numbers("tuyến 05 chạy mấy giờ"), ["05"]);
        assert_eq!(numbers("xe buyt so 13 may gio"), ["13"]);
        assert_eq!(numbers("tuyen R16"), ["13"]);
        assert_eq!(numbers("LK01 đi Huế bao nhiêu tiền"), ["LK01"]);
        assert!(numbers("101 Nguyễn Văn Cừ").is_empty());
        assert!(numbers("trạm gần 171 Nguyễn Văn Cừ").is_empty());
    }

    #[test]
    fn when_searching_an_address_should_put_the_closest_number_first() {
        let index = shipped();
        let found = index.search("101 Nguyễn Văn Cừ", 3);
        assert_eq!(found[0].name, "101 Nguyễn Văn Cừ", "{:?}", names(&found));
        let found = index.search("số 171 nguyen van cu", 3);
        assert_eq!(
            found[0].name,
            "Số 171(Kim Liên) Nguyễn Văn Cừ",
            "{:?}",
            names(&found)
        );
        // Every stop found is on the street.
        let all = index.search("nguyen van cu", 50);
        assert!(all.len() >= 6, "{:?}", names(&all));
        for s in &all {
            let on_street = std::iter::once(&s.name)
                .chain(&s.aliases)
                .any(|n| text::folded_key(n).contains("nguyen van cu"));
            assert!(on_street, "{}", s.name);
        }
    }

    #[test]
    fn when_searching_with_or_without_diacritics_or_with_a_typo_should_find_the_same_stop() {
        let index = shipped();
        let expected = index.search("339 Nguyễn Lương Bằng", 1);
        assert_eq!(expected[0].name, "339 Nguyễn Lương Bằng");
        for q in [
            "339 nguyen luong bang",
            "339 NGUYEN LUONG BANG",
            "339 nguyễn lương băng",
            "339 ngyen luong bang",
            "so 339 nguyen luogn bang",
            "trạm xe buýt gần 339 Nguyễn Lương Bằng, Liên Chiểu",
        ] {
            let found = index.search(q, 1);
            assert_eq!(
                found.first().map(|s| &s.code),
                Some(&expected[0].code),
                "{q}"
            );
        }
        // A street only: the stops on it.
        let street = index.search("nguyen luong bang", 100);
        assert!(street.len() >= 15, "{:?}", names(&street));
        assert!(index.search("cach mang thang 8", 5).len() == 5);
        assert!(!index.search("đường 2/9", 5).is_empty());
    }

    #[test]
    fn when_searching_a_landmark_or_place_should_find_the_stops_around_it() {
        let index = shipped();
        // A landmark in stop names.
        let cho_con = index.search("chợ cồn", 10);
        assert!(
            cho_con[0].name.to_lowercase().contains("chợ cồn"),
            "{:?}",
            names(&cho_con)
        );
        // A place no stop is named after: the stops within 500 m of it.
        let place = index
            .places()
            .iter()
            .find(|p| p.name == "Bãi tắm biển Mỹ Khê")
            .unwrap();
        let beach = index.search("Bãi biển Mỹ Khê", 20);
        assert!(!beach.is_empty());
        for s in &beach {
            let d = geo::haversine_m(place.lat, place.lng, s.lat, s.lng);
            assert!(d <= search::PLACE_RADIUS_M, "{} at {d} m", s.name);
        }
        assert_eq!(
            names(&index.search("bai bien my khe", 20)),
            names(&beach),
            "without diacritics"
        );
        // "Cầu rồng": the stops named after the bridge, not the stops around
        // the source's misplaced point for it.
        let bridge = index.search("cầu rồng", 20);
        assert!(!bridge.is_empty());
        for s in &bridge {
            let named = std::iter::once(&s.name)
                .chain(&s.aliases)
                .any(|n| text::folded_key(n).contains("cau rong"));
            assert!(named, "{}", s.name);
        }
    }

    #[test]
    fn when_nothing_matches_should_return_nothing() {
        let index = shipped();
        for q in [
            "Lê Duẩn",
            "123 Trần Hưng Đạo",
            "Nguyễn Văn Thoại",
            "101",
            "",
            "trạm xe buýt",
            "xyz",
        ] {
            assert!(
                index.search(q, 5).is_empty(),
                "{q}: {:?}",
                names(&index.search(q, 5))
            );
        }
        assert!(index.search("101 Nguyễn Văn Cừ", 0).is_empty());
    }

    #[test]
    fn routes_at_a_stop_should_name_the_direction_and_terminal() {
        let index = shipped();
        let stop = index.search("101 Nguyễn Văn Cừ", 1)[0];
        let routes = index.routes_at(stop);
        assert_eq!(routes.len(), 1);
        let (route, direction, towards) = routes[0];
        assert_eq!(route.number, "13");
        assert_eq!(direction, Direction::Outbound);
        assert_eq!(towards, "Đại học Việt Hàn");
        assert_eq!(index.stop(&stop.code).unwrap().code, stop.code);
        // A stop served only by routes the current table does not list.
        let legacy = index
            .stops()
            .iter()
            .find(|s| s.services.iter().all(|v| v.route == "TMF"))
            .unwrap();
        assert!(index.routes_at(legacy).is_empty());
    }

    #[test]
    fn nearby_on_the_shipped_network_should_equal_brute_force() {
        let index = shipped();
        let stops = index.stops();
        let mut state: u64 = 0x5eed;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..500 {
            let (lat, lng) = (15.95 + 0.2 * next(), 108.1 + 0.2 * next());
            let radius = 2500.0 * next();
            let got: Vec<&str> = index
                .nearby(lat, lng, radius, usize::MAX)
                .iter()
                .map(|n| n.stop.code.as_str())
                .collect();
            let mut want: Vec<(f64, usize)> = stops
                .iter()
                .enumerate()
                .map(|(i, s)| (geo::haversine_m(lat, lng, s.lat, s.lng), i))
                .filter(|(d, _)| *d <= radius.min(MAX_RADIUS_M))
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<&str> = want.iter().map(|(_, i)| stops[*i].code.as_str()).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn building_the_index_should_be_fast() {
        let network = shipped().network().clone();
        let start = std::time::Instant::now();
        let index = network.index();
        let elapsed = start.elapsed();
        assert!(index.stops().len() > 150);
        // Well under a millisecond in release; generous for debug builds.
        assert!(elapsed.as_millis() < 50, "{elapsed:?}");
    }
}
