//! hookwall's core: turns the raw bytes of a security provider's webhook into a validated,
//! classified and normalized event, or into a precise [`Error`].
//!
//! The core knows nothing of runtimes: the Envoy filter and the Cloudflare Worker feed it bytes
//! and act on what it returns. It is `no_std` (with `alloc`) so that both can embed it in wasm.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[macro_use]
mod name;

mod bound;
pub mod classify;
pub mod cloudevent;
pub mod error;
pub mod event;
mod id;
pub mod identity;
pub mod indicators;
mod input;
mod json;
pub mod label;
mod mask;
pub mod ocsf;
pub mod output;
pub mod payload;
pub mod policy;
pub mod providers;
mod rating;
pub mod reason;
pub mod redact;
pub mod time;
pub mod tree;

pub use error::{Error, ErrorKind, Fault, Location};
pub use event::{Category, Event, EventId, Severity, Subject, SubjectKind};
pub use identity::Identity;
pub use indicators::Indicators;
pub use providers::{cloud66, crowdsec, sectigo, Kind, Provider, UnknownProvider};
pub use reason::{Ack, Outcome, Reason};
pub use redact::{InvalidRedactPath, RedactPath};

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
///
/// # Errors
///
/// When the body is empty, too large, not JSON or nested too deep, in no provider's shape or in
/// another provider's than `options.provider`, or refused by its provider's schema: the
/// [`Error`] says which ([`ErrorKind`]) and where.
pub fn classify<'a>(body: &'a [u8], options: &Options<'_>) -> Result<Event<'a>, Error> {
    let text = input::check(body)?;
    let parsed = providers::parse(text, options.provider)?;
    let text = text.trim();
    let payload = redact::payload(text, parsed.kind(), parsed.holds_secret(), options.redact)?;
    let parts = parsed.describe(mask::Mask::of(&payload));
    Ok(classify::finish(parts, payload, text).received(options.received_at))
}
