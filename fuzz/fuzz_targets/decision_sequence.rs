//! A sequence of requests, heads and bodies, through `Policy::decide` against
//! examples/policy.json: no panic; a request that comes again gets the same verdict; a verdict
//! is what `admit` and `check_body` give; an allowed event comes from the source of its route.
#![no_main]

use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use hookwall::policy::{Policy, SourceProvider, Verdict};
use hookwall_fuzz::{policy, Request};
use libfuzzer_sys::fuzz_target;

/// Parsed once: the policy is the same for every input.
static POLICY: LazyLock<Policy> = LazyLock::new(policy);

/// The longest sequence run; the input's bytes beyond it are not even decoded.
const MAX_STEPS: usize = 32;

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

/// The first [`MAX_STEPS`] steps the input holds, decoded as a `Vec<Step>` would decode them.
#[derive(Debug)]
struct Sequence<'a>(Vec<Step<'a>>);

impl<'a> Arbitrary<'a> for Sequence<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        u.arbitrary_iter()?
            .take(MAX_STEPS)
            .collect::<arbitrary::Result<_>>()
            .map(Sequence)
    }

    fn arbitrary_take_rest(u: Unstructured<'a>) -> arbitrary::Result<Self> {
        u.arbitrary_take_rest_iter()?
            .take(MAX_STEPS)
            .collect::<arbitrary::Result<_>>()
            .map(Sequence)
    }
}

fuzz_target!(|steps: Sequence| {
    let mut sent: Vec<(&Request, &[u8])> = Vec::with_capacity(steps.0.len());
    // The first verdict of each distinct request, found by comparison: a handful of entries,
    // cheaper to scan than to hash a request and its body at every step.
    let mut verdicts: Vec<(&Request, &[u8], String)> = Vec::with_capacity(steps.0.len());
    for step in &steps.0 {
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
        match verdicts
            .iter()
            .find(|(r, b, _)| *b == body && *r == request)
        {
            Some((_, _, earlier)) => {
                assert_eq!(*earlier, json, "the same request, another verdict")
            }
            None => verdicts.push((request, body, json)),
        }
    }
});
