//! Writes the OCSF event of every documented fixture and every valid case to a directory, for
//! `tests/ocsf/validate.py` to check against the OCSF schema:
//! `cargo run --example ocsf_dump -- OUT_DIR` writes `OUT_DIR/<dir>/<name>.json` (no payload)
//! and `OUT_DIR/<dir>/<name>.raw.json` (with `raw_data`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hookwall::ocsf::{to_ocsf_json, Options};
use hookwall::{classify, Provider};

/// A fixed receive time (2026-01-01T00:00:00Z), so that events without their own are dated.
const RECEIVED_AT: i64 = 1_767_225_600;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: ocsf_dump OUT_DIR");
        return ExitCode::from(2);
    };
    match dump(&out) {
        Ok(n) => {
            println!("{n} events written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ocsf_dump: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dump(out: &Path) -> Result<usize, String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut n = 0;
    for dir in ["crowdsec", "cloud66", "sectigo", "cases"] {
        fs::create_dir_all(out.join(dir)).map_err(|e| format!("{}: {e}", out.display()))?;
        for payload in payloads(&fixtures.join(dir))? {
            let stem = payload.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if dir == "cases" && !stem.starts_with("valid_") {
                continue;
            }
            let body = fs::read(&payload).map_err(|e| format!("{}: {e}", payload.display()))?;
            let options = hookwall::Options {
                provider: hint(&payload),
                received_at: Some(RECEIVED_AT),
                ..hookwall::Options::default()
            };
            let event =
                classify(&body, &options).map_err(|e| format!("{}: {e}", payload.display()))?;
            for (suffix, raw_data) in [("json", false), ("raw.json", true)] {
                let path = out.join(dir).join(format!("{stem}.{suffix}"));
                fs::write(&path, to_ocsf_json(&event, Options { raw_data }))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            n += 1;
        }
    }
    Ok(n)
}

fn payloads(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The route's provider, from a case's `.provider` file.
fn hint(payload: &Path) -> Option<Provider> {
    let name = fs::read_to_string(payload.with_extension("provider")).ok()?;
    name.trim().parse::<Provider>().ok()
}
