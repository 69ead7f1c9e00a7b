//! The core's `classify` compiled to wasm32 and run in wasmtime: ns per event over the fixture
//! mix. Build the module first (`scripts/bench.sh` does):
//! `cargo build --release --target wasm32-unknown-unknown -p hookwall-classify-wasm`.
//! Then the hostile bodies of `benches/support/hostile.rs`, each beside its plain body.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wasmtime::{Config, Engine, Instance, Module, Store, TypedFunc};

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/wasm32-unknown-unknown/release/hookwall_classify_wasm.wasm");
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap_or_else(|e| {
        panic!("{}: {e}; build it with `cargo build --release --target wasm32-unknown-unknown -p hookwall-classify-wasm`", path.display())
    });
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("the module imports nothing");
    let mix_len: TypedFunc<(), u32> = instance.get_typed_func(&mut store, "mix_len").unwrap();
    let classify_mix: TypedFunc<u32, u32> =
        instance.get_typed_func(&mut store, "classify_mix").unwrap();
    let events = mix_len.call(&mut store, ()).unwrap();
    assert_eq!(
        classify_mix.call(&mut store, 1).unwrap(),
        events,
        "every fixture must classify in wasm"
    );

    let mut group = c.benchmark_group("classify_wasm");
    group.throughput(Throughput::Elements(u64::from(events)));
    group.bench_function("fixture_mix", |b| {
        b.iter(|| classify_mix.call(&mut store, 1).unwrap());
    });
    group.finish();

    print_fuel(&path);
    let input: TypedFunc<u32, u32> = instance.get_typed_func(&mut store, "input").unwrap();
    let classify_input: TypedFunc<u32, u32> = instance
        .get_typed_func(&mut store, "classify_input")
        .unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let mut group = c.benchmark_group("hostile_wasm");
    group.throughput(Throughput::Bytes(hostile::SIZE as u64));
    for (name, body, plain) in hostile::cases() {
        for (name, body) in [(name.to_string(), body), (format!("{name}_plain"), plain)] {
            let at = input
                .call(&mut store, u32::try_from(body.len()).unwrap())
                .unwrap();
            memory.write(&mut store, at as usize, &body).unwrap();
            group.bench_function(name, |b| {
                b.iter(|| classify_input.call(&mut store, 1).unwrap());
            });
        }
    }
    group.finish();
}

/// Wasm instructions (wasmtime's fuel) per hostile body and per plain one: a count the shared
/// machine's load does not move, unlike the times above.
#[expect(
    clippy::cast_precision_loss,
    reason = "instruction counts far below 2^52, printed as a ratio"
)]
fn print_fuel(path: &Path) {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::from_file(&engine, path).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let input: TypedFunc<u32, u32> = instance.get_typed_func(&mut store, "input").unwrap();
    let classify_input: TypedFunc<u32, u32> = instance
        .get_typed_func(&mut store, "classify_input")
        .unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let mut fuel = |body: &[u8]| {
        let at = input
            .call(&mut store, u32::try_from(body.len()).unwrap())
            .unwrap();
        memory.write(&mut store, at as usize, body).unwrap();
        let before = store.get_fuel().unwrap();
        classify_input.call(&mut store, 1).unwrap();
        before - store.get_fuel().unwrap()
    };
    for (name, body, plain) in hostile::cases() {
        let (hostile, plain) = (fuel(&body), fuel(&plain));
        println!(
            "{name}: {hostile} wasm instructions, plain {plain}: {:.2}x",
            hostile as f64 / plain as f64
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
