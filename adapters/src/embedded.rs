//! The embedded default: the catalogue shipped in `data/` (compiled into the
//! binary, or read from `$CHATBOT_CATALOGUE`) and in-memory stores. What
//! the local run uses, and what a function uses before DynamoDB is wired.
//!
//! The shipped catalogue is prepared at compile time (build.rs): the search
//! engine as a snapshot, loaded in a few milliseconds, and the procedures'
//! details as JSON lines, each parsed only when an answer needs it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use chatbot::Error;
use chatbot::catalogue::{self, Engine, Procedure, ProcedureCode};
use chatbot::dialogue::{Dialogue, Texts};
use chatbot::lookup::{BusData, DataLookups, Lookups, NotYetAvailable};
use chatbot::notices::{Areas, Notice};
use chatbot::service::{LiveDialogue, Service};
use chatbot::store::memory::{MemoryBus, MemoryDossiers, MemoryNotices, MemoryRateLimiter};
use chatbot::store::memory::{
    MemoryConversations, MemoryEventLog, MemoryProcedures, MemoryProcessedEvents,
};
use chatbot::store::{OperatorNotifier, ProcedureStore, ProcessedEvents, StoreError};
use chatbot::text::lexicon::Lexicon;
use flate2::read::MultiGzDecoder;

/// The shipped catalogue's search engine (`Engine::to_snapshot`).
static ENGINE_SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/engine.bin"));
/// The shipped procedures, one JSON line each, in the engine's entry order.
static DETAILS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/procedures.jsonl"));
/// Where each line of [`DETAILS`] starts (little-endian u32), and its end.
static OFFSETS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/procedures.offsets"));

fn gunzip_if_needed<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut r = BufReader::new(r);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::new(MultiGzDecoder::new(r)))
    } else {
        Box::new(r)
    })
}

/// The procedures of the catalogue file at `path` (JSON Lines, gzip or
/// plain).
fn procedures_in(path: &std::ffi::OsStr) -> Result<Vec<Procedure>, Error> {
    let f = File::open(path).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.to_string_lossy()),
        ))
    })?;
    catalogue::read_jsonl(gunzip_if_needed(f)?)
}

/// The shipped procedures' details, read from the binary one procedure at
/// a time.
pub struct EmbeddedProcedures {
    /// The shipped engine: its entries are in the order of the lines.
    engine: Arc<Engine>,
}

impl EmbeddedProcedures {
    /// The details of the entries of the shipped engine (same order).
    fn new(engine: Arc<Engine>) -> Result<Self, Error> {
        if OFFSETS.len() != 4 * (engine.entries().len() + 1) {
            return Err(Error::Store(
                "the embedded catalogue's details do not match its index".into(),
            ));
        }
        Ok(Self { engine })
    }

    fn line(i: usize) -> Option<&'static [u8]> {
        let at = |k: usize| {
            OFFSETS
                .get(4 * k..4 * k + 4)
                .and_then(|b| b.try_into().ok())
                .map(|b| u32::from_le_bytes(b) as usize)
        };
        DETAILS.get(at(i)?..at(i + 1)?)
    }
}

#[async_trait::async_trait]
impl ProcedureStore for EmbeddedProcedures {
    async fn procedure(&self, code: &ProcedureCode) -> Result<Option<Procedure>, StoreError> {
        let Some(i) = self.engine.position(code) else {
            return Ok(None);
        };
        let line = Self::line(i)
            .ok_or_else(|| StoreError::Unavailable("embedded catalogue: no such line".into()))?;
        serde_json::from_slice(line)
            .map(Some)
            .map_err(|e| StoreError::Unavailable(format!("embedded catalogue, {code}: {e}")))
    }
}

/// The synthetic sample dossiers shipped in `data/samples/` (the local
/// run's dossiers; labelled as samples in every answer).
pub fn sample_dossiers() -> Result<Vec<chatbot::dossier::Dossier>, Error> {
    chatbot::dossier::read_jsonl(include_str!("../../data/samples/dossiers.jsonl")).map_err(|e| {
        Error::Parse {
            line: e[0].0,
            message: format!("data/samples/dossiers.jsonl: {}", e[0].1),
        }
    })
}

/// The sample notices shipped in `data/samples/` (labelled "[Mẫu]").
pub fn sample_notices(areas: &Areas) -> Result<Vec<Notice>, Error> {
    chatbot::notices::read_jsonl(include_str!("../../data/samples/notices.jsonl"), areas).map_err(
        |e| Error::Parse {
            line: e[0].0,
            message: format!("data/samples/notices.jsonl: {}", e[0].1),
        },
    )
}

/// The lookups of the embedded default: the sample dossiers and notices
/// and the shipped bus network, in memory.
pub fn memory_data() -> Result<DataLookups, Error> {
    let areas = Areas::shared()?;
    Ok(DataLookups {
        dossiers: Arc::new(MemoryDossiers::new(sample_dossiers()?)),
        limiter: Arc::new(MemoryRateLimiter::default()),
        bus: Arc::new(BusData::new(Arc::new(MemoryBus::new(
            chatbot::bus::embedded()?,
        )))),
        notices: Arc::new(MemoryNotices::new(sample_notices(areas)?)),
        nearby_radius_m: nearby_radius()?,
    })
}

/// How far around a shared location stops are looked for:
/// `BUS_NEARBY_RADIUS_M` (metres, 50 to 2,000), default 500.
pub fn nearby_radius() -> Result<f64, Error> {
    match std::env::var("BUS_NEARBY_RADIUS_M") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<f64>() {
            Ok(r) if (50.0..=chatbot::bus::MAX_RADIUS_M).contains(&r) => Ok(r),
            _ => Err(Error::Store(format!(
                "BUS_NEARBY_RADIUS_M={v:?}: expected metres between 50 and {}",
                chatbot::bus::MAX_RADIUS_M
            ))),
        },
        _ => Ok(chatbot::bus::DEFAULT_RADIUS_M),
    }
}

/// The search engine and the procedures' details, together.
#[derive(Clone)]
pub struct Catalogue {
    pub engine: Arc<Engine>,
    pub procedures: Arc<dyn ProcedureStore>,
}

impl Catalogue {
    /// The shipped catalogue: its engine from the compile-time snapshot,
    /// its details read from the binary as answers need them.
    pub fn shipped() -> Result<Self, Error> {
        let engine = Arc::new(Engine::from_snapshot(ENGINE_SNAPSHOT)?);
        let procedures = EmbeddedProcedures::new(engine.clone())?;
        Ok(Self {
            engine,
            procedures: Arc::new(procedures),
        })
    }

    /// Both from whole procedures, held in memory.
    pub fn from_procedures(procedures: Vec<Procedure>) -> Result<Self, Error> {
        let engine = Arc::new(Engine::from_procedures(&procedures, Lexicon::embedded()?));
        Ok(Self {
            engine,
            procedures: Arc::new(MemoryProcedures::new(procedures)),
        })
    }
}

/// The embedded catalogue: the shipped one from its compile-time
/// snapshot, or the one `$CHATBOT_CATALOGUE` names, read and indexed.
pub fn catalogue() -> Result<Catalogue, Error> {
    match std::env::var_os("CHATBOT_CATALOGUE") {
        Some(path) => Catalogue::from_procedures(procedures_in(&path)?),
        None => Catalogue::shipped(),
    }
}

/// The embedded catalogue, built on first use and shared by everything in
/// the process (the local server's functions, tests).
pub fn shared_catalogue() -> Result<Catalogue, Error> {
    static CATALOGUE: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    if let Some(c) = CATALOGUE.get() {
        return Ok(c.clone());
    }
    let c = catalogue()?;
    Ok(CATALOGUE.get_or_init(|| c).clone())
}

/// Reads an event file of `events/<function>/` (tests).
pub fn event_file(
    function: &str,
    name: &str,
) -> Result<aws_lambda_events::apigw::ApiGatewayV2httpRequest, Error> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(function)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        line: e.line(),
        message: format!("{}: {e}", path.display()),
    })
}

/// The names of the event files of `events/<function>/` (tests).
pub fn event_names(function: &str) -> Result<Vec<String>, Error> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(function);
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// The city's words, from the environment (`CITY_NAME`, `HOTLINE`,
/// `HOTLINE_DIAL`), defaulting to Đà Nẵng's 1022.
pub fn texts() -> Texts {
    let mut t = Texts::default();
    if let Ok(city) = std::env::var("CITY_NAME")
        && !city.trim().is_empty()
    {
        t.city = city.trim().to_owned();
    }
    if let Ok(h) = std::env::var("HOTLINE")
        && !h.trim().is_empty()
    {
        t.hotline = h.trim().to_owned();
    }
    if let Ok(h) = std::env::var("HOTLINE_DIAL")
        && !h.trim().is_empty()
    {
        t.hotline_dial = h.trim().to_owned();
    }
    t
}

/// The in-memory stores behind a service, kept for inspection.
#[derive(Clone)]
pub struct MemoryStores {
    pub conversations: Arc<MemoryConversations>,
    pub processed: Arc<MemoryProcessedEvents>,
    pub events: Arc<MemoryEventLog>,
}

impl MemoryStores {
    pub fn processed(&self) -> Arc<dyn ProcessedEvents> {
        self.processed.clone()
    }
}

/// A service over in-memory stores; without `lookups`, those of
/// [`memory_data`].
pub fn memory_service(
    catalogue: &Catalogue,
    notifier: Arc<dyn OperatorNotifier>,
    lookups: Option<Arc<dyn Lookups>>,
) -> (Service, MemoryStores) {
    let stores = MemoryStores {
        conversations: Arc::new(MemoryConversations::default()),
        processed: Arc::new(MemoryProcessedEvents::default()),
        events: Arc::new(MemoryEventLog::default()),
    };
    let service = Service {
        dialogue: Arc::new(LiveDialogue::fixed(Dialogue::new(
            catalogue.engine.clone(),
            texts(),
        ))),
        procedures: catalogue.procedures.clone(),
        conversations: stores.conversations.clone(),
        events: stores.events.clone(),
        notifier,
        lookups: lookups.unwrap_or_else(|| match memory_data() {
            Ok(d) => Arc::new(d),
            Err(e) => {
                tracing::error!(error = %e, "the shipped samples are unreadable; lookups unavailable");
                Arc::new(NotYetAvailable)
            }
        }),
    };
    (service, stores)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped catalogue, read and indexed the slow way.
    fn from_source() -> Vec<Procedure> {
        let gz: &[u8] = include_bytes!("../../data/procedures.jsonl.gz");
        catalogue::read_jsonl(gunzip_if_needed(gz).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn the_compiled_catalogue_should_answer_like_the_shipped_file() {
        let source = from_source();
        let built = Engine::from_procedures(&source, Lexicon::embedded().unwrap());
        let shipped = Catalogue::shipped().unwrap();
        assert_eq!(shipped.engine.entries(), built.entries());
        let queries =
            chatbot::eval::read_labelled(include_str!("../../data/eval/queries.jsonl").as_bytes())
                .unwrap();
        for q in &queries {
            assert_eq!(shipped.engine.search(&q.q), built.search(&q.q), "{}", q.q);
        }
        // Details: every procedure, exactly as in the file.
        for p in &source {
            let got = shipped.procedures.procedure(&p.code).await.unwrap();
            assert_eq!(got.as_ref(), Some(p), "{}", p.code);
        }
        let unknown = ProcedureCode::try_from("9.999999".to_owned()).unwrap();
        assert_eq!(shipped.procedures.procedure(&unknown).await.unwrap(), None);
    }
}
