//! `hookwall check-config`: validate a policy and summarize its sources.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookwall::policy::{Alternative, Policy, Source, SourceProvider};

use crate::output::{self, Stdout};
use crate::{input, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// The policy JSON; `-` reads stdin.
    file: PathBuf,
}

/// Exit 0 for a valid policy, 1 for an invalid one (the message names the field), 2 when the
/// file cannot be read.
pub fn run(args: &Args) -> Result<ExitCode, Failure> {
    let bytes = input::read_config(&args.file)?;
    let policy = match parse(&args.file, &bytes) {
        Ok(policy) => policy,
        Err(message) => {
            output::complain(message);
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut out = Stdout::default();
    for source in policy.sources() {
        out.line(summary(source))?;
    }
    out.line(format_args!(
        "ok: {} sources, {} trusted proxy ranges",
        policy.sources().len(),
        policy.trusted_proxies().len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn summary(source: &Source) -> String {
    let provider = match source.provider() {
        SourceProvider::Auto => "auto",
        SourceProvider::Only(p) => p.as_str(),
    };
    let auth: Vec<&str> = source
        .auth()
        .iter()
        .map(|a| match a {
            Alternative::Bearer { .. } => "bearer",
            Alternative::Header { .. } => "header",
            Alternative::Basic { .. } => "basic",
            Alternative::Query { .. } => "query",
        })
        .collect();
    let allow_ips = match source.allow_ips().len() {
        0 => "any".to_string(),
        n => n.to_string(),
    };
    format!(
        "{:<12} POST {:<24} provider={provider:<8} auth=[{}] allow_ips={allow_ips} max_body_bytes={}",
        source.name(),
        source.path(),
        auth.join(","),
        source.max_body_bytes()
    )
}

/// Validates a policy read from `path`; the message names the file and the field.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Policy, String> {
    Policy::from_json(bytes).map_err(|e| format!("{}: {e}", input::name(path)))
}
