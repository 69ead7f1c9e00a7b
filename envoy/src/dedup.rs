//! Deduplication across the Envoy process with the shared-data API. A retry of an event the
//! receiver already accepted is answered without forwarding it again; an event the receiver
//! has not accepted is never acknowledged. Every write is a compare-and-swap that fails if
//! another worker wrote in between, and a failed one is decided again from what is there now,
//! so of two copies racing on different workers exactly one is forwarded.
//!
//! An event is the core's [`Identity`]: the route's source, the CloudEvent `source` (the
//! provider account) and `id`. ABI 0.2.1 has no way to delete shared data, so entries live in a
//! fixed ring of `slots` keys: an event's slot and its name in the entry both come from its
//! identity, so memory stays bounded whatever the ids, and two events sharing a slot never pass
//! for each other (the later one takes the slot; at worst the earlier one's retry is forwarded
//! again, never dropped). A slot is created by the first claim that falls in it, with a write
//! that fails if another worker created it first ([`issued_cas`]), not when a VM starts: a VM
//! starting later writes nothing, so it cannot overwrite a slot another VM has claimed.

use std::time::Duration;

use hookwall::Identity;
use proxy_wasm::hostcalls;
use proxy_wasm::types::Status;

use crate::config::Dedup;

/// Reads and writes one decision may take while other workers keep winning the slot; past
/// them the copy is answered as in flight, which the provider retries.
const ATTEMPTS: usize = 8;

/// A key of its own, rewritten to obtain a fresh compare-and-swap number (see [`issued_cas`]).
const CAS_SOURCE: &str = "hookwall:cas";

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

/// An event's place in shared data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `hookwall:dedup:<slot>`.
    slot: String,
    /// 128 bits of the identity, in hex: the event's name within its slot (the slot number
    /// comes from other bits of it).
    event: String,
}

impl Key {
    pub fn new(identity: &Identity, settings: &Dedup) -> Self {
        let hex = identity.to_hex();
        Self {
            slot: format!("hookwall:dedup:{}", identity.slot(settings.slots)),
            event: hex[..32].to_string(),
        }
    }
}

/// An entry this stream wrote; only its holder may settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    key: Key,
    entry: String,
}

/// Takes the event for this stream (`stream` tells its claim from others') unless it is
/// delivered or in flight.
pub fn claim(key: Key, stream: u32, now: Duration, settings: &Dedup) -> Claim {
    let entry = format!(
        "{}:inflight:{}:{stream}",
        key.event,
        now.as_secs() + settings.inflight_seconds
    );
    for _ in 0..ATTEMPTS {
        // Shared data unavailable: forward without deduplication rather than drop the event.
        let Ok((value, cas)) = hostcalls::get_shared_data(&key.slot) else {
            return Claim::Fresh(Held { key, entry });
        };
        let cas = match cas {
            Some(cas) => match state(value.as_deref(), &key, now) {
                Some(true) => return Claim::Delivered,
                Some(false) => return Claim::InFlight,
                None => cas,
            },
            None => match issued_cas() {
                Some(cas) => cas,
                None => return Claim::Fresh(Held { key, entry }),
            },
        };
        match hostcalls::set_shared_data(&key.slot, Some(entry.as_bytes()), Some(cas)) {
            // Another worker wrote the slot since it was read: read it again and decide again.
            Err(Status::CasMismatch) => {}
            _ => return Claim::Fresh(Held { key, entry }),
        }
    }
    Claim::InFlight
}

/// Whether the slot holds this event delivered (`true`) or in flight (`false`), unexpired;
/// `None` if it is free for the taking.
fn state(value: Option<&[u8]>, key: &Key, now: Duration) -> Option<bool> {
    value
        .and_then(parse)
        .filter(|e| e.event == key.event && e.until > now.as_secs())
        .map(|e| e.done)
}

/// A compare-and-swap number that the slot, read as never written, cannot hold when it is
/// written: the first write to a slot must fail, not overwrite, if another worker created it
/// in between. The ABI has no "create if absent" (cpp-host `src/shared_data.cc`,
/// `SharedData::set`: a missing key is inserted whatever the CAS, and 0 on an existing key
/// writes unconditionally), so the filter writes a key of its own and reads back the number
/// that write was given. cpp-host issues every number once, from one counter for all keys
/// (`src/shared_data.h`, `nextCas`), and this one was issued after the slot was read as
/// missing, as is the number of any write that created the slot since: the two differ, so the
/// slot's write is inserted if the slot is still missing and fails with `CasMismatch` if not.
/// They could only be equal if the counter went round its 2^32 - 1 values between two host
/// calls of this one callback.
fn issued_cas() -> Option<u32> {
    hostcalls::set_shared_data(CAS_SOURCE, Some(b""), None).ok()?;
    hostcalls::get_shared_data(CAS_SOURCE).ok()?.1
}

/// Records the receiver's answer: accepted events are remembered for `ttl_seconds`; anything
/// else releases the entry so that the provider's retry goes through. Only while the entry is
/// still this stream's claim: a claim that outlived `inflight_seconds` may have been taken over
/// by a retry, whose own answer then decides.
#[expect(
    clippy::needless_pass_by_value,
    reason = "settling consumes the claim, so that it cannot be settled twice"
)]
pub fn settle(held: Held, accepted: bool, now: Duration, settings: &Dedup) {
    let entry = if accepted {
        format!(
            "{}:done:{}",
            held.key.event,
            now.as_secs() + settings.ttl_seconds
        )
    } else {
        String::new()
    };
    for _ in 0..ATTEMPTS {
        let Ok((Some(current), Some(cas))) = hostcalls::get_shared_data(&held.key.slot) else {
            return;
        };
        if current != held.entry.as_bytes() {
            return;
        }
        let written = hostcalls::set_shared_data(&held.key.slot, Some(entry.as_bytes()), Some(cas));
        if !matches!(written, Err(Status::CasMismatch)) {
            return;
        }
    }
}

struct Entry<'a> {
    event: &'a str,
    done: bool,
    until: u64,
}

fn parse(value: &[u8]) -> Option<Entry<'_>> {
    let text = std::str::from_utf8(value).ok()?;
    let mut fields = text.split(':');
    let (event, state, until) = (fields.next()?, fields.next()?, fields.next()?);
    let done = match state {
        "inflight" => false,
        "done" => true,
        _ => return None,
    };
    Some(Entry {
        event,
        done,
        until: until.parse().ok()?,
    })
}
