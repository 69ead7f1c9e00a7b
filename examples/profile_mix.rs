fn main() {
    let mut bodies = Vec::new();
    for p in std::env::args().skip(2) {
        for e in std::fs::read_dir(format!("fixtures/{p}")).unwrap() {
            bodies.push(std::fs::read(e.unwrap().path()).unwrap());
        }
    }
    let n: usize = std::env::args().nth(1).map_or(2000, |a| a.parse().unwrap());
    let o = hookwall::Options::default();
    for _ in 0..n {
        for b in &bodies {
            std::hint::black_box(hookwall::classify(b, &o).unwrap());
        }
    }
}
