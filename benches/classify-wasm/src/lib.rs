//! `classify_mix(n)` classifies the 36 documented fixtures `n` times and returns how many
//! were accepted, so the runner (benches/classify_wasm.rs) can time it and check the work.

const MIX: &[&[u8]] = include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

#[no_mangle]
pub extern "C" fn classify_mix(iterations: u32) -> u32 {
    let options = hookwall::Options::default();
    let mut accepted = 0;
    for _ in 0..iterations {
        for body in MIX {
            accepted +=
                u32::from(hookwall::classify(core::hint::black_box(body), &options).is_ok());
        }
    }
    accepted
}

#[no_mangle]
pub extern "C" fn mix_len() -> u32 {
    MIX.len() as u32
}
