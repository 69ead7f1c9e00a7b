//! `classify_mix(n)` classifies the 36 documented fixtures `n` times and returns how many
//! were accepted, so the runner (`benches/classify_wasm.rs`) can time it and check the work.

const MIX: &[&[u8]] = include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// Classifies the fixture mix `iterations` times; how many bodies were accepted, which the
/// runner checks against `mix_len` so that the work cannot be optimized away unnoticed.
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

/// How many fixtures the mix holds.
#[no_mangle]
pub extern "C" fn mix_len() -> u32 {
    u32::try_from(MIX.len()).unwrap_or(u32::MAX)
}

/// The body `classify_input` reads, written by the host where `input` says.
static INPUT: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Makes room for a body of `len` bytes and says where in memory the host writes it.
#[no_mangle]
pub extern "C" fn input(len: u32) -> *mut u8 {
    let Ok(mut input) = INPUT.lock() else {
        return core::ptr::null_mut();
    };
    *input = vec![0; len as usize];
    input.as_mut_ptr()
}

/// Classifies the body the host wrote at `input`, `iterations` times; how many were accepted
/// (for the hostile bodies of `benches/support/hostile.rs`, some of which are refused).
#[no_mangle]
pub extern "C" fn classify_input(iterations: u32) -> u32 {
    let Ok(input) = INPUT.lock() else {
        return 0;
    };
    let options = hookwall::Options::default();
    (0..iterations)
        .map(|_| u32::from(hookwall::classify(core::hint::black_box(&input), &options).is_ok()))
        .sum()
}
