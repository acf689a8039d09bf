//! Which stores a function or the local server runs on, chosen by the
//! environment: `CHATBOT_STORE=dynamodb` (set by the SAM template) uses the
//! tables named by `DATA_TABLE`, `STATE_TABLE`, `EVENTS_TABLE`, reached
//! through `DYNAMODB_ENDPOINT` when set (DynamoDB Local); anything else
//! uses the embedded default (the catalogue in `data/`, memory stores).

use std::sync::Arc;

use chatbot::Error;
use chatbot::lookup::{BusData, DataLookups, Lookups};
use chatbot::service::{LiveDialogue, Service};
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts};
use chatbot::store::{OperatorNotifier, ProcessedEvents};

use crate::embedded::{self, MemoryStores};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The embedded catalogue and memory stores (nothing survives a restart).
    Memory,
    /// DynamoDB: AWS, or the endpoint given (DynamoDB Local).
    Dynamo {
        endpoint: Option<String>,
        tables: Tables,
    },
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Backend {
    /// From `CHATBOT_STORE` (`memory`, the default, or `dynamodb`).
    pub fn from_env() -> Result<Self, Error> {
        match env("CHATBOT_STORE").as_deref() {
            None | Some("memory") => Ok(Self::Memory),
            Some("dynamodb") => Ok(Self::Dynamo {
                endpoint: env("DYNAMODB_ENDPOINT"),
                tables: Tables::from_env(),
            }),
            Some(other) => Err(Error::Store(format!(
                "CHATBOT_STORE={other:?}: expected \"memory\" or \"dynamodb\""
            ))),
        }
    }
}

/// A service and the processed-event register the webhooks deduplicate
/// with.
pub struct Backing {
    pub service: Service,
    pub processed: Arc<dyn ProcessedEvents>,
    /// The memory stores, for inspection (the local run's outbox view).
    pub memory: Option<MemoryStores>,
    /// The DynamoDB store, when that is the backend.
    pub dynamo: Option<DynamoStore>,
}

/// Builds the service on `backend`. With DynamoDB this opens the
/// connection and loads the published catalogue snapshot: the cold start.
pub async fn backing(
    backend: &Backend,
    notifier: Arc<dyn OperatorNotifier>,
    lookups: Option<Arc<dyn Lookups>>,
    now: i64,
) -> Result<Backing, Error> {
    match backend {
        Backend::Memory => {
            let (service, stores) =
                embedded::memory_service(&embedded::catalogue()?, notifier, lookups);
            Ok(Backing {
                service,
                processed: stores.processed(),
                memory: Some(stores),
                dynamo: None,
            })
        }
        Backend::Dynamo { endpoint, tables } => {
            let store =
                DynamoStore::connect(endpoint.as_deref(), tables.clone(), Timeouts::WEBHOOK).await;
            let shared = Arc::new(store.clone());
            let dialogue = LiveDialogue::load(shared.clone(), embedded::texts(), now).await?;
            tracing::info!(version = %dialogue.version(), "catalogue loaded");
            let service = Service {
                dialogue: Arc::new(dialogue),
                procedures: shared.clone(),
                conversations: shared.clone(),
                events: shared.clone(),
                notifier,
                lookups: match lookups {
                    Some(l) => l,
                    None => Arc::new(dynamo_data(shared.clone())?),
                },
            };
            Ok(Backing {
                service,
                processed: shared,
                memory: None,
                dynamo: Some(store),
            })
        }
    }
}

/// The lookups' data on `backend`, without the catalogue: what the query
/// functions (dossier status, buses, notices) start with. With DynamoDB
/// nothing is read before the first request.
pub async fn data(backend: &Backend) -> Result<DataLookups, Error> {
    match backend {
        Backend::Memory => embedded::memory_data(),
        Backend::Dynamo { endpoint, tables } => {
            let store = Arc::new(
                DynamoStore::connect(endpoint.as_deref(), tables.clone(), Timeouts::WEBHOOK).await,
            );
            dynamo_data(store)
        }
    }
}

fn dynamo_data(store: Arc<DynamoStore>) -> Result<DataLookups, Error> {
    Ok(DataLookups {
        dossiers: store.clone(),
        limiter: store.clone(),
        bus: Arc::new(BusData::new(store.clone())),
        notices: store,
        nearby_radius_m: embedded::nearby_radius()?,
    })
}

/// [`data`] for the backend of the environment.
pub async fn data_from_env() -> Result<DataLookups, Error> {
    data(&Backend::from_env()?).await
}

/// What a deployed function starts with: the backend of the environment,
/// operators notified through the log, the lookups on the same backend,
/// now.
pub async fn backing_from_env() -> Result<Backing, Error> {
    backing(
        &Backend::from_env()?,
        Arc::new(crate::logging::LogNotifier),
        None,
        crate::now(),
    )
    .await
}
