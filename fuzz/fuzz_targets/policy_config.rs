//! Any bytes as a policy: no panic, and the same verdict, and the same policy, every time.
#![no_main]

use hookwall::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|config: &[u8]| {
    let first = Policy::from_json(config);
    let second = Policy::from_json(config);
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            let _ = a.to_string();
        }
        _ => panic!("the same config both accepted and refused"),
    }
});
