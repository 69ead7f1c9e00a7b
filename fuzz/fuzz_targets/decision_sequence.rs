//! A sequence of requests, heads and bodies, through `Policy::decide` against
//! examples/policy.json: no panic; a request that comes again gets the same verdict; a verdict
//! is what `admit` and `check_body` give; an allowed event comes from the source of its route.
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use arbitrary::Arbitrary;
use hookwall::policy::{Policy, SourceProvider, Verdict};
use hookwall_fuzz::{policy, Request};
use libfuzzer_sys::fuzz_target;

static POLICY: LazyLock<Policy> = LazyLock::new(policy);

/// Genuine payloads, so that sequences reach allowed verdicts, next to arbitrary bytes.
const FIXTURES: [&[u8]; 4] = [
    include_bytes!("../../fixtures/crowdsec/alert_triggered.json"),
    include_bytes!("../../fixtures/cloud66/active.protect.block.json"),
    include_bytes!("../../fixtures/sectigo/user_create.json"),
    include_bytes!("../../fixtures/sectigo/user_reset_password.json"),
];

#[derive(Arbitrary, Debug)]
enum Body<'a> {
    Fixture(u8),
    Bytes(&'a [u8]),
}

#[derive(Arbitrary, Debug)]
struct Step<'a> {
    request: Request<'a>,
    body: Body<'a>,
    /// An earlier step to send again, unchanged, instead of this one.
    repeat: Option<u8>,
}

fuzz_target!(|steps: Vec<Step>| {
    let mut sent: Vec<(&Request, &[u8])> = Vec::new();
    let mut verdicts: HashMap<(&Request, &[u8]), String> = HashMap::new();
    for step in steps.iter().take(32) {
        let (request, body) = match step.repeat {
            Some(i) if !sent.is_empty() => sent[usize::from(i) % sent.len()],
            _ => {
                let body = match step.body {
                    Body::Fixture(i) => FIXTURES[usize::from(i) % FIXTURES.len()],
                    Body::Bytes(bytes) => bytes,
                };
                (&step.request, body)
            }
        };
        sent.push((request, body));
        let rendered = request.render();
        let pairs = rendered.pairs();
        let head = rendered.head(&pairs);
        let verdict = POLICY.decide(&head, body, Some(1_700_000_000));
        let json = verdict.to_json();
        let by_steps = match POLICY.admit(&head) {
            Ok(admission) => match admission.check_body(body, Some(1_700_000_000)) {
                Ok(event) => {
                    assert_eq!(admission.source().path(), head.route());
                    if let SourceProvider::Only(provider) = admission.source().provider() {
                        assert_eq!(provider, event.provider());
                    }
                    Verdict::Allow {
                        source: admission.source().name(),
                        event: Box::new(event),
                    }
                }
                Err(denial) => Verdict::Deny(denial),
            },
            Err(denial) => Verdict::Deny(denial),
        };
        assert_eq!(by_steps.to_json(), json);
        if let Some(earlier) = verdicts.insert((request, body), json.clone()) {
            assert_eq!(earlier, json, "the same request, another verdict");
        }
    }
});
