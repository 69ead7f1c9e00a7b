//! Deduplication in KV, keyed by the route's source, the event type and the event id:
//! `accepted:` once an event is delivered or enqueued (the provider's retry is answered 200
//! without a second delivery), `delivered:<destination>:` once one destination has it (a
//! redelivered message, or a provider's retry after another destination failed, is not sent
//! to that destination twice).
//!
//! The id alone is not enough: two Sectigo partners number their events independently, and
//! CrowdSec's notifications of different types about one source event share its `event_id`. A
//! provider's retry repeats all three, so the wider key loses no deduplication.
//!
//! KV is eventually consistent: a retry reaching another location within about a minute may not
//! see the mark yet and is delivered again. Exactly-once needs a Durable Object (docs/worker.md).
//!
//! The same namespace holds `body:<destination>:` for a body too large for a queue message,
//! until the consumer has delivered it.

use sha2::{Digest, Sha256};
use worker::{Env, KvStore};

use crate::destinations::MAX_NAME_BYTES;
use crate::signature;

/// How long a mark is kept: longer than any provider retries.
const TTL_SECONDS: u64 = 7 * 24 * 3600;

/// How far an event got.
#[derive(Clone, Copy)]
pub enum Stage<'a> {
    /// Delivered to every matching destination, or enqueued: the provider was answered 200.
    Accepted,
    /// The named destination answered 2xx.
    Delivered(&'a str),
}

/// KV refuses keys over 512 bytes.
const MAX_KEY_BYTES: usize = 512;

/// The longest stage prefix, `delivered:<destination>:`, which precedes every key.
const STAGE_PREFIX_BYTES: usize = "delivered:".len() + MAX_NAME_BYTES + 1;

/// One event's identity in KV: `<source>:<type>:<id>` when that is short and made of plain
/// bytes, otherwise `sha256:<hex>` of the three. The type and the id come from the payload and
/// may hold anything (`:`, CR, LF, NUL, megabytes); hashing them keeps the key within KV's limit,
/// free of control bytes, and unambiguous (no part of a plain key contains a colon).
#[derive(Clone)]
pub struct EventKey(String);

impl EventKey {
    pub fn new(source: &str, event_type: &str, id: &str) -> Self {
        let parts = [source, event_type, id];
        let plain = parts.join(":");
        let fits = plain.len() + STAGE_PREFIX_BYTES <= MAX_KEY_BYTES;
        if fits && parts.iter().all(|p| p.bytes().all(plain_byte)) {
            return Self(plain);
        }
        let mut digest = Sha256::new();
        for part in parts {
            // Length-prefixed, so that moving bytes between parts changes the digest.
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part.as_bytes());
        }
        Self(format!("sha256:{}", signature::hex(&digest.finalize())))
    }

    fn text(&self, stage: Stage<'_>) -> String {
        match stage {
            Stage::Accepted => format!("accepted:{}", self.0),
            Stage::Delivered(destination) => format!("delivered:{destination}:{}", self.0),
        }
    }

    /// Where the destination's body waits when it is too large for a queue message.
    pub fn body(&self, destination: &str) -> String {
        format!("body:{destination}:{}", self.0)
    }
}

/// The bytes a key part may hold as it is: what source names, the providers' documented types
/// and their usual ids (hex, digits, UUIDs, `cloud66-<hex>`) are made of.
fn plain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

pub struct Dedup {
    kv: Option<KvStore>,
}

impl Dedup {
    /// The `DEDUP` namespace; without one every event counts as new.
    pub fn from_env(env: &Env) -> Self {
        Self {
            kv: env.kv("DEDUP").ok(),
        }
    }

    /// Whether the event was marked as having reached `stage`; a KV error counts as no, which
    /// may deliver twice but never loses an event.
    pub async fn is_marked(&self, stage: Stage<'_>, key: &EventKey) -> bool {
        let Some(kv) = &self.kv else { return false };
        matches!(kv.get(&key.text(stage)).text().await, Ok(Some(_)))
    }

    /// Marks the event as having reached `stage`; failing to mark only risks a duplicate.
    pub async fn mark(&self, stage: Stage<'_>, key: &EventKey) {
        let Some(kv) = &self.kv else { return };
        if let Ok(put) = kv.put(&key.text(stage), "1") {
            let _ = put.expiration_ttl(TTL_SECONDS).execute().await;
        }
    }

    /// Stores a body under `name` ([`EventKey::body`]) for the queue consumer, kept as long as
    /// the marks; `Err` says why it is not stored (the message names no key or value).
    pub async fn store(&self, name: &str, body: &str) -> Result<(), &'static str> {
        let kv = self.kv.as_ref().ok_or("no DEDUP namespace is bound")?;
        let put = kv.put(name, body).map_err(|_| "KV refused it")?;
        put.expiration_ttl(TTL_SECONDS)
            .execute()
            .await
            .map_err(|_| "KV refused it")
    }

    /// The body stored under `name`; `None` when it is not there, or not visible here yet (KV
    /// shows a write at other locations within about a minute).
    pub async fn stored(&self, name: &str) -> Option<String> {
        self.kv.as_ref()?.get(name).text().await.ok().flatten()
    }

    /// Drops a stored body once delivered; failing to only leaves it until it expires.
    pub async fn forget(&self, name: &str) {
        if let Some(kv) = &self.kv {
            let _ = kv.delete(name).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EventKey, Stage, MAX_KEY_BYTES, STAGE_PREFIX_BYTES};

    fn accepted(source: &str, event_type: &str, id: &str) -> String {
        EventKey::new(source, event_type, id).text(Stage::Accepted)
    }

    #[test]
    fn plain_parts_make_a_readable_key() {
        assert_eq!(
            accepted("crowdsec", "alert_triggered", "c6d4"),
            "accepted:crowdsec:alert_triggered:c6d4"
        );
        assert_eq!(
            EventKey::new("sectigo", "user_create", "42").text(Stage::Delivered("siem")),
            "delivered:siem:sectigo:user_create:42"
        );
        assert_eq!(
            EventKey::new("sectigo", "user_create", "42").body("siem"),
            "body:siem:sectigo:user_create:42"
        );
    }

    #[test]
    fn source_type_and_id_each_distinguish_events() {
        let key = accepted("crowdsec", "alert_triggered", "c6d4");
        assert_ne!(key, accepted("crowdsec", "payment_failed", "c6d4"));
        assert_ne!(key, accepted("crowdsec-eu", "alert_triggered", "c6d4"));
        assert_ne!(key, accepted("crowdsec", "alert_triggered", "c6d5"));
        assert_eq!(key, accepted("crowdsec", "alert_triggered", "c6d4"));
    }

    #[test]
    fn long_or_unusual_parts_are_hashed_within_kv_limit() {
        let long = "x".repeat(600);
        for (event_type, id) in [
            ("user_create", long.as_str()),
            ("new_thing\r\nx-evil: 1", "1"),
            ("a", "b\0"),
            ("a:b", "c"),
            ("é", "1"),
        ] {
            let key = accepted("sectigo", event_type, id);
            assert!(key.starts_with("accepted:sha256:"), "{key}");
            assert!(key.len() <= MAX_KEY_BYTES);
            assert!(key.bytes().all(|b| b.is_ascii_graphic()), "{key}");
            assert_eq!(key, accepted("sectigo", event_type, id), "stable");
        }
        assert_ne!(accepted("s", "a:b", "c"), accepted("s", "a", "b:c"));
        let name = "d".repeat(64);
        let longest_plain = "y".repeat(MAX_KEY_BYTES - STAGE_PREFIX_BYTES - "s:t:".len());
        let key = EventKey::new("s", "t", &longest_plain).text(Stage::Delivered(&name));
        assert_eq!(key.len(), MAX_KEY_BYTES, "the longest plain key fits");
        let over = EventKey::new("s", "t", &format!("{longest_plain}y"));
        let hashed = over.text(Stage::Delivered(&name));
        assert!(hashed.starts_with(&format!("delivered:{name}:sha256:")));
    }
}
