//! A loop over fixtures for callgrind, which counts instructions repeatably on a loaded machine:
//! `profile_mix N [--value|--cloudevent|--written] PROVIDER…` runs classify (or, with `--value`,
//! `serde_json`'s `Value` of the same bytes, the benchmark's baseline; with `--cloudevent`, classify
//! and the CloudEvent; with `--written`, the CloudEvent alone, of events classified once) N times
//! over each provider's fixtures.

#[path = "support/fixtures.rs"]
mod fixtures;

#[derive(Clone, Copy)]
enum Mode {
    Classify,
    Value,
    CloudEvent,
    Written,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(2000, |a| a.parse().unwrap());
    let mut mode = Mode::Classify;
    let mut bodies = Vec::new();
    for arg in args {
        if let Some(flag) = arg.strip_prefix("--") {
            mode = match flag {
                "value" => Mode::Value,
                "cloudevent" => Mode::CloudEvent,
                "written" => Mode::Written,
                _ => panic!("unknown flag --{flag}"),
            };
            continue;
        }
        bodies.extend(fixtures::bodies(&arg));
    }
    let o = hookwall::Options::default();
    if let Mode::Written = mode {
        let events: Vec<_> = bodies
            .iter()
            .map(|b| hookwall::classify(b, &o).unwrap())
            .collect();
        for _ in 0..n {
            for event in &events {
                std::hint::black_box(event.to_cloudevent_json());
            }
        }
        return;
    }
    for _ in 0..n {
        for b in &bodies {
            match mode {
                Mode::Value => {
                    std::hint::black_box(serde_json::from_slice::<serde_json::Value>(b).unwrap());
                }
                Mode::CloudEvent => {
                    let event = hookwall::classify(b, &o).unwrap();
                    std::hint::black_box(event.to_cloudevent_json());
                }
                Mode::Classify | Mode::Written => {
                    std::hint::black_box(hookwall::classify(b, &o).unwrap());
                }
            }
        }
    }
}
