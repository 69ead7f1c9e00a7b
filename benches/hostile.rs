//! Classify on bodies a caller chooses to be expensive, against plain bodies of the same size
//! (`benches/support/hostile.rs`). `cargo bench --bench hostile`; the same bodies in wasm run
//! in `cargo bench --bench classify_wasm`.

#[path = "support/hostile.rs"]
mod hostile;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hookwall::{classify, Options};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.throughput(Throughput::Bytes(hostile::SIZE as u64));
    let options = Options::default();
    for (name, body, plain) in hostile::cases() {
        group.bench_function(name, |b| {
            b.iter(|| classify(std::hint::black_box(&body), &options).is_ok());
        });
        group.bench_function(format!("{name}_plain"), |b| {
            b.iter(|| classify(std::hint::black_box(&plain), &options).is_ok());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
