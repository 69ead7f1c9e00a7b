//! `hookwall`: the core's command line. Exit codes: 0 accepted/allowed, 1 rejected/denied,
//! 2 usage or configuration error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod classify;
mod input;
mod table;

#[derive(Parser)]
#[command(
    name = "hookwall",
    version,
    about = "Parse, classify and police security webhooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify one webhook body and print its CloudEvent.
    Classify(classify::Args),
    /// Print the classification table (Markdown), one row per event type.
    Table,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Classify(args) => classify::run(args),
        Command::Table => table::run(),
    }
}
