//! `chatbot import <kind> <file>`: validates a data file and loads it into
//! DynamoDB (a real table, or DynamoDB Local through `--endpoint`).

use std::path::PathBuf;
use std::process::ExitCode;

use chatbot::Error;
use chatbot::catalogue::Procedure;
use chatbot::catalogue::validate::{Checked, check_jsonl};
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts, catalogue_version};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The procedure catalogue (JSON Lines as written by `chatbot catalogue
    /// convert`, gzip or plain).
    Catalogue,
}

/// Where the data goes.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The data table (default: $DATA_TABLE, else chatbot-data).
    #[arg(long)]
    pub table: Option<String>,
    /// A DynamoDB endpoint, e.g. DynamoDB Local's http://127.0.0.1:8000
    /// (default: $DYNAMODB_ENDPOINT, else AWS with the usual credentials).
    #[arg(long)]
    pub endpoint: Option<String>,
}

impl Target {
    pub fn endpoint(&self) -> Option<String> {
        self.endpoint
            .clone()
            .or_else(|| std::env::var("DYNAMODB_ENDPOINT").ok())
            .filter(|e| !e.trim().is_empty())
    }

    pub fn tables(&self) -> Tables {
        let mut t = Tables::from_env();
        if let Some(table) = &self.table {
            t.data = table.clone();
        }
        t
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    kind: Kind,
    /// The file.
    file: PathBuf,
    #[command(flatten)]
    target: Target,
    /// Validate and report, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid records of a file that has invalid ones (they are
    /// listed, and left out of the catalogue).
    #[arg(long)]
    skip_invalid: bool,
    /// Create the tables first when they do not exist (only with an
    /// endpoint: in AWS the SAM template creates them).
    #[arg(long)]
    create_tables: bool,
}

/// At most this many problems are listed (all are counted).
const LISTED: usize = 50;

fn report(checked: &Checked) -> Result<(), Error> {
    for i in checked.invalid.iter().take(LISTED) {
        eprintln!("  {i}");
    }
    if checked.invalid.len() > LISTED {
        eprintln!("  … and {} more", checked.invalid.len() - LISTED);
    }
    Ok(())
}

pub async fn import(args: &ImportArgs) -> Result<ExitCode, Error> {
    match args.kind {
        Kind::Catalogue => import_catalogue(args).await,
    }
}

async fn import_catalogue(args: &ImportArgs) -> Result<ExitCode, Error> {
    let checked = check_jsonl(crate::catalogue_cmd::open_maybe_gzip(&args.file)?)?;
    let file = args.file.display();
    if !checked.invalid.is_empty() {
        eprintln!(
            "{file}: {} of {} records are invalid:",
            checked.bad_lines(),
            checked.valid.len() + checked.bad_lines()
        );
        report(&checked)?;
        if !args.skip_invalid {
            eprintln!("nothing was written (use --skip-invalid to import the valid records)");
            return Ok(ExitCode::from(1));
        }
    }
    let procedures: Vec<Procedure> = checked.valid.into_iter().map(|(_, p)| p).collect();
    if procedures.is_empty() {
        eprintln!("{file}: no valid procedure; nothing was written");
        return Ok(ExitCode::from(1));
    }
    let version = catalogue_version(&procedures).map_err(store_error)?;
    if args.dry_run {
        say!(
            "{file}: {} procedures valid, catalogue version {version}; dry run, nothing written",
            procedures.len()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let endpoint = args.target.endpoint();
    if args.create_tables && endpoint.is_none() {
        return Err(Error::Store(
            "--create-tables needs --endpoint: in AWS the SAM template creates the tables".into(),
        ));
    }
    let store =
        DynamoStore::connect(endpoint.as_deref(), args.target.tables(), Timeouts::BATCH).await;
    if args.create_tables {
        store.create_tables().await.map_err(store_error)?;
    }
    let bar = ProgressBar::new(procedures.len() as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .map_err(|e| Error::Store(e.to_string()))?
            .progress_chars("=> "),
    );
    bar.set_message("procedures");
    let published = store
        .publish_catalogue(&procedures, &|n| bar.inc(n as u64))
        .await
        .map_err(store_error)?;
    bar.finish_and_clear();
    say!(
        "{}: {} procedures into {} — catalogue version {}{} ({} snapshot chunk(s), {} KB; {} removed procedure(s) deleted)",
        file,
        published.procedures,
        store.tables().data,
        published.version,
        if published.changed {
            ", now current"
        } else {
            ", already current (nothing changed)"
        },
        published.chunks,
        published.snapshot_bytes / 1024,
        published.removed,
    );
    Ok(ExitCode::SUCCESS)
}

fn store_error(e: chatbot::store::StoreError) -> Error {
    Error::Store(e.to_string())
}
