//! The embedded default: the catalogue shipped in `data/` (compiled into the
//! binary, or read from `$CHATBOT_CATALOGUE`) and in-memory stores. What
//! the local run uses, and what a function uses before DynamoDB is wired.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use chatbot::Error;
use chatbot::catalogue::{self, Engine, Procedure};
use chatbot::dialogue::{Dialogue, Texts};
use chatbot::lookup::{Lookups, NotYetAvailable};
use chatbot::service::{LiveDialogue, Service};
use chatbot::store::memory::{
    MemoryConversations, MemoryEventLog, MemoryProcedures, MemoryProcessedEvents,
};
use chatbot::store::{OperatorNotifier, ProcedureStore, ProcessedEvents};
use chatbot::text::lexicon::Lexicon;
use flate2::read::MultiGzDecoder;

/// The catalogue as shipped, gzip-compressed JSON Lines.
pub static CATALOGUE_GZ: &[u8] = include_bytes!("../../data/procedures.jsonl.gz");

fn gunzip_if_needed<'a>(r: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, Error> {
    let mut r = BufReader::new(r);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::new(MultiGzDecoder::new(r)))
    } else {
        Box::new(r)
    })
}

/// The procedures: from `$CHATBOT_CATALOGUE` when set, else the shipped
/// catalogue.
pub fn procedures() -> Result<Vec<Procedure>, Error> {
    match std::env::var_os("CHATBOT_CATALOGUE") {
        Some(path) => {
            let f = File::open(&path).map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", path.to_string_lossy()),
                ))
            })?;
            catalogue::read_jsonl(gunzip_if_needed(f)?)
        }
        None => catalogue::read_jsonl(gunzip_if_needed(CATALOGUE_GZ)?),
    }
}

/// The search engine and the procedures' details, together.
#[derive(Clone)]
pub struct Catalogue {
    pub engine: Arc<Engine>,
    pub procedures: Arc<dyn ProcedureStore>,
}

impl Catalogue {
    /// Both from whole procedures, held in memory.
    pub fn from_procedures(procedures: Vec<Procedure>) -> Result<Self, Error> {
        let engine = Arc::new(Engine::from_procedures(&procedures, Lexicon::embedded()?));
        Ok(Self {
            engine,
            procedures: Arc::new(MemoryProcedures::new(procedures)),
        })
    }
}

/// The embedded catalogue (see [`procedures`]).
pub fn catalogue() -> Result<Catalogue, Error> {
    Catalogue::from_procedures(procedures()?)
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

/// A service over in-memory stores.
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
        lookups: lookups.unwrap_or_else(|| Arc::new(NotYetAvailable)),
    };
    (service, stores)
}
