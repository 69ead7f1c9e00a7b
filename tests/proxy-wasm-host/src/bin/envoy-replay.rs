//! The main job's Envoy part: loads the release filter in the proxy-wasm host with the example
//! policy, twice: in the Envoy that `envoy/envoy.yaml` configures (`allow_on_headers_stop_iteration`:
//! headers held, labelled), and in the same Envoy without that option (Istio's `WasmPlugin`, Envoy
//! before 1.35: only the body held, no labels). It sends every documented fixture as its provider
//! would (path, credentials, source address), then the forgeries the filter exists to refuse (a
//! forged token, a wrong source address, a tampered body, another provider's payload) and a
//! replayed event, and prints one table row per request with each setting's verdict.
//!
//! `envoy-replay [FILTER.wasm] [POLICY.json]` (defaults: the release build, examples/policy.json).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use proxy_wasm_host::deployment::Deployment;
use proxy_wasm_host::examples::provider_request;
use proxy_wasm_host::{Envoy, Host, Outcome, Request, SharedData};

const HELP: &str = "\
Replays every documented fixture, then forged, tampered and replayed requests, through the Envoy
filter in the proxy-wasm test host, under both header-stop settings, and prints each verdict.

Usage: envoy-replay [FILTER.wasm] [POLICY.json]

  FILTER.wasm  the filter (default: target/wasm32-wasip1/release/hookwall_envoy.wasm)
  POLICY.json  the policy (default: examples/policy.json)

Exit status: 0 every fixture forwarded and every forgery and replay refused as it must be,
1 one was not, 2 a file could not be used.
";

/// `println!` that ends the program quietly when its reader has gone (`envoy-replay | head`)
/// instead of panicking, and with status 2 on any other write error.
macro_rules! say {
    ($($arg:tt)*) => {
        say(format_args!($($arg)*))
    };
}

fn say(line: std::fmt::Arguments<'_>) {
    if let Err(e) = writeln!(std::io::stdout(), "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("envoy-replay: writing the output: {e}");
        std::process::exit(2);
    }
}

/// The two deployments, by the names the tables use.
const SETTINGS: [&str; 2] = ["envoy.yaml", "WasmPlugin"];

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        say!("{}", HELP.trim_end());
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
    let bytes = read(wasm)?;
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
    let mut hosts = [
        load(&bytes, &policy, shipped)?,
        load(&bytes, &policy, without)?,
    ];

    say!(
        "{}: the head is held until the body is valid, then labelled (Envoy 1.35+, allow_on_headers_stop_iteration)",
        SETTINGS[0]
    );
    say!(
        "{}: the head goes on once admitted, the body is held until valid, no labels (Istio, or Envoy before 1.35)",
        SETTINGS[1]
    );
    say!("");
    let fixtures_forwarded = replay_fixtures(root, &mut hosts)?;
    say!("");
    let forgeries_refused = replay_refusals(root, &mut hosts)?;
    say!("");
    for (setting, host) in SETTINGS.iter().zip(&hosts) {
        say!("filter metrics, {setting}: {}", request_counts(host));
    }
    say!("hookwall_envoy.wasm: {} bytes", bytes.len());
    Ok(fixtures_forwarded && forgeries_refused)
}

fn load(bytes: &[u8], policy: &str, envoy: Envoy) -> Result<Host, String> {
    let config = format!(
        r#"{{"policy": {policy}, "mode": "passthrough", "allow_on_headers_stop_iteration": {}}}"#,
        envoy.allow_on_headers_stop_iteration
    );
    Host::load_in(envoy, bytes, &config, SharedData::default()).map_err(|e| format!("{e:#}"))
}

/// Every documented fixture, sent as its provider would to both hosts; whether all were
/// forwarded under both settings.
fn replay_fixtures(root: &Path, hosts: &mut [Host; 2]) -> Result<bool, String> {
    let mut rows = vec![cells(&[
        "fixture",
        SETTINGS[0],
        SETTINGS[1],
        "severity",
        "category",
        "x-hookwall-event-id",
    ])];
    let mut all_forwarded = true;
    for provider in ["crowdsec", "cloud66", "sectigo"] {
        let dir = root.join("fixtures").join(provider);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for file in files {
            let request = provider_request(provider, &read(&file)?);
            let [labelled, unlabelled] = send_to_both(hosts, &request)?;
            all_forwarded &= matches!(labelled, Outcome::Forwarded { .. })
                && matches!(unlabelled, Outcome::Forwarded { .. });
            let label = |name| labelled.header(name).unwrap_or("-").to_string();
            let name = file.file_stem().unwrap_or_default().to_string_lossy();
            rows.push(vec![
                format!("{provider}/{name}"),
                verdict(&labelled),
                verdict(&unlabelled),
                label("x-hookwall-severity"),
                label("x-hookwall-category"),
                label("x-hookwall-event-id"),
            ]);
        }
    }
    print_table(&rows);
    say!(
        "{} fixtures; severity, category and event id are the labels the receiver got under {}",
        rows.len() - 1,
        SETTINGS[0]
    );
    Ok(all_forwarded)
}

/// A request the filter must not let through, and the status and reason it must answer.
struct Refusal {
    what: &'static str,
    sent: &'static str,
    request: Request,
    status: u16,
    reason: &'static str,
}

/// The forgeries and a replay, after the fixtures (the replay is a fixture's second copy);
/// whether each was answered as it must be under both settings, the receiver getting nothing
/// complete.
fn replay_refusals(root: &Path, hosts: &mut [Host; 2]) -> Result<bool, String> {
    let alert = read(&root.join("fixtures/crowdsec/alert_triggered.json"))?;
    let user = read(&root.join("fixtures/sectigo/user_create.json"))?;
    let tampered = read(&root.join("fixtures/cases/invalid_cloud66_timestamp_string.json"))?;
    let refusals = [
        Refusal {
            what: "forged token",
            sent: "crowdsec alert_triggered, Bearer forged-token",
            request: Request::post("/hooks/crowdsec", &alert)
                .header("authorization", "Bearer forged-token"),
            status: 401,
            reason: "unauthorized",
        },
        Refusal {
            what: "wrong address",
            sent: "sectigo user_create from 198.51.100.9",
            request: provider_request("sectigo", &user).peer("198.51.100.9:443"),
            status: 403,
            reason: "forbidden_address",
        },
        Refusal {
            what: "tampered body",
            sent: "cloud66 server.stopped, timestamp a string",
            request: provider_request("cloud66", &tampered),
            status: 422,
            reason: "schema_violation",
        },
        Refusal {
            what: "another provider",
            sent: "crowdsec alert_triggered to /hooks/cloud66",
            request: provider_request("cloud66", &alert),
            status: 422,
            reason: "provider_mismatch",
        },
        Refusal {
            what: "replayed event",
            sent: "crowdsec alert_triggered, a second time",
            request: provider_request("crowdsec", &alert),
            status: 200,
            reason: "duplicate",
        },
    ];
    let mut rows = vec![cells(&[
        "refusal",
        "request",
        SETTINGS[0],
        "receiver got",
        SETTINGS[1],
        "receiver got",
    ])];
    let mut all_refused = true;
    for refusal in &refusals {
        let mut row = vec![refusal.what.to_string(), refusal.sent.to_string()];
        for outcome in send_to_both(hosts, &refusal.request)? {
            let as_it_must = outcome.status() == Some(refusal.status)
                && reason(outcome.body()) == refusal.reason;
            let received = match &outcome {
                Outcome::Forwarded { .. } => "the request",
                Outcome::LocalReply {
                    headers_reached_receiver: true,
                    ..
                } => "head, then reset",
                Outcome::LocalReply { .. } => "nothing",
            };
            all_refused &= as_it_must;
            row.push(if as_it_must {
                verdict(&outcome)
            } else {
                format!(
                    "{} (expected {} {})",
                    verdict(&outcome),
                    refusal.status,
                    refusal.reason
                )
            });
            row.push(received.to_string());
        }
        rows.push(row);
    }
    print_table(&rows);
    Ok(all_refused)
}

/// Sends `request` to each host, the receiver answering 200.
fn send_to_both(hosts: &mut [Host; 2], request: &Request) -> Result<[Outcome; 2], String> {
    let [shipped, without] = hosts;
    let send = |host: &mut Host| host.send(request, 200).map_err(|e| format!("{e:#}"));
    Ok([send(shipped)?, send(without)?])
}

/// `forwarded`, or the local reply's status and reason.
fn verdict(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Forwarded { .. } => "forwarded".to_string(),
        Outcome::LocalReply { status, body, .. } => format!("{status} {}", reason(body)),
    }
}

/// A local reply's reason: its `error` (a refusal) or `status` (`duplicate`); the body itself
/// when it has neither.
fn reason(body: &[u8]) -> String {
    let reply: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match reply.get("error").or_else(|| reply.get("status")) {
        Some(serde_json::Value::String(reason)) => reason.clone(),
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// The filter's `hookwall.requests.<source>.<outcome>` counters, summed by outcome.
fn request_counts(host: &Host) -> String {
    let mut by_outcome = BTreeMap::<String, i64>::new();
    for (name, value) in host.metrics() {
        if let Some(outcome) = name
            .strip_prefix("hookwall.requests.")
            .and_then(|rest| rest.rsplit('.').next())
        {
            *by_outcome.entry(outcome.to_string()).or_default() += value;
        }
    }
    let counts: Vec<String> = by_outcome
        .iter()
        .map(|(outcome, count)| format!("{count} {outcome}"))
        .collect();
    counts.join(", ")
}

/// Prints `rows` (the first is the header) in columns as wide as their widest cell.
fn print_table(rows: &[Vec<String>]) {
    let mut widths = vec![0; rows.first().map_or(0, Vec::len)];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        say!("{}", line.join("  ").trim_end());
    }
}

fn cells(texts: &[&str]) -> Vec<String> {
    texts.iter().map(ToString::to_string).collect()
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}
