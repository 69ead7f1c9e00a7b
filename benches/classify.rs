//! Classify over the mix of documented payloads: ns per event, MB/s, allocations per event.
//! `cargo bench --bench classify`; the wasm figures come from `scripts/bench-wasm.sh`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hookwall::{classify, Options};

/// Counts allocations so the report can say how many one event costs.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn fixtures(provider: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(provider);
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| fs::read(f).unwrap()).collect()
}

fn fixture_mix() -> Vec<Vec<u8>> {
    ["crowdsec", "cloud66", "sectigo"]
        .into_iter()
        .flat_map(fixtures)
        .collect()
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts far below 2^52, printed as averages"
)]
fn bench(c: &mut Criterion) {
    let mix = fixture_mix();
    let bytes: usize = mix.iter().map(Vec::len).sum();
    let options = Options::default();

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for body in &mix {
        std::hint::black_box(classify(body, &options).unwrap());
    }
    let per_event = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / mix.len() as f64;
    println!(
        "fixture mix: {} events, {:.0} bytes on average, {per_event:.1} allocations per event",
        mix.len(),
        bytes as f64 / mix.len() as f64
    );

    let mut group = c.benchmark_group("baseline");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for body in &mix {
                std::hint::black_box(serde_json::from_slice::<serde_json::Value>(body).unwrap());
            }
        });
    });
    group.bench_function("serde_json_skim", |b| {
        b.iter(|| {
            for body in &mix {
                std::hint::black_box(
                    serde_json::from_slice::<serde::de::IgnoredAny>(body).unwrap(),
                );
            }
        });
    });
    group.finish();

    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("fixture_mix", |b| {
        b.iter(|| {
            for body in &mix {
                std::hint::black_box(classify(std::hint::black_box(body), &options).unwrap());
            }
        });
    });
    for provider in ["crowdsec", "cloud66", "sectigo"] {
        let bodies = fixtures(provider);
        group.throughput(Throughput::Bytes(
            bodies.iter().map(Vec::len).sum::<usize>() as u64,
        ));
        group.bench_function(provider, |b| {
            b.iter(|| {
                for body in &bodies {
                    std::hint::black_box(classify(std::hint::black_box(body), &options).unwrap());
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("cloudevent");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("fixture_mix", |b| {
        b.iter(|| {
            for body in &mix {
                let event = classify(body, &options).unwrap();
                std::hint::black_box(event.to_cloudevent_json());
            }
        });
    });
    // The writer alone: serde_json, the payload copied as it is.
    let events: Vec<_> = mix.iter().map(|b| classify(b, &options).unwrap()).collect();
    group.bench_function("output_only", |b| {
        b.iter(|| {
            for event in &events {
                std::hint::black_box(std::hint::black_box(event).to_cloudevent_json());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
