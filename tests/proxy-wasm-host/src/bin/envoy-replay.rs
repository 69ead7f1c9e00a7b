//! The main job's Envoy part: loads the release filter in the proxy-wasm host with the example
//! policy, sends every documented fixture as its provider would (path, credentials, source
//! address), and prints each verdict, twice: in the Envoy that `envoy/envoy.yaml` configures
//! (`allow_on_headers_stop_iteration`: headers held, labelled), and in the same Envoy without
//! that option (Istio's `WasmPlugin`, Envoy before 1.35: only the body held, no labels).
//!
//! `envoy-replay [FILTER.wasm] [POLICY.json]` (defaults: the release build, examples/policy.json).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use proxy_wasm_host::deployment::Deployment;
use proxy_wasm_host::examples::provider_request;
use proxy_wasm_host::{Envoy, Host, Outcome, SharedData};

const HELP: &str = "\
Replays every documented fixture through the Envoy filter in the proxy-wasm test host, under
both header-stop settings, and prints each verdict.

Usage: envoy-replay [FILTER.wasm] [POLICY.json]

  FILTER.wasm  the filter (default: target/wasm32-wasip1/release/hookwall_envoy.wasm)
  POLICY.json  the policy (default: examples/policy.json)

Exit status: 0 every fixture forwarded, 1 one was not, 2 a file could not be used.
";

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let mut args = std::env::args().skip(1);
    let wasm = args.next().map_or_else(
        || root.join("target/wasm32-wasip1/release/hookwall_envoy.wasm"),
        PathBuf::from,
    );
    let policy = args
        .next()
        .map_or_else(|| root.join("examples/policy.json"), PathBuf::from);
    match run(&root, &wasm, &policy) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("envoy-replay: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(root: &Path, wasm: &Path, policy: &Path) -> Result<bool, String> {
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let policy =
        std::fs::read_to_string(policy).map_err(|e| format!("{}: {e}", policy.display()))?;
    let bootstrap = root.join("envoy/envoy.yaml");
    let yaml =
        std::fs::read_to_string(&bootstrap).map_err(|e| format!("{}: {e}", bootstrap.display()))?;
    let shipped = Deployment::from_yaml(&yaml)
        .map_err(|e| format!("{}: {e}", bootstrap.display()))?
        .envoy;
    let without = Envoy {
        allow_on_headers_stop_iteration: false,
        ..shipped
    };
    let mut all_forwarded = true;
    for (title, envoy) in [
        ("with allow_on_headers_stop_iteration (envoy/envoy.yaml, Envoy 1.35+): headers held until the body is valid, then labelled", shipped),
        ("without it (Istio WasmPlugin, Envoy before 1.35): headers go once admitted, the body is held until valid, no labels", without),
    ] {
        println!("-- {title}");
        all_forwarded &= replay(root, &bytes, &policy, envoy)?;
    }
    Ok(all_forwarded)
}

fn replay(root: &Path, bytes: &[u8], policy: &str, envoy: Envoy) -> Result<bool, String> {
    let config = format!(
        r#"{{"policy": {policy}, "mode": "passthrough", "allow_on_headers_stop_iteration": {}}}"#,
        envoy.allow_on_headers_stop_iteration
    );
    let mut host = Host::load_in(envoy, bytes, &config, SharedData::default())
        .map_err(|e| format!("{e:#}"))?;
    let mut all_forwarded = true;
    for provider in ["crowdsec", "cloud66", "sectigo"] {
        let dir = root.join("fixtures").join(provider);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for file in files {
            let body = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let outcome = host
                .send(&provider_request(provider, &body), 200)
                .map_err(|e| format!("{e:#}"))?;
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            match &outcome {
                Outcome::Forwarded { .. } => println!(
                    "{provider}/{name:<46} forwarded  {:<9} {:<13} {}",
                    outcome.header("x-hookwall-severity").unwrap_or("-"),
                    outcome.header("x-hookwall-category").unwrap_or("-"),
                    outcome.header("x-hookwall-event-id").unwrap_or("-"),
                ),
                Outcome::LocalReply { status, body, .. } => {
                    all_forwarded = false;
                    println!(
                        "{provider}/{name:<46} refused {status} {}",
                        String::from_utf8_lossy(body)
                    );
                }
            }
        }
    }
    let allowed: i64 = host
        .metrics()
        .iter()
        .filter(|(name, _)| name.starts_with("hookwall.requests.") && name.ends_with(".allowed"))
        .map(|(_, value)| value)
        .sum();
    println!(
        "filter metrics: {allowed} requests allowed; wasm {} bytes",
        bytes.len()
    );
    Ok(all_forwarded)
}
