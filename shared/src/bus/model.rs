//! The bus network as the chatbot ships it (`data/bus/network.json`).

use serde::{Deserialize, Serialize};

/// The whole network: physical stops with their codes, the routes of the
/// current timetable with their status, and named places citizens ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// A fingerprint of the content: the FNV-1a 64-bit hash (16 hex digits)
    /// of the JSON of this network with an empty `version`. The same data
    /// gives the same version.
    pub version: String,
    /// Physical stops, sorted by code.
    pub stops: Vec<Stop>,
    /// Routes in the order of the route table.
    pub routes: Vec<Route>,
    /// Named places (beaches, bridges, markets…) with their coordinates.
    pub places: Vec<Place>,
    /// What a ride costs, in words for the citizen.
    pub fare_note: String,
}

/// One physical stop: a pole or shelter on one side of a street, served by
/// one or more route directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// The project's own stop code ("101"): 3–4 digits, stable across
    /// conversions (see `data/bus/README.md`). Not an official code.
    pub code: String,
    /// The name to show (an address like "101 Nguyễn Văn Cừ" or a
    /// landmark like "Chợ Cồn").
    pub name: String,
    /// Other names the source gives the same stop (records of other
    /// routes); searched, not shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Latitude, degrees (WGS 84).
    pub lat: f64,
    /// Longitude, degrees (WGS 84).
    pub lng: f64,
    /// A well-known place nearby, when the source names one that really is
    /// close to the stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<String>,
    /// The route directions that call here.
    pub services: Vec<Service>,
}

/// Which way along a route a bus runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the route's origin to its destination ("turn" in the source).
    Outbound,
    /// Back from the destination to the origin ("return" in the source).
    Inbound,
}

/// One route direction calling at a stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The route's current number ([`Route::number`]) when the route table
    /// maps the stop data's code to it ("R16" → "13"), else the code the
    /// stop data uses ("R6A").
    pub route: String,
    /// Which way the bus runs.
    pub direction: Direction,
    /// The terminal this direction heads to.
    pub towards: String,
    /// The stop's position in this route direction, from 1.
    pub order: u32,
}

/// A route of the current (2025–2026) network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The number on the bus and in the timetable: "05", "13", "LK01",
    /// "02 (Quảng Nam)", "R15".
    pub number: String,
    /// A short identifier unique in the table ("05", "TKY-TMY", "15").
    pub id: String,
    /// The route's name ("Kim Liên – Đại học Việt Hàn").
    pub name: String,
    /// The source's category: "subsidized", "non_subsidized",
    /// "interprovincial", "tourist", "suspended".
    pub category: String,
    /// Whether buses run.
    pub status: RouteStatus,
    /// Numbers the route had before ("16", "R16").
    pub former: Vec<String>,
    /// Who runs it.
    pub operator: String,
    /// Where the outbound direction starts.
    pub origin: String,
    /// Where the outbound direction ends.
    pub destination: String,
    /// Operating hours, as the operator words them.
    pub hours: String,
    /// How often buses run, as the operator words it.
    pub headway: String,
    /// Length in kilometres, when known and believable.
    pub distance_km: Option<f64>,
    /// Single fare in đồng, when known.
    pub fare_vnd: Option<u32>,
    /// The source's remark on the row (mergers, contradictions between
    /// sources, fare details): for maintainers, not for citizens.
    pub source_note: Option<String>,
    /// Whether the network has stops for this route.
    pub has_stops: bool,
}

/// Whether a route runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum RouteStatus {
    /// Buses run.
    Active,
    /// The route was merged into another one (`into`: that route's
    /// number, when the source says which).
    Merged { into: Option<String> },
    /// Service is suspended.
    Suspended,
}

/// A named place with its coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The place's name ("Bãi tắm biển Mỹ Khê").
    pub name: String,
    /// Latitude, degrees (WGS 84).
    pub lat: f64,
    /// Longitude, degrees (WGS 84).
    pub lng: f64,
}

impl Network {
    /// Builds the lookup structures over this network (see
    /// [`BusIndex`](super::BusIndex)).
    pub fn index(self) -> super::BusIndex {
        super::BusIndex::new(self)
    }

    /// The network's JSON with `version` emptied: what
    /// [`Network::fingerprint`] hashes.
    fn unversioned_json(&self) -> Result<String, serde_json::Error> {
        let content = Network {
            version: String::new(),
            stops: self.stops.clone(),
            routes: self.routes.clone(),
            places: self.places.clone(),
            fare_note: self.fare_note.clone(),
        };
        serde_json::to_string(&content)
    }

    /// The FNV-1a 64-bit hash of the network's content (its JSON with an
    /// empty `version`), as 16 lower-case hex digits.
    pub fn fingerprint(&self) -> Result<String, serde_json::Error> {
        Ok(format!(
            "{:016x}",
            fnv1a64(self.unversioned_json()?.as_bytes())
        ))
    }
}

/// FNV-1a, 64 bits: small, dependency-free and stable across platforms
/// (not a cryptographic hash; it only fingerprints data releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

impl Route {
    /// Whether buses run on this route now.
    pub fn is_active(&self) -> bool {
        self.status == RouteStatus::Active
    }
}
