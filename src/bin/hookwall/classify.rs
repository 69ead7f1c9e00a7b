//! `hookwall classify`

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The body to classify; `-` or nothing reads stdin.
    file: Option<PathBuf>,
}

pub fn run(_args: Args) -> ExitCode {
    ExitCode::from(2)
}
