//! `hookwall table`: the classification table as Markdown, for the README.

use std::fmt::Write as _;
use std::process::ExitCode;

use hookwall::classify::{SeverityRule, RULES};

use crate::output::Stdout;
use crate::Failure;

pub fn run() -> Result<ExitCode, Failure> {
    Stdout::default().text(&markdown())?;
    Ok(ExitCode::SUCCESS)
}

/// One row per event type (and per provider's unknown types), straight from [`RULES`].
pub fn markdown() -> String {
    let mut out = String::from(
        "| provider | event type | category | subject | severity | why |\n|---|---|---|---|---|---|\n",
    );
    for rule in RULES {
        let (severity, why) = match rule.severity {
            SeverityRule::Fixed(severity, reason) => {
                (severity.as_str().to_string(), reason.to_string())
            }
            content => {
                let outcomes = content.outcomes();
                let severities: Vec<&str> = outcomes.iter().map(|(s, _)| s.as_str()).collect();
                let reasons: Vec<String> = outcomes
                    .iter()
                    .map(|(s, r)| format!("{}: {r}", s.as_str()))
                    .collect();
                (severities.join(" / "), reasons.join("; "))
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {severity} | {why} |",
            rule.kind.provider(),
            rule.kind
                .as_str()
                .map_or("*(any other)*".to_string(), |t| format!("`{t}`")),
            rule.category.as_str(),
            rule.subject.as_str(),
        );
    }
    out
}
