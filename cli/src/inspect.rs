//! `hookwall inspect`: run the decision exactly as the runtimes do and print the verdict.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use hookwall::policy::{parse_address, Head, Method, Policy, Source, Verdict};

use crate::output::Stdout;
use crate::{check_config, input, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The policy JSON; `-` reads stdin (the body must then be a file).
    #[arg(long)]
    config: PathBuf,
    /// The direct peer, as the runtime reports it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`.
    #[arg(long, default_value = "127.0.0.1", value_parser = parse_peer)]
    peer: String,
    /// The request method; sources accept POST only.
    #[arg(long, default_value = "POST")]
    method: String,
    /// The path with its query string; defaults to the first source's path.
    #[arg(long)]
    path: Option<String>,
    /// A request header, `Name: value` (repeatable). `Content-Type: application/json` is
    /// added unless one is given.
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// The body; `-` or nothing reads stdin.
    #[arg(default_value = "-", hide_default_value = true)]
    file: PathBuf,
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once(':').ok_or("expected `Name: value`")?;
    Ok((name.trim().to_string(), value.trim_start().to_string()))
}

/// A peer the policy could not read would only ever be denied: a mistyped flag, not a verdict.
fn parse_peer(text: &str) -> Result<String, String> {
    parse_address(text)
        .map(|_| text.to_string())
        .ok_or_else(|| "expected an IP address, with or without a port".to_string())
}

/// Exit 0 allowed, 1 denied, 2 when the config or the body cannot be used.
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if input::is_stdin(&args.config) && input::is_stdin(&args.file) {
        return Err(Failure(
            "--config - and the body cannot both be stdin".to_string(),
        ));
    }
    let policy =
        check_config::parse(&args.config, &input::read_config(&args.config)?).map_err(Failure)?;
    let body = input::read(&args.file, largest_limit(&policy))?;
    let path = args
        .path
        .unwrap_or_else(|| policy.sources()[0].path().to_string());
    let mut headers: Vec<(&str, &str)> = args
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type", "application/json"));
    }
    let head = Head {
        method: Method::from(args.method.as_str()),
        path: &path,
        headers: &headers,
        peer: &args.peer,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let verdict = policy.decide(&head, &body, Some(now));
    Stdout::default().line(verdict.to_json())?;
    Ok(match verdict {
        Verdict::Allow { .. } => ExitCode::SUCCESS,
        Verdict::Deny(_) => ExitCode::FAILURE,
    })
}

/// Reading one byte past every source's limit is enough for whichever source the request
/// reaches to refuse it as too large.
fn largest_limit(policy: &Policy) -> usize {
    policy
        .sources()
        .iter()
        .map(Source::max_body_bytes)
        .max()
        .unwrap_or(0)
}
