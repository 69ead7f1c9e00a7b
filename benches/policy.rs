//! The policy's cost: a request denied on its head (wrong credentials), and an allowed one,
//! whose cost is classify's plus the policy's.

use criterion::{criterion_group, criterion_main, Criterion};
use hookwall::policy::{Head, Method, Policy, Verdict};
use hookwall::{classify, Options, Provider};

fn bench(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy =
        Policy::from_json(&std::fs::read(root.join("examples/policy.json")).unwrap()).unwrap();
    let body = std::fs::read(root.join("fixtures/crowdsec/alert_triggered.json")).unwrap();
    let headers = |authorization| {
        [
            ("host", "hooks.example.com"),
            ("user-agent", "crowdsec-console"),
            ("content-type", "application/json"),
            ("content-length", "1024"),
            ("authorization", authorization),
        ]
    };
    let (wrong, right) = (
        headers("Bearer not-the-token"),
        headers("Bearer example-crowdsec-token"),
    );
    let head = |headers| Head {
        method: Method::Post,
        path: "/hooks/crowdsec",
        headers,
        peer: "203.0.113.7:40000",
    };
    let mut group = c.benchmark_group("policy");
    group.bench_function("denied_bad_credentials", |b| {
        let head = head(&wrong);
        b.iter(|| assert!(policy.admit(std::hint::black_box(&head)).is_err()));
    });
    group.bench_function("admitted_head", |b| {
        let head = head(&right);
        b.iter(|| assert!(policy.admit(std::hint::black_box(&head)).is_ok()));
    });
    group.bench_function("allowed_with_body", |b| {
        let head = head(&right);
        b.iter(|| {
            assert!(matches!(
                policy.decide(&head, std::hint::black_box(&body), None),
                Verdict::Allow { .. }
            ));
        });
    });
    group.bench_function("classify_alone", |b| {
        let options = Options {
            provider: Some(Provider::CrowdSec),
            ..Options::default()
        };
        b.iter(|| assert!(classify(std::hint::black_box(&body), &options).is_ok()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
