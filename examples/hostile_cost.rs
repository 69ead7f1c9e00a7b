//! Classifies one of the hostile bodies of `benches/support/hostile.rs` (or the plain body it is
//! compared with) `n` times, for instruction counts that do not depend on the machine's load:
//! `valgrind --tool=callgrind target/release/examples/hostile_cost <case> [plain] [n]`.

#[path = "../benches/support/hostile.rs"]
mod hostile;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("sectigo_first_letters", String::as_str);
    let plain = args.get(1).is_some_and(|a| a == "plain");
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);
    let (_, hostile, plain_body) = hostile::cases()
        .into_iter()
        .find(|(case, ..)| *case == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let body = if plain { plain_body } else { hostile };
    let options = hookwall::Options::default();
    let accepted = (0..n)
        .filter(|_| hookwall::classify(std::hint::black_box(&body), &options).is_ok())
        .count();
    println!(
        "{name}{}: {accepted} of {n} accepted",
        if plain { " (plain)" } else { "" }
    );
}
