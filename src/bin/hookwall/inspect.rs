//! `hookwall inspect`: run the decision exactly as the runtimes do and print the verdict.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use hookwall::policy::{Head, Verdict};

use crate::{check_config, input};

#[derive(clap::Args)]
pub struct Args {
    /// The policy JSON.
    #[arg(long)]
    config: PathBuf,
    /// The direct peer, as the runtime reports it.
    #[arg(long, default_value = "127.0.0.1")]
    peer: String,
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
    file: Option<PathBuf>,
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once(':').ok_or("expected `Name: value`")?;
    Ok((name.trim().to_string(), value.trim_start().to_string()))
}

pub fn run(args: Args) -> ExitCode {
    let policy = match check_config::load(&args.config) {
        Ok(policy) => policy,
        Err(message) => {
            eprintln!("hookwall: {message}");
            return ExitCode::from(2);
        }
    };
    let body = match input::read(args.file.as_deref()) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("hookwall: {e}");
            return ExitCode::from(2);
        }
    };
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
        method: &args.method,
        path: &path,
        headers: &headers,
        peer: &args.peer,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let verdict = policy.decide(&head, &body, Some(now));
    println!("{}", verdict.to_json());
    match verdict {
        Verdict::Allow { .. } => ExitCode::SUCCESS,
        Verdict::Deny(_) => ExitCode::FAILURE,
    }
}
