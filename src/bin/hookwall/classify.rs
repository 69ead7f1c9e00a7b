//! `hookwall classify`: one body to its CloudEvent, or many to a one-line-each table.

use std::path::PathBuf;
use std::process::ExitCode;

use hookwall::{Options, Provider, RedactPath};

use crate::input;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The CloudEvent, structured JSON mode.
    Cloudevent,
    /// The bare normalized event (the CloudEvent's `data`).
    Data,
    /// One line per body: provider, type, category, severity, summary.
    Table,
}

#[derive(clap::Args)]
pub struct Args {
    /// The provider the route expects (crowdsec, cloud66, sectigo); detected from the payload when absent.
    #[arg(long, value_parser = parse_provider)]
    provider: Option<Provider>,
    /// What to print.
    #[arg(long, value_enum, default_value = "cloudevent")]
    format: Format,
    /// An extra path in the payload to redact (repeatable), e.g. `body.user.email`.
    #[arg(long = "redact", value_name = "PATH", value_parser = RedactPath::parse)]
    redact: Vec<RedactPath>,
    /// The bodies to classify; `-` or nothing reads stdin.
    files: Vec<PathBuf>,
}

fn parse_provider(name: &str) -> Result<Provider, String> {
    Provider::from_name(name)
        .ok_or_else(|| format!("unknown provider \"{name}\" (crowdsec, cloud66, sectigo)"))
}

pub fn run(args: Args) -> ExitCode {
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let options = Options {
        provider: args.provider,
        redact: &args.redact,
        received_at: None,
    };
    let mut rejected = false;
    for file in &files {
        let body = match input::read(Some(file)) {
            Ok(body) => body,
            Err(e) => {
                eprintln!("hookwall: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        };
        match hookwall::classify(&body, &options) {
            Ok(event) => match args.format {
                Format::Cloudevent => println!("{}", event.to_cloudevent_json()),
                Format::Data => println!("{}", event.to_data_json()),
                Format::Table => println!(
                    "{:<9} {:<42} {:<14} {:<9} {}",
                    event.provider.as_str(),
                    event.event_type,
                    event.category.as_str(),
                    event.severity.as_str(),
                    event.summary
                ),
            },
            Err(error) => {
                rejected = true;
                eprintln!(
                    "hookwall: {}: rejected ({}, {}): {error}",
                    file.display(),
                    error.status(),
                    error.code()
                );
            }
        }
    }
    if rejected {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
