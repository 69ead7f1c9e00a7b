//! Deduplication across the Envoy process with the shared-data API. A retry of an event the
//! receiver already accepted is answered without forwarding it again; an event the receiver
//! has not accepted is never acknowledged. Entries are claimed by compare-and-swap, so of two
//! copies racing on different workers only one is forwarded.
//!
//! An event is its source, type and id: CrowdSec gives notifications of different types about
//! one source event the same id, and a provider's retry always repeats the type. ABI 0.2.1 has
//! no way to delete shared data, so entries live in a fixed ring of `slots` keys: an event's
//! slot and its name in the entry both come from a BLAKE3 digest of the event, so memory stays
//! bounded whatever the ids, and two events sharing a slot never pass for each other (the later
//! one takes the slot; at worst the earlier one's retry is forwarded again, never dropped).

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

/// An event's place in shared data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `hookwall:dedup:<slot>`.
    slot: String,
    /// 128 bits of the event's digest, in hex: the event's name within its slot.
    event: String,
}

/// The key of `event_type`/`id` from `source`.
pub fn key(source: &str, event_type: &str, id: &str, settings: &Dedup) -> Key {
    let mut hasher = blake3::Hasher::new();
    for part in [source, event_type, id] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let bytes = digest.as_bytes();
    let slot = u64::from_le_bytes(bytes[16..24].try_into().unwrap_or_default()) % settings.slots;
    Key {
        slot: format!("hookwall:dedup:{slot}"),
        event: bytes[..16].iter().map(|b| format!("{b:02x}")).collect(),
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
    let Ok((value, cas)) = hostcalls::get_shared_data(&key.slot) else {
        return Claim::Fresh(Held { key, entry });
    };
    match value
        .as_deref()
        .and_then(parse)
        .filter(|e| e.event == key.event && e.until > now.as_secs())
    {
        Some(Entry { done: true, .. }) => return Claim::Delivered,
        Some(Entry { done: false, .. }) => return Claim::InFlight,
        None => {}
    }
    match hostcalls::set_shared_data(&key.slot, Some(entry.as_bytes()), cas) {
        Err(Status::CasMismatch) => Claim::InFlight,
        // Ok, or shared data unavailable: forward without deduplication rather than drop it.
        _ => Claim::Fresh(Held { key, entry }),
    }
}

/// Records the receiver's answer: accepted events are remembered for `ttl_seconds`; anything
/// else releases the entry so that the provider's retry goes through. Only while the entry is
/// still this stream's claim: a claim that outlived `inflight_seconds` may have been taken over
/// by a retry, whose own answer then decides.
pub fn settle(held: Held, accepted: bool, now: Duration, settings: &Dedup) {
    let Ok((Some(current), cas)) = hostcalls::get_shared_data(&held.key.slot) else {
        return;
    };
    if current != held.entry.as_bytes() {
        return;
    }
    let entry = if accepted {
        format!(
            "{}:done:{}",
            held.key.event,
            now.as_secs() + settings.ttl_seconds
        )
    } else {
        String::new()
    };
    let _ = hostcalls::set_shared_data(&held.key.slot, Some(entry.as_bytes()), cas);
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
