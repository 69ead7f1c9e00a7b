//! The one identity of an event, the same in every runtime: the route's source, then the
//! CloudEvent `source` and `id`. CloudEvents make that pair unique per distinct event, and the
//! `source` names the provider account (CrowdSec organization, Cloud66 stack, Sectigo partner),
//! so two partners' events that share an id are two events, while a provider's retry, byte for
//! byte the same, is the same one. The route's source keeps two routes' traffic apart.
//!
//! The parts come from the payload and may hold anything, megabytes included: they are hashed
//! (SHA-256, length-prefixed so that no byte can move between parts) into a fixed-size value
//! that a runtime can use as a key as it is.

use alloc::string::String;

use sha2::{Digest, Sha256};

use crate::event::Event;

/// An event's identity: 32 bytes, whatever the size of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity([u8; 32]);

impl Identity {
    /// The identity of the event with this CloudEvent `source` and `id`, received on the route
    /// of `route_source`.
    pub fn new(route_source: &str, event_source: &str, event_id: &str) -> Self {
        let mut digest = Sha256::new();
        for part in [route_source, event_source, event_id] {
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part.as_bytes());
        }
        Self(digest.finalize().into())
    }

    /// The digest, for runtimes that derive their own keys from it.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits: URL-safe, a valid key for KV, shared data and SQL alike.
    pub fn to_hex(&self) -> String {
        base16ct::lower::encode_string(&self.0)
    }

    /// Which of `slots` buckets the identity falls in (`slots` of 0 counts as 1).
    pub fn slot(&self, slots: u64) -> u64 {
        let mut word = [0; 8];
        word.copy_from_slice(&self.0[24..]);
        u64::from_le_bytes(word) % slots.max(1)
    }
}

impl Event<'_> {
    /// This event's identity on the route of `route_source`.
    pub fn identity(&self, route_source: &str) -> Identity {
        Identity::new(route_source, &self.source(), &self.cloudevent_id())
    }
}
