//! `chatbot`: the command line of the city's public-service chatbot.

mod catalogue_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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

#[derive(Subcommand)]
enum Command {
    /// Work with the procedure catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Catalogue {
            command: CatalogueCommand::Convert { input, out },
        } => catalogue_cmd::convert(&input, &out),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chatbot: {e}");
            ExitCode::from(2)
        }
    }
}
