//! Time per request in the proxy-wasm host (headers, a body of about 1.3 KB in one chunk,
//! verdict) for the release hookwall filter, for the baseline filter that only reads the
//! headers and the whole body, and for a filter that makes hookwall's host calls and decides
//! nothing (the host's share of hookwall's time), in the same run; then hookwall's linear memory
//! over a million requests. Two hookwall rows: a Cloud66 event, which carries no id, so hookwall hashes the
//! body for one, and a CrowdSec event, which carries its own.
//! All run in the Envoy that `envoy/envoy.yaml` configures (with
//! `allow_on_headers_stop_iteration`); one more hookwall row runs without that option (Istio's
//! `WasmPlugin`), where the headers go upstream first and only the body is held. Last, the
//! shared data that deduplication keeps after a million distinct events.
//! Build the filters first (`scripts/bench.sh` does).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use proxy_wasm_host::deployment::Deployment;
use proxy_wasm_host::examples::provider_request;
use proxy_wasm_host::{Envoy, Host, Outcome, SharedData};

fn wasm(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-wasip1/release")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; build it with scripts/bench.sh", path.display()))
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let body = std::fs::read(root.join("fixtures/cloud66/active.protect.block.json")).unwrap();
    let crowdsec = std::fs::read(root.join("fixtures/crowdsec/alert_triggered.json")).unwrap();
    let policy = std::fs::read_to_string(root.join("examples/policy.json")).unwrap();
    let yaml = std::fs::read_to_string(root.join("envoy/envoy.yaml")).unwrap();
    let envoy = Deployment::from_yaml(&yaml).unwrap().envoy;
    let without = Envoy {
        allow_on_headers_stop_iteration: false,
        ..envoy
    };
    let config = |allow: bool| {
        format!(r#"{{"policy": {policy}, "allow_on_headers_stop_iteration": {allow}}}"#)
    };
    let load = |envoy: Envoy, name: &str, config: &str| {
        Host::load_in(envoy, &wasm(name), config, SharedData::default()).unwrap()
    };
    let request = provider_request("cloud66", &body);
    let with_id = provider_request("crowdsec", &crowdsec);
    let mut hookwall = load(envoy, "hookwall_envoy.wasm", &config(true));
    let mut body_only = load(without, "hookwall_envoy.wasm", &config(false));
    let mut baseline = load(envoy, "hookwall_envoy_baseline.wasm", "");
    let mut host_calls = load(envoy, "hookwall_envoy_host_calls.wasm", "");
    // The receiver answers 500, so dedup releases each event and every request is a new one.
    assert!(matches!(
        hookwall.send(&request, 500).unwrap(),
        Outcome::Forwarded { .. }
    ));
    assert!(matches!(
        hookwall.send(&with_id, 500).unwrap(),
        Outcome::Forwarded { .. }
    ));
    for reference in [&mut body_only, &mut baseline, &mut host_calls] {
        assert!(matches!(
            reference.send(&request, 500).unwrap(),
            Outcome::Forwarded { .. }
        ));
    }

    let mut group = c.benchmark_group("filter_request");
    group.bench_function("hookwall", |b| {
        b.iter(|| hookwall.send(&request, 500).unwrap());
    });
    group.bench_function("hookwall_event_with_id", |b| {
        b.iter(|| hookwall.send(&with_id, 500).unwrap());
    });
    group.bench_function("hookwall_without_header_stop", |b| {
        b.iter(|| body_only.send(&request, 500).unwrap());
    });
    group.bench_function("baseline_read_all", |b| {
        b.iter(|| baseline.send(&request, 500).unwrap());
    });
    group.bench_function("host_calls_only", |b| {
        b.iter(|| host_calls.send(&request, 500).unwrap());
    });
    group.finish();

    let before = hookwall.memory_size();
    for _ in 0..1_000_000 {
        hookwall.send(&request, 500).unwrap();
    }
    println!(
        "hookwall linear memory: {before} bytes before, {} bytes after 1,000,000 more requests",
        hookwall.memory_size()
    );
    dedup_memory(&mut hookwall, &body);
}

/// Every event the receiver accepts is remembered; the ring of slots bounds how much.
fn dedup_memory(hookwall: &mut Host, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    let shared = hookwall.shared_data();
    for i in 0..1_000_000 {
        let distinct = text.replacen("\"timestamp\": ", &format!("\"timestamp\": 1{i:07}"), 1);
        let request = provider_request("cloud66", distinct.as_bytes());
        hookwall.send(&request, 200).unwrap();
    }
    println!(
        "hookwall dedup after 1,000,000 distinct events: {} shared-data keys, {} bytes",
        shared.len(),
        shared.bytes()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
