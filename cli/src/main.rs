//! `chatbot`: the command line of the city's public-service chatbot.

// Answering a message allocates many short strings (syllables, spellings):
// mimalloc serves them markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes a line to stdout, returning the error instead of panicking when
/// stdout is gone (`chatbot eval … | head`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// Like [`say!`] without the newline.
#[macro_export]
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod areas_cmd;
mod bench;
mod bus_cmd;
mod catalogue_cmd;
mod chat_cmd;
mod coldstart_cmd;
mod files;
mod forget_cmd;
mod import_cmd;
mod search_cmd;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chatbot",
    version,
    about = "The city's public-service chatbot, on the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the catalogue comes from.
#[derive(Args, Clone)]
pub struct CatalogueArg {
    /// The catalogue (JSON Lines, gzip or plain). Defaults to
    /// $CHATBOT_CATALOGUE, then data/procedures.jsonl.gz of the project.
    #[arg(long, global = true)]
    pub catalogue: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Work with the procedure catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Work with the bus network (data/bus/).
    Bus {
        #[command(subcommand)]
        command: BusCommand,
    },
    /// Work with the wards and their former names (data/admin/).
    Areas {
        #[command(subcommand)]
        command: AreasCommand,
    },
    /// Search the catalogue. With --jsonl: one query a line on stdin, one
    /// JSON object a line on stdout.
    Search {
        /// Read queries from stdin, one a line, and write JSON Lines.
        #[arg(long)]
        jsonl: bool,
        /// Show how the query was read and scored (for tuning).
        #[arg(long, conflicts_with = "jsonl")]
        explain: bool,
        /// A single query (without --jsonl).
        query: Vec<String>,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Print the reply a citizen would read.
    Ask {
        /// The message, as a citizen would type it.
        text: Vec<String>,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Measure retrieval on labelled queries (JSON Lines: q, expect, slice,
    /// aspect).
    Eval(search_cmd::EvalArgs),
    /// Benchmarks on this machine: our engine alone (`bench engine`), or side
    /// by side with peer engines on the same data (`bench retrieval`).
    Bench(bench::BenchArgs),
    /// Time a function binary's cold start (process start → ready for the
    /// first event) against a stand-in for the Lambda Runtime API.
    Coldstart(coldstart_cmd::ColdstartArgs),
    /// Serve every function's routes on localhost, with the demo portal and
    /// its chat widget at /.
    Serve(serve::ServeArgs),
    /// Validate a data file and load it into DynamoDB (batch writes,
    /// idempotent re-runs).
    Import(import_cmd::ImportArgs),
    /// Delete what is kept about one citizen, at their request: the
    /// conversation state and the events naming the conversation.
    Forget(forget_cmd::ForgetArgs),
    /// Talk with the chatbot in the terminal (numbers pick the offered
    /// choices; /quit ends).
    Chat {
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Convert the national portal's records (JSON Lines, gzip or plain)
    /// into the project's catalogue format.
    Convert {
        /// The raw records, e.g. tthc_national_dvcqg_2026.jsonl.gz.
        input: PathBuf,
        /// Where to write the catalogue (gzip-compressed when it ends in .gz).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BusCommand {
    /// Convert the 2023 stop data and the 2025–2026 route table into the
    /// shipped network, keeping the stop codes of the register.
    Convert {
        /// The stops, routes and places (danang_bus_fumodayo_2023.json).
        stops: PathBuf,
        /// The route table (danang_bus_routes_2025_danabus.csv).
        routes: PathBuf,
        /// The stop-code register, read and updated.
        #[arg(long, default_value = "data/bus/stop-codes.csv")]
        codes: PathBuf,
        /// Where to write the network.
        #[arg(long, default_value = "data/bus/network.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AreasCommand {
    /// Convert the list of wards and the old-to-new table into the shipped
    /// areas file.
    Convert {
        /// The current wards (danang_wards_2025_vietmap.json).
        wards: PathBuf,
        /// Old ward → new ward (danang_admin_old_to_new_vietmap.csv).
        old_to_new: PathBuf,
        /// Where to write the areas.
        #[arg(long, default_value = "data/admin/wards.json")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chatbot: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Catalogue {
            command: CatalogueCommand::Convert { input, out },
        } => catalogue_cmd::convert(&input, &out),
        Command::Bus {
            command:
                BusCommand::Convert {
                    stops,
                    routes,
                    codes,
                    out,
                },
        } => bus_cmd::convert(&stops, &routes, &codes, &out),
        Command::Areas {
            command:
                AreasCommand::Convert {
                    wards,
                    old_to_new,
                    out,
                },
        } => areas_cmd::convert(&wards, &old_to_new, &out),
        Command::Search {
            jsonl,
            explain,
            query,
            catalogue,
        } => search_cmd::search(&catalogue, jsonl, explain, &query.join(" ")),
        Command::Ask { text, catalogue } => {
            runtime.block_on(search_cmd::ask(&catalogue, &text.join(" ")))
        }
        Command::Eval(args) => search_cmd::eval(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Chat { catalogue } => runtime.block_on(chat_cmd::chat(&catalogue)),
        Command::Serve(args) => runtime.block_on(serve::serve(&args)),
        Command::Coldstart(args) => runtime.block_on(coldstart_cmd::coldstart(&args)),
        Command::Import(args) => runtime.block_on(import_cmd::import(&args)),
        Command::Forget(args) => runtime.block_on(forget_cmd::forget(&args)),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`| head`): nothing left to say.
        Err(chatbot::Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chatbot: {e}");
            ExitCode::from(2)
        }
    }
}
