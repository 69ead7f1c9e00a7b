//! hookwall's core: turns the raw bytes of a security provider's webhook into a validated,
//! classified and normalized event, or into a precise [`Error`].
//!
//! The core knows nothing of runtimes: the Envoy filter and the Cloudflare Worker feed it bytes
//! and act on what it returns. It is `no_std` (with `alloc`) so that both can embed it in wasm.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod classify;
pub mod cloud66;
pub mod cloudevent;
pub mod crowdsec;
mod detect;
pub mod error;
pub mod event;
mod id;
mod input;
pub mod label;
pub mod ocsf;
pub mod policy;
pub mod redact;
pub mod sectigo;
mod time;
pub mod tree;

pub use error::{Error, ErrorKind};
pub use event::{Category, Event, Indicators, Provider, Severity, Subject, SubjectKind};
pub use redact::RedactPath;

/// The largest body the core parses at all; sources may set a lower limit in the policy.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How to parse: what the route says the provider is, and what else to redact.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options<'o> {
    /// The provider the route expects; a payload of another provider is an error.
    pub provider: Option<Provider>,
    /// Paths in the provider's payload to redact on top of the built-in secrets.
    pub redact: &'o [RedactPath],
    /// When the request arrived (Unix seconds), for the CloudEvent `time` of providers whose
    /// payload carries no timestamp (Sectigo).
    pub received_at: Option<i64>,
}

/// Parses, validates and classifies one webhook body.
pub fn classify<'a>(body: &'a [u8], options: &Options<'_>) -> Result<Event<'a>, Error> {
    let text = input::check(body)?;
    let mut event = match one_pass(text, options.provider) {
        // Detection runs only to explain a refusal: another provider's payload, or a bad one.
        Some(parsed) => parsed.map_err(|err| match detect::shape(text, options.provider) {
            Err(mismatch) if mismatch.kind() == ErrorKind::ProviderMismatch => mismatch,
            _ => err,
        })?,
        None => match detect::shape(text, options.provider)? {
            detect::Shape::CrowdSecEnvelope(probe) => crowdsec::parse_envelope(text, &probe)?,
            detect::Shape::CrowdSecBare => crowdsec::parse_bare(text)?,
            detect::Shape::Cloud66 => cloud66::parse(text)?,
            detect::Shape::Sectigo => sectigo::parse(text)?,
        },
    };
    if event.time.is_none() {
        event.time = options.received_at.map(time::Timestamp::Unix);
    }
    redact::apply(&mut event, options.redact)?;
    Ok(event)
}

/// A payload on its provider's route, read in one pass: Cloud66's and Sectigo's one model covers
/// every event type. `None` when detection must decide: CrowdSec's model is chosen by
/// `details.event_type`, which the detection probe captures.
fn one_pass(text: &str, provider: Option<Provider>) -> Option<Result<Event<'_>, Error>> {
    match provider? {
        Provider::CrowdSec => None,
        Provider::Cloud66 => Some(cloud66::parse(text)),
        Provider::Sectigo => Some(sectigo::parse(text)),
    }
}
