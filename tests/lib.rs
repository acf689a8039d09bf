//! Helpers shared by the cross-crate tests: the project's own data, loaded
//! once per test binary.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chatbot::catalogue::{self, Engine, Procedure, ProcedureCode};
use chatbot::eval::{self, Labelled};
use chatbot::store::ProcedureStore;
use chatbot::store::memory::MemoryProcedures;
use chatbot::text::lexicon::Lexicon;
use flate2::read::MultiGzDecoder;

/// The project's top folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The catalogue the project ships (`data/procedures.jsonl.gz`).
pub fn procedures() -> &'static [Procedure] {
    static ALL: OnceLock<Vec<Procedure>> = OnceLock::new();
    ALL.get_or_init(|| {
        let f = File::open(root().join("data/procedures.jsonl.gz"))
            .expect("the shipped catalogue is readable");
        catalogue::read_jsonl(BufReader::new(MultiGzDecoder::new(f)))
            .expect("the shipped catalogue parses")
    })
}

/// One procedure of the shipped catalogue.
pub fn procedure(code: &str) -> &'static Procedure {
    let code = ProcedureCode::parse(code).expect("a procedure code");
    procedures()
        .iter()
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("{code} is in the catalogue"))
}

/// The engine over the shipped catalogue and lexicon, built once.
pub fn engine() -> &'static Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Arc::new(Engine::from_procedures(
            procedures(),
            Lexicon::embedded().expect("the shipped lexicon parses"),
        ))
    })
}

/// The procedures' details, in memory.
pub fn procedure_store() -> Arc<dyn ProcedureStore> {
    static STORE: OnceLock<Arc<MemoryProcedures>> = OnceLock::new();
    STORE
        .get_or_init(|| Arc::new(MemoryProcedures::new(procedures().to_vec())))
        .clone()
}

/// The team's labelled queries (`data/eval/queries.jsonl`).
pub fn labelled() -> Vec<Labelled> {
    let f = File::open(root().join("data/eval/queries.jsonl"))
        .expect("the labelled queries are readable");
    eval::read_labelled(BufReader::new(f)).expect("the labelled queries parse")
}

/// DynamoDB Local's endpoint (`DYNAMODB_ENDPOINT`, set by `scripts/test`),
/// or `None` with a loud message: the test is skipped on a developer
/// machine without Java. Under `CI=true` a missing endpoint fails the test.
pub fn dynamodb_endpoint(test: &str) -> Option<String> {
    match std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    {
        Some(e) => Some(e),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but DYNAMODB_ENDPOINT is not set: {test} must run against DynamoDB Local in CI"
            )
        }
        None => {
            eprintln!(
                "\n*** SKIPPED {test} on DynamoDB: DYNAMODB_ENDPOINT is not set (scripts/test starts DynamoDB Local when Java is installed) ***\n"
            );
            None
        }
    }
}

/// A table prefix no other test uses.
pub fn unique_prefix(test: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        test.replace('_', "-")
    )
}
