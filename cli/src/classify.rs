//! `hookwall classify`: bodies to their CloudEvents, or to a one-line-each table.

use std::path::PathBuf;
use std::process::ExitCode;

use hookwall::{Event, Options, Provider, RedactPath, UnknownProvider, MAX_BODY_BYTES};

use crate::output::{self, Stdout};
use crate::{input, Failure};

/// What to print: a body one of the runtimes would send, or a table.
#[derive(Clone, Copy)]
pub enum Format {
    /// The core's output, as the filter or a Worker destination sends it.
    Body(hookwall::output::Format),
    /// A header, then one line per body: provider, type, category, severity, summary.
    Table,
}

/// The flag's values are the core's format names, so `--format slack` previews what a Slack
/// destination receives.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        use hookwall::output::Format::{CloudEvent, Data, Ocsf, Slack};
        &[
            Self::Body(CloudEvent),
            Self::Body(Data),
            Self::Body(Ocsf),
            Self::Body(Slack),
            Self::Table,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use hookwall::output::Format::{CloudEvent, Data, Ocsf, Slack};
        let (name, help) = match self {
            Self::Body(format) => (
                format.as_str(),
                match format {
                    CloudEvent => "The CloudEvent, structured JSON mode.",
                    Data => "The bare normalized event (the CloudEvent's `data`).",
                    Ocsf => "The OCSF 1.5.0 event (docs/ocsf.md), without the raw payload.",
                    Slack => {
                        "The Slack message a `slack` destination receives (docs/destinations.md)."
                    }
                },
            ),
            Self::Table => (
                "table",
                "A header, then one line per body: provider, type, category, severity, summary.",
            ),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
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
    /// When the bodies were received, in Unix seconds (default: now): the time of an event
    /// whose payload carries none, and the OCSF `metadata.logged_time`.
    #[arg(long, value_name = "UNIX_SECONDS")]
    received_at: Option<i64>,
    /// The bodies to classify, each in turn; `-` or none reads stdin. Exit 1 if any is rejected.
    #[arg(value_name = "FILES", default_value = "-", hide_default_value = true)]
    files: Vec<PathBuf>,
}

/// The time now in Unix seconds; `None` on a clock set before 1970.
fn now() -> Option<i64> {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    i64::try_from(elapsed.as_secs()).ok()
}

fn parse_provider(name: &str) -> Result<Provider, String> {
    name.parse().map_err(|_: UnknownProvider| {
        format!("unknown provider \"{name}\" (crowdsec, cloud66, sectigo)")
    })
}

pub fn run(args: &Args) -> Result<ExitCode, Failure> {
    let options = Options {
        provider: args.provider,
        redact: &args.redact,
        received_at: args.received_at.or_else(now),
    };
    let mut out = Stdout::default();
    if let Format::Table = args.format {
        out.line(row([
            "provider",
            "event type",
            "category",
            "severity",
            "summary",
        ]))?;
    }
    let mut rejected = false;
    for file in &args.files {
        let body = input::read(file, MAX_BODY_BYTES)?;
        match hookwall::classify(&body, &options) {
            Ok(event) => out.line(render(&event, args.format))?,
            Err(error) => {
                rejected = true;
                output::complain(format_args!(
                    "{}: rejected ({}, {}): {error}",
                    input::name(file),
                    error.status(),
                    error.code()
                ));
            }
        }
    }
    Ok(if rejected {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn render(event: &Event, format: Format) -> String {
    match format {
        Format::Body(format) => format.render(event),
        Format::Table => row([
            event.provider().as_str(),
            event.event_type(),
            event.category().as_str(),
            event.severity().as_str(),
            event.summary(),
        ]),
    }
}

/// One line of the table; the header is one too, so the columns line up.
fn row([provider, event_type, category, severity, summary]: [&str; 5]) -> String {
    format!("{provider:<9} {event_type:<42} {category:<14} {severity:<9} {summary}")
}
