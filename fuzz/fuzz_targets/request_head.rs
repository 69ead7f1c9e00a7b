//! Request heads against examples/policy.json: no panic, and the same head always gets the same
//! admission or denial.
#![no_main]

use std::sync::LazyLock;

use hookwall::policy::{Method, Policy};
use hookwall_fuzz::{policy, Request};
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<Policy> = LazyLock::new(policy);

fuzz_target!(|request: Request| {
    let rendered = request.render();
    let pairs = rendered.pairs();
    let head = rendered.head(&pairs);
    let first = POLICY.admit(&head);
    let second = POLICY.admit(&head);
    assert_eq!(format!("{first:?}"), format!("{second:?}"));
    match first {
        Ok(admission) => {
            assert_eq!(admission.source().path(), head.route());
            assert_eq!(head.method, Method::Post);
        }
        Err(denial) => {
            assert!(matches!(
                denial.status(),
                400 | 401 | 403 | 404 | 405 | 413 | 415
            ));
            let _ = denial.to_json();
        }
    }
});
