//! `hookwall`: the core's command line. Exit codes: 0 accepted/allowed/done, 1 rejected/denied
//! (or refused by the Worker's admin API), 2 usage, input or output error (a wrong admin token too).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod check_config;
mod classify;
mod events;
mod input;
mod inspect;
mod output;
mod table;

#[derive(Parser)]
#[command(
    name = "hookwall",
    version,
    about = "Parse, classify and police security webhooks",
    after_help = "Exit status: 0 accepted, allowed or done, 1 rejected, denied or refused by the Worker, 2 usage, input or output error (a wrong admin token too)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify webhook bodies (files, or stdin) and print each one's CloudEvent.
    Classify(classify::Args),
    /// Validate a policy configuration and summarize its sources.
    CheckConfig(check_config::Args),
    /// Decide on one request as the runtimes do and print the verdict as JSON.
    Inspect(inspect::Args),
    /// Print the classification table (Markdown), one row per event type.
    Table,
    /// The Worker's events and deliveries, through its admin API: list, show, recover, resend.
    Events(events::Args),
}

/// A command that could not do its job (an unreadable file, an unusable config, an unwritable
/// stdout): exit status 2 with this one-line message, which names the file.
pub struct Failure(pub String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Classify(args) => classify::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        Command::Inspect(args) => inspect::run(args),
        Command::Table => table::run(),
        Command::Events(args) => events::run(args),
    };
    result.unwrap_or_else(|Failure(message)| {
        output::complain(message);
        ExitCode::from(2)
    })
}
