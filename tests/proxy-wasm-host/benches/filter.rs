//! Time per request in the proxy-wasm host (headers, a body of about 1.3 KB in one chunk,
//! verdict) for the release hookwall filter, for the baseline filter that only reads the
//! headers and the whole body, and for a filter that makes hookwall's host calls and decides
//! nothing (the host's share of hookwall's time), in the same run; then hookwall's linear memory
//! over a million requests. Two hookwall rows: a Cloud66 event, which carries no id, so hookwall hashes the
//! body for one, and a CrowdSec event, which carries its own.
//! Build both filters first (`scripts/bench.sh` does).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use proxy_wasm_host::examples::provider_request;
use proxy_wasm_host::{Host, Outcome};

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
    let config = format!(r#"{{"policy": {policy}}}"#);
    let request = provider_request("cloud66", &body);
    let with_id = provider_request("crowdsec", &crowdsec);
    let mut hookwall = Host::load(&wasm("hookwall_envoy.wasm"), &config).unwrap();
    let mut baseline = Host::load(&wasm("hookwall_envoy_baseline.wasm"), "").unwrap();
    let mut host_calls = Host::load(&wasm("hookwall_envoy_host_calls.wasm"), "").unwrap();
    // The receiver answers 500, so dedup releases each event and every request is a new one.
    assert!(matches!(
        hookwall.send(&request, 500).unwrap(),
        Outcome::Forwarded { .. }
    ));
    assert!(matches!(
        hookwall.send(&with_id, 500).unwrap(),
        Outcome::Forwarded { .. }
    ));
    for reference in [&mut baseline, &mut host_calls] {
        assert!(matches!(
            reference.send(&request, 500).unwrap(),
            Outcome::Forwarded { .. }
        ));
    }

    let mut group = c.benchmark_group("filter_request");
    group.bench_function("hookwall", |b| {
        b.iter(|| hookwall.send(&request, 500).unwrap())
    });
    group.bench_function("hookwall_event_with_id", |b| {
        b.iter(|| hookwall.send(&with_id, 500).unwrap())
    });
    group.bench_function("baseline_read_all", |b| {
        b.iter(|| baseline.send(&request, 500).unwrap())
    });
    group.bench_function("host_calls_only", |b| {
        b.iter(|| host_calls.send(&request, 500).unwrap())
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
