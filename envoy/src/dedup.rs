//! Deduplication across the Envoy process with the shared-data API. A retry of an event the
//! receiver already accepted is answered without forwarding it again; an event the receiver
//! has not accepted is never acknowledged. Entries are claimed by compare-and-swap, so of two
//! copies racing on different workers only one is forwarded.

use std::time::Duration;

use proxy_wasm::hostcalls;
use proxy_wasm::types::Status;

use crate::config::Dedup;

/// What the shared entry says about an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had it: this stream forwards it, and holds the entry it wrote.
    Fresh(Held),
    /// The receiver accepted it already.
    Delivered,
    /// Another copy is being forwarded right now, or won the race for it.
    InFlight,
}

/// `hookwall:dedup:<source>:<event id>`: ids are unique per provider, sources keep providers apart.
pub fn key(source: &str, id: &str) -> String {
    format!("hookwall:dedup:{source}:{id}")
}

/// An entry this stream wrote; only its holder may settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    key: String,
    entry: String,
}

/// Takes the event for this stream (`stream` tells its claim from others') unless it is
/// delivered or in flight.
pub fn claim(key: String, stream: u32, now: Duration, settings: &Dedup) -> Claim {
    let entry = format!(
        "inflight:{}:{stream}",
        now.as_secs() + settings.inflight_seconds
    );
    let held = |entry| {
        Claim::Fresh(Held {
            key: key.clone(),
            entry,
        })
    };
    let Ok((value, cas)) = hostcalls::get_shared_data(&key) else {
        return held(entry);
    };
    match value
        .as_deref()
        .and_then(parse)
        .filter(|(_, until)| *until > now.as_secs())
    {
        Some((State::Done, _)) => return Claim::Delivered,
        Some((State::InFlight, _)) => return Claim::InFlight,
        None => {}
    }
    match hostcalls::set_shared_data(&key, Some(entry.as_bytes()), cas) {
        Ok(()) => held(entry),
        Err(Status::CasMismatch) => Claim::InFlight,
        // Shared data unavailable: forward without deduplication rather than drop the event.
        Err(_) => held(entry),
    }
}

/// Records the receiver's answer: accepted events are remembered for `ttl_seconds`; anything
/// else releases the entry so that the provider's retry goes through. Only while the entry is
/// still this stream's claim: a claim that outlived `inflight_seconds` may have been taken over
/// by a retry, whose own answer then decides.
pub fn settle(held: Held, accepted: bool, now: Duration, settings: &Dedup) {
    let Ok((Some(current), cas)) = hostcalls::get_shared_data(&held.key) else {
        return;
    };
    if current != held.entry.as_bytes() {
        return;
    }
    let entry = if accepted {
        format!("done:{}", now.as_secs() + settings.ttl_seconds)
    } else {
        String::new()
    };
    let _ = hostcalls::set_shared_data(&held.key, Some(entry.as_bytes()), cas);
}

enum State {
    InFlight,
    Done,
}

fn parse(value: &[u8]) -> Option<(State, u64)> {
    let text = std::str::from_utf8(value).ok()?;
    let mut fields = text.split(':');
    let (state, until) = (fields.next()?, fields.next()?);
    let state = match state {
        "inflight" => State::InFlight,
        "done" => State::Done,
        _ => return None,
    };
    Some((state, until.parse().ok()?))
}
