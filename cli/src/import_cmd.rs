//! `chatbot import <kind> <file>`: validates a data file and loads it into
//! DynamoDB (a real table, or DynamoDB Local through `--endpoint`).

use std::path::PathBuf;
use std::process::ExitCode;

use chatbot::Error;
use chatbot::catalogue::Procedure;
use chatbot::catalogue::validate::{Checked, check_jsonl};
use chatbot::store::StoreError;
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts, catalogue_version};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The procedure catalogue (JSON Lines as written by `chatbot catalogue
    /// convert`, gzip or plain).
    Catalogue,
    /// Dossier statuses from the one-stop system (JSON Lines, one dossier a
    /// line, as `PUT /dossiers/{code}` takes them); an older status than
    /// the stored one is left out and reported.
    Dossiers,
    /// City notices (JSON Lines, one notice a line; see
    /// data/samples/notices.jsonl): stored by id, a changed notice replaces
    /// the stored one.
    Notices,
    /// The bus network as written by `chatbot bus convert`
    /// (data/bus/network.json), published as one versioned document.
    Bus,
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
        Kind::Dossiers => import_dossiers(args).await,
        Kind::Notices => import_notices(args).await,
        Kind::Bus => import_bus(args).await,
    }
}

/// The store the import writes to, its tables created first when asked.
async fn connect(args: &ImportArgs) -> Result<DynamoStore, Error> {
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
    Ok(store)
}

fn progress(len: usize, what: &'static str) -> Result<ProgressBar, Error> {
    let bar = ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .map_err(|e| Error::Store(e.to_string()))?
            .progress_chars("=> "),
    );
    bar.set_message(what);
    Ok(bar)
}

/// Reads a JSON Lines file of records, reporting its invalid lines: the
/// valid records, or `None` when nothing may be written.
fn valid_records<T>(
    args: &ImportArgs,
    read: impl Fn(&str) -> (Vec<T>, Vec<(usize, String)>),
) -> Result<Option<Vec<T>>, Error> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut crate::catalogue_cmd::open_maybe_gzip(&args.file)?,
        &mut text,
    )?;
    let file = args.file.display();
    let (records, errors) = read(&text);
    if !errors.is_empty() {
        eprintln!("{file}: {} invalid line(s):", errors.len());
        for (line, message) in errors.iter().take(LISTED) {
            eprintln!("  line {line}: {message}");
        }
        if errors.len() > LISTED {
            eprintln!("  … and {} more", errors.len() - LISTED);
        }
        if !args.skip_invalid {
            eprintln!("nothing was written (use --skip-invalid to import the valid records)");
            return Ok(None);
        }
    }
    if records.is_empty() {
        eprintln!("{file}: no valid record; nothing was written");
        return Ok(None);
    }
    Ok(Some(records))
}

async fn import_dossiers(args: &ImportArgs) -> Result<ExitCode, Error> {
    use chatbot::store::DossierStore;
    let Some(dossiers) = valid_records(args, chatbot::dossier::read_jsonl_lenient)? else {
        return Ok(ExitCode::from(1));
    };
    write_records(args, "dossiers", &dossiers, async |store, d| {
        store.put_dossier(d).await
    })
    .await
}

/// Writes records one by one (each write is conditional), counting what
/// happened; a conflict (a newer dossier status is stored) is reported by
/// record number — never by code: codes stay out of logs.
async fn write_records<T>(
    args: &ImportArgs,
    what: &'static str,
    records: &[T],
    put: impl AsyncFn(&DynamoStore, &T) -> Result<chatbot::store::Written, StoreError>,
) -> Result<ExitCode, Error> {
    use chatbot::store::Written;
    let file = args.file.display();
    if args.dry_run {
        say!(
            "{file}: {} {what} valid; dry run, nothing written",
            records.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let store = connect(args).await?;
    let bar = progress(records.len(), what)?;
    let (mut created, mut updated, mut unchanged, mut older) = (0, 0, 0, Vec::new());
    for (i, r) in records.iter().enumerate() {
        match put(&store, r).await {
            Ok(Written::Created) => created += 1,
            Ok(Written::Updated) => updated += 1,
            Ok(Written::Unchanged) => unchanged += 1,
            Err(StoreError::Conflict) => older.push(i + 1),
            Err(e) => return Err(store_error(e)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let older_note = if older.is_empty() {
        String::new()
    } else {
        format!(", {} older than the stored status (left out)", older.len())
    };
    say!(
        "{file}: into {} — {created} created, {updated} updated, {unchanged} unchanged{older_note}",
        store.tables().data
    );
    for n in older.iter().take(LISTED) {
        eprintln!("  record {n}: not imported, a newer status is stored");
    }
    Ok(ExitCode::SUCCESS)
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

    let store = connect(args).await?;
    let bar = progress(procedures.len(), "procedures")?;
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

fn store_error(e: StoreError) -> Error {
    Error::Store(e.to_string())
}

async fn import_notices(args: &ImportArgs) -> Result<ExitCode, Error> {
    use chatbot::store::NoticeStore;
    let areas = chatbot::notices::Areas::shared()?;
    let read = |t: &str| chatbot::notices::read_jsonl_lenient(t, areas);
    let Some(notices) = valid_records(args, read)? else {
        return Ok(ExitCode::from(1));
    };
    write_records(args, "notices", &notices, async |store, n| {
        store.put_notice(n).await
    })
    .await
}

async fn import_bus(args: &ImportArgs) -> Result<ExitCode, Error> {
    use chatbot::store::{BusSource, Written};
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut crate::catalogue_cmd::open_maybe_gzip(&args.file)?,
        &mut text,
    )?;
    let file = args.file.display();
    let network: chatbot::bus::Network = match serde_json::from_str(&text) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{file}: not a bus network: {e}");
            eprintln!("nothing was written");
            return Ok(ExitCode::from(1));
        }
    };
    let problems = network.problems();
    if !problems.is_empty() {
        eprintln!("{file}: {} problem(s):", problems.len());
        for p in problems.iter().take(LISTED) {
            eprintln!("  {p}");
        }
        eprintln!("nothing was written");
        return Ok(ExitCode::from(1));
    }
    let summary = format!(
        "{} stops, {} routes, version {}",
        network.stops.len(),
        network.routes.len(),
        network.version
    );
    if args.dry_run {
        say!("{file}: {summary}; dry run, nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let store = connect(args).await?;
    let written = store.publish_network(&network).await.map_err(store_error)?;
    say!(
        "{file}: {summary} into {} — {}",
        store.tables().data,
        match written {
            Written::Created => "published",
            Written::Updated => "published, replacing the previous version",
            Written::Unchanged => "already current (nothing changed)",
        }
    );
    Ok(ExitCode::SUCCESS)
}
