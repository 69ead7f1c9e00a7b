//! Time on a loaded machine: `time_mix ROUNDS PROVIDER…` runs a pass of `serde_json`'s `Value`,
//! of classify and of classify with the CloudEvent over each provider's fixtures, the three
//! interleaved round after round, and prints each pass at its fastest round, the least disturbed
//! by other work, with its ratio to the `Value`. Criterion times one benchmark after another,
//! so on a shared machine the load can move between the `Value` and what it is compared with.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::hint::black_box;
use std::time::Instant;

use hookwall::{classify, Options};

/// A pass over one body, under its name.
type Pass<'p> = (&'static str, &'p dyn Fn(&[u8]));

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(3000, |a| a.parse().unwrap());
    let mut bodies = Vec::new();
    for provider in args {
        bodies.extend(fixtures::bodies(&provider));
    }
    let options = Options::default();
    let passes: [Pass; 3] = [
        ("value", &|b| {
            black_box(serde_json::from_slice::<serde_json::Value>(b).unwrap());
        }),
        ("classify", &|b| {
            black_box(classify(b, &options).unwrap());
        }),
        ("cloudevent", &|b| {
            black_box(classify(b, &options).unwrap().to_cloudevent_json());
        }),
    ];
    let mut fastest = [f64::MAX; 3];
    for _ in 0..rounds {
        for ((_, pass), fastest) in passes.iter().zip(&mut fastest) {
            let start = Instant::now();
            for body in &bodies {
                pass(black_box(body));
            }
            *fastest = fastest.min(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    for ((name, _), time) in passes.iter().zip(fastest) {
        println!("{name}: {time:.1} µs, {:.2}×", time / fastest[0]);
    }
}
