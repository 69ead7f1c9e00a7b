//! `hookwall`: the core's command line. Exit codes: 0 accepted/allowed, 1 rejected/denied,
//! 2 usage or configuration error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check_config;
mod classify;
mod input;
mod inspect;
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
    /// Validate a policy configuration and summarize its sources.
    CheckConfig(check_config::Args),
    /// Decide on one request as the runtimes do and print the verdict as JSON.
    Inspect(inspect::Args),
    /// Print the classification table (Markdown), one row per event type.
    Table,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Classify(args) => classify::run(args),
        Command::CheckConfig(args) => check_config::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Table => table::run(),
    }
}
