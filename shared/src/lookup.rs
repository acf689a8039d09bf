//! Lookups the dialogue routes to: dossier status, buses, city notices.
//! The dialogue says what it needs ([`Need`]); an implementation of
//! [`Lookups`] fetches it; the dialogue words the answer.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::bus::{BusIndex, Nearby, Route, RouteStatus, Stop};
use crate::dossier::{Dossier, DossierCode};
use crate::notices::{Area, Areas, MAX_NOTICES_SHOWN, Notice};
use crate::store::{
    BusSource, ConversationKey, DossierStore, NoticeStore, RateLimiter, StoreError, within_rate,
};

/// Kinds of city notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Lịch cắt điện.
    PowerCut,
    /// Lịch cắt nước.
    WaterCut,
    /// Bão, lũ, ngập, áp thấp.
    Storm,
    /// Lịch tiếp công dân.
    Reception,
    /// Văn bản, chính sách mới.
    Policy,
    /// Kết quả thi, điểm thi.
    ExamResults,
}

impl NoticeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::PowerCut => "lịch cắt điện",
            Self::WaterCut => "lịch cắt nước",
            Self::Storm => "cảnh báo bão, lũ",
            Self::Reception => "lịch tiếp công dân",
            Self::Policy => "văn bản, chính sách mới",
            Self::ExamResults => "kết quả thi",
        }
    }

    /// The name used in payloads, files and storage keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PowerCut => "power_cut",
            Self::WaterCut => "water_cut",
            Self::Storm => "storm",
            Self::Reception => "reception",
            Self::Policy => "policy",
            Self::ExamResults => "exam_results",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "power_cut" => Self::PowerCut,
            "water_cut" => Self::WaterCut,
            "storm" => Self::Storm,
            "reception" => Self::Reception,
            "policy" => Self::Policy,
            "exam_results" => Self::ExamResults,
            _ => return None,
        })
    }
}

/// What the dialogue needs looked up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "need", rename_all = "snake_case")]
pub enum Need {
    /// The status of a dossier (and its processing history when asked).
    Dossier {
        code: DossierCode,
        #[serde(default)]
        history: bool,
    },
    /// Routes through a bus stop (`MT <mã trạm>`).
    BusStop { code: String },
    /// Stops near a shared location.
    Nearby { lat: f64, lng: f64 },
    /// A bus question in words (a route, fares, hours, an address).
    Bus { query: String },
    /// Current and upcoming notices of a kind; `query` may name an area.
    Notices { kind: NoticeKind, query: String },
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Looked {
    /// This lookup is not offered here.
    Unavailable,
    /// The data source failed; the citizen is asked to try again later.
    Failed,
    /// The citizen made too many lookups of this kind this minute.
    TooMany,
    /// A dossier's status.
    Dossier {
        dossier: Box<Dossier>,
        history: bool,
    },
    /// No dossier has this code.
    NoDossier { code: DossierCode },
    /// A stop and the routes calling at it.
    Stop(StopView),
    /// No stop has this code.
    NoStop { code: String },
    /// The stops nearest a shared location, nearest first (none within
    /// `radius_m` when empty).
    Nearby { stops: Vec<StopView>, radius_m: u32 },
    /// Routes a message named: hours, headway, fare, status.
    Routes(Vec<Route>),
    /// Fares, when asked without naming a route.
    Fares { note: String, routes: Vec<Route> },
    /// Stops on or near an address, a street or a place (none found when
    /// empty).
    Stops(Vec<StopView>),
    /// Notices of a kind, newest first, within a window.
    Notices {
        kind: NoticeKind,
        /// The area asked about, as shown ("phường Hải Châu").
        area: Option<String>,
        /// The window the message named ("tuần này"), end exclusive; `None`
        /// when it named none (then: now to [`NOTICES_AHEAD`]).
        window: Option<(i64, i64)>,
        notices: Vec<Notice>,
        /// How many more matched than are shown.
        more: usize,
    },
}

/// A stop as answered: where it is and what calls there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StopView {
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lng: f64,
    /// From the place asked about, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub walk_minutes: Option<u32>,
    pub routes: Vec<RouteAtStop>,
}

/// A route calling at a stop, one direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteAtStop {
    pub number: String,
    pub name: String,
    pub status: RouteStatus,
    /// The terminal this direction heads to.
    pub towards: String,
}

/// Fetches what the dialogue needs, for the citizen `key`.
#[async_trait]
pub trait Lookups: Send + Sync {
    async fn lookup(
        &self,
        key: &ConversationKey,
        need: &Need,
        now: i64,
    ) -> Result<Looked, StoreError>;
}

/// The lookups before their data sources are connected: every lookup says
/// plainly that it is not available.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotYetAvailable;

#[async_trait]
impl Lookups for NotYetAvailable {
    async fn lookup(
        &self,
        _key: &ConversationKey,
        _need: &Need,
        _now: i64,
    ) -> Result<Looked, StoreError> {
        Ok(Looked::Unavailable)
    }
}

/// The lookups over the city's data: dossiers pushed by the one-stop
/// system, the bus network, notices.
#[derive(Clone)]
pub struct DataLookups {
    pub dossiers: Arc<dyn DossierStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub bus: Arc<BusData>,
    pub notices: Arc<dyn NoticeStore>,
    /// How far (metres) the nearest stops are looked for around a shared
    /// location (`BUS_NEARBY_RADIUS_M`; at most [`crate::bus::MAX_RADIUS_M`]).
    pub nearby_radius_m: f64,
}

/// Stops shown at most for a location or an address.
pub const MAX_STOPS_SHOWN: usize = 3;
/// How far ahead "current and upcoming" notices reach when the message
/// names no time.
pub const NOTICES_AHEAD: i64 = 30 * 86_400;
/// How often (seconds) a warm function reloads the bus network.
pub const BUS_CHECK_INTERVAL: i64 = 600;

/// The bus network, indexed on first use and reloaded now and then from
/// its source (one small read), so that a cold start that answers no bus
/// question never pays for it.
pub struct BusData {
    source: Arc<dyn BusSource>,
    current: ArcSwapOption<BusIndex>,
    next_check: std::sync::atomic::AtomicI64,
}

impl BusData {
    pub fn new(source: Arc<dyn BusSource>) -> Self {
        Self {
            source,
            current: ArcSwapOption::empty(),
            next_check: std::sync::atomic::AtomicI64::new(i64::MIN),
        }
    }

    /// The current index, loading or reloading it when due; `None` when no
    /// network has been published. A failed reload keeps the index in hand.
    pub async fn index(&self, now: i64) -> Result<Option<Arc<BusIndex>>, StoreError> {
        use std::sync::atomic::Ordering;
        let current = self.current.load_full();
        let due = self.next_check.load(Ordering::Acquire);
        if now < due && current.is_some() {
            return Ok(current);
        }
        match self.source.network().await {
            Ok(Some(network)) => {
                let index = match &current {
                    Some(c) if c.network().version == network.version => c.clone(),
                    _ => Arc::new(network.index()),
                };
                self.current.store(Some(index.clone()));
                self.next_check
                    .store(now + BUS_CHECK_INTERVAL, Ordering::Release);
                Ok(Some(index))
            }
            Ok(None) => Ok(current),
            Err(e) if current.is_some() => {
                tracing::warn!(error = %e, "bus network reload failed; keeping the loaded one");
                self.next_check
                    .store(now + BUS_CHECK_INTERVAL, Ordering::Release);
                Ok(current)
            }
            Err(e) => Err(e),
        }
    }
}

impl StopView {
    /// Whether a running route calls here.
    pub fn served(&self) -> bool {
        self.routes.iter().any(|r| r.status == RouteStatus::Active)
    }

    fn new(index: &BusIndex, stop: &Stop, near: Option<&Nearby<'_>>) -> Self {
        Self {
            code: stop.code.clone(),
            name: stop.name.clone(),
            lat: stop.lat,
            lng: stop.lng,
            distance_m: near.map(|n| n.distance_m.round() as u32),
            walk_minutes: near.map(|n| n.walk_minutes),
            routes: index
                .routes_at(stop)
                .into_iter()
                .map(|(r, _, towards)| RouteAtStop {
                    number: r.number.clone(),
                    name: r.name.clone(),
                    status: r.status.clone(),
                    towards: towards.to_owned(),
                })
                .collect(),
        }
    }
}

fn search_stops(index: &BusIndex, query: &str, limit: usize, served: bool) -> Looked {
    Looked::Stops(
        index
            .search(query, usize::MAX)
            .into_iter()
            .map(|s| StopView::new(index, s, None))
            .filter(|s| !served || s.served())
            .take(limit)
            .collect(),
    )
}

/// Words of a bus question that name no place ("xe buýt nào đi tới …").
const NOT_PLACE_WORDS: &[&str] = &[
    "xe", "buyt", "bus", "tuyen", "tram", "nao", "di", "toi", "den", "ra", "vao", "o", "dau", "co",
    "khong", "gan", "nhat", "cho", "minh", "em", "muon", "tu", "qua", "thi", "a", "ak", "ah",
    "vay", "nhi", "de", "can", "bat", "dung", "chay", "duong", "nhung",
];

/// The running routes whose name or terminals hold the place a question
/// names, its words in order ("xe buýt tới sân bay" → the routes ending at
/// the airport), for places whose stops are not in the network.
fn routes_to(index: &BusIndex, query: &str) -> Vec<Route> {
    let all: Vec<String> = crate::text::tokens(query)
        .into_iter()
        .map(|t| t.folded)
        .collect();
    // The place is what remains once the question's words around it are
    // trimmed ("xe buýt ra | bến xe trung tâm | không").
    let not_place = |w: &String| NOT_PLACE_WORDS.contains(&w.as_str());
    let start = all.iter().position(|w| !not_place(w)).unwrap_or(all.len());
    let end = all
        .iter()
        .rposition(|w| !not_place(w))
        .map_or(start, |e| e + 1);
    let words = &all[start..end.max(start)];
    // One short word ("an") names no place.
    if words.is_empty() || (words.len() == 1 && words[0].len() < 3) {
        return Vec::new();
    }
    index
        .routes()
        .iter()
        .filter(|r| r.is_active())
        .filter(|r| {
            let names: Vec<String> =
                crate::text::tokens(&format!("{} {} {}", r.name, r.origin, r.destination))
                    .into_iter()
                    .map(|t| t.folded)
                    .collect();
            names.windows(words.len()).any(|w| w == words)
        })
        .cloned()
        .collect()
}

/// Whether a message asks what a ride costs.
fn asks_fare(text: &str) -> bool {
    let key = format!(" {} ", crate::text::folded_key(text));
    [
        " gia ve ",
        " ve thang ",
        " bao nhieu tien ",
        " gia bao nhieu ",
        " tien ve ",
    ]
    .iter()
    .any(|p| key.contains(p))
}

impl DataLookups {
    /// A dossier's status for a citizen, within the per-minute limit
    /// ([`crate::dossier::LOOKUPS_PER_MINUTE`]): codes are guessable, the
    /// limit keeps anyone from trying them one after another.
    pub async fn dossier(
        &self,
        who: &str,
        code: &DossierCode,
        history: bool,
        now: i64,
    ) -> Result<Looked, StoreError> {
        if !within_rate(
            self.limiter.as_ref(),
            "dossier",
            who,
            crate::dossier::LOOKUPS_PER_MINUTE,
            now,
        )
        .await?
        {
            return Ok(Looked::TooMany);
        }
        Ok(match self.dossiers.dossier(code).await? {
            Some(d) => Looked::Dossier {
                dossier: Box::new(d),
                history,
            },
            None => Looked::NoDossier { code: code.clone() },
        })
    }
}

impl DataLookups {
    async fn bus_index(&self, now: i64) -> Result<Option<Arc<BusIndex>>, StoreError> {
        self.bus.index(now).await
    }

    /// The stop with this code and its routes.
    pub async fn stop(&self, code: &str, now: i64) -> Result<Looked, StoreError> {
        let Some(index) = self.bus_index(now).await? else {
            return Ok(Looked::Unavailable);
        };
        Ok(match index.stop(code) {
            Some(stop) => Looked::Stop(StopView::new(&index, stop, None)),
            None => Looked::NoStop {
                code: code.to_owned(),
            },
        })
    }

    /// The route with this number (or a former number of it).
    pub async fn route(&self, number: &str, now: i64) -> Result<Option<Route>, StoreError> {
        Ok(self
            .bus_index(now)
            .await?
            .and_then(|index| index.route(number).cloned()))
    }

    /// The stops nearest a point, within `radius_m` (clamped); with
    /// `served`, only stops some running route calls at (what a citizen
    /// can take; the portal's map shows the others too).
    pub async fn nearby(
        &self,
        lat: f64,
        lng: f64,
        radius_m: f64,
        limit: usize,
        served: bool,
        now: i64,
    ) -> Result<Looked, StoreError> {
        let Some(index) = self.bus_index(now).await? else {
            return Ok(Looked::Unavailable);
        };
        let radius = radius_m.clamp(1.0, crate::bus::MAX_RADIUS_M);
        let stops = index
            .nearby(lat, lng, radius, usize::MAX)
            .iter()
            .map(|n| StopView::new(&index, n.stop, Some(n)))
            .filter(|s| !served || s.served())
            .take(limit)
            .collect();
        Ok(Looked::Nearby {
            stops,
            radius_m: radius.round() as u32,
        })
    }

    /// A bus question in words: routes it names, fares, or stops on or near
    /// the address or place it names.
    pub async fn bus(&self, query: &str, limit: usize, now: i64) -> Result<Looked, StoreError> {
        let Some(index) = self.bus_index(now).await? else {
            return Ok(Looked::Unavailable);
        };
        let routes: Vec<Route> = index.routes_in_text(query).into_iter().cloned().collect();
        if !routes.is_empty() {
            return Ok(Looked::Routes(routes));
        }
        if asks_fare(query) {
            return Ok(Looked::Fares {
                note: index.network().fare_note.clone(),
                routes: index
                    .routes()
                    .iter()
                    .filter(|r| r.is_active() && r.fare_vnd.is_some())
                    .cloned()
                    .collect(),
            });
        }
        match search_stops(&index, query, limit, true) {
            Looked::Stops(stops) if stops.is_empty() => {
                let routes = routes_to(&index, query);
                Ok(if routes.is_empty() {
                    Looked::Stops(stops)
                } else {
                    Looked::Routes(routes)
                })
            }
            found => Ok(found),
        }
    }

    /// Stops on or near an address, a street or a place (see
    /// [`Self::nearby`] for `served`).
    pub async fn stops(
        &self,
        query: &str,
        limit: usize,
        served: bool,
        now: i64,
    ) -> Result<Looked, StoreError> {
        Ok(match self.bus_index(now).await? {
            Some(index) => search_stops(&index, query, limit, served),
            None => Looked::Unavailable,
        })
    }

    /// Current and upcoming notices of a kind, for the area and the time
    /// the message names (from now to [`NOTICES_AHEAD`] when it names none).
    pub async fn notices(
        &self,
        kind: NoticeKind,
        query: &str,
        now: i64,
    ) -> Result<Looked, StoreError> {
        let area = Areas::shared()
            .map_err(|e| StoreError::Unavailable(format!("the wards: {e}")))?
            .find_in(query);
        // Current and upcoming: what ended before now is left out, also of
        // a window that began earlier ("tuần này" on a Friday).
        let window = crate::notices::when::window_in(query, now);
        let (from, to) = match window {
            Some((from, to)) => (from.max(now), to.max(now + 1)),
            None => (now, now + NOTICES_AHEAD),
        };
        let selected = self
            .notices_between(Some(kind), area.as_ref(), from, to)
            .await?;
        let more = selected.len().saturating_sub(MAX_NOTICES_SHOWN);
        Ok(Looked::Notices {
            kind,
            area: area.map(|a| a.label),
            window,
            notices: selected.into_iter().take(MAX_NOTICES_SHOWN).collect(),
            more,
        })
    }

    /// The notices of `kind` (any when `None`) concerning `area` (any when
    /// `None`) in force at some moment of `[from, to)`, newest first.
    pub async fn notices_between(
        &self,
        kind: Option<NoticeKind>,
        area: Option<&Area>,
        from: i64,
        to: i64,
    ) -> Result<Vec<Notice>, StoreError> {
        let stored = self.notices.notices(kind, from, to).await?;
        Ok(crate::notices::select(&stored, kind, area, from, to)
            .into_iter()
            .cloned()
            .collect())
    }
}

#[async_trait]
impl Lookups for DataLookups {
    async fn lookup(
        &self,
        key: &ConversationKey,
        need: &Need,
        now: i64,
    ) -> Result<Looked, StoreError> {
        match need {
            Need::Dossier { code, history } => {
                self.dossier(&key.storage_key(), code, *history, now).await
            }
            Need::BusStop { code } => self.stop(code, now).await,
            Need::Nearby { lat, lng } => {
                self.nearby(*lat, *lng, self.nearby_radius_m, MAX_STOPS_SHOWN, true, now)
                    .await
            }
            Need::Bus { query } => self.bus(query, MAX_STOPS_SHOWN, now).await,
            Need::Notices { kind, query } => self.notices(*kind, query, now).await,
        }
    }
}
