//! `hookwall check-config`: validate a policy and summarize its sources.

use std::path::PathBuf;
use std::process::ExitCode;

use hookwall::policy::{Alternative, Policy, SourceProvider};

#[derive(clap::Args)]
pub struct Args {
    /// The policy JSON.
    file: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let policy = match load(&args.file) {
        Ok(policy) => policy,
        Err(message) => {
            eprintln!("hookwall: {message}");
            return ExitCode::FAILURE;
        }
    };
    for source in policy.sources() {
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
        println!(
            "{:<12} POST {:<24} provider={provider:<8} auth=[{}] allow_ips={} max_body_bytes={}",
            source.name(),
            source.path(),
            auth.join(","),
            if source.allow_ips().is_empty() {
                "any".to_string()
            } else {
                source.allow_ips().len().to_string()
            },
            source.max_body_bytes()
        );
    }
    println!(
        "ok: {} sources, {} trusted proxy ranges",
        policy.sources().len(),
        policy.trusted_proxies().len()
    );
    ExitCode::SUCCESS
}

/// Reads and validates a policy file; the message says which file and which field.
pub fn load(path: &std::path::Path) -> Result<Policy, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Policy::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}
