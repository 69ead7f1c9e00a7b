//! Deduplication in KV, keyed by the event id: `accepted:` once an event is delivered or
//! enqueued (the provider's retry is answered 200 without a second delivery), `delivered:` once
//! the queue consumer forwarded it (a redelivered message is not forwarded twice).
//!
//! KV is eventually consistent: a retry reaching another location within about a minute may not
//! see the mark yet and is delivered again. Exactly-once needs a Durable Object (docs/worker.md).

use sha2::{Digest, Sha256};
use worker::wasm_bindgen::JsValue;
use worker::Env;

use crate::{js, signature};

/// How long a mark is kept: longer than any provider retries.
const TTL_SECONDS: u32 = 7 * 24 * 3600;

pub struct Dedup {
    kv: Option<JsValue>,
}

impl Dedup {
    /// The `DEDUP` namespace; without one every event counts as new.
    pub fn from_env(env: &Env) -> Self {
        Self {
            kv: js::binding(env, "DEDUP"),
        }
    }

    /// Whether `stage` (`accepted`, `delivered`) was marked for `id`; a KV error counts as no,
    /// which may deliver twice but never loses an event.
    pub async fn is_marked(&self, stage: &str, id: &str) -> bool {
        let Some(kv) = &self.kv else { return false };
        js::call(kv, "get", &[key(stage, id)])
            .await
            .is_ok_and(|v| !v.is_null() && !v.is_undefined())
    }

    /// Marks `id` as having reached `stage`; failing to mark only risks a duplicate.
    pub async fn mark(&self, stage: &str, id: &str) -> bool {
        let Some(kv) = &self.kv else { return false };
        let options = js::object(&[("expirationTtl", JsValue::from(TTL_SECONDS))]);
        js::call(
            kv,
            "put",
            &[key(stage, id), JsValue::from_str("1"), options.into()],
        )
        .await
        .is_ok()
    }
}

/// KV refuses keys over 512 bytes; an event id that long (the providers' ids are free-form
/// strings) is keyed by its SHA-256 instead, so its deduplication still works.
const MAX_KEY_BYTES: usize = 512;

fn key(stage: &str, id: &str) -> JsValue {
    JsValue::from_str(&key_text(stage, id))
}

fn key_text(stage: &str, id: &str) -> String {
    let key = format!("{stage}:{id}");
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let digest = signature::hex(&Sha256::digest(id.as_bytes()));
    format!("{stage}:sha256:{digest}")
}

#[cfg(test)]
mod tests {
    use super::{key_text, MAX_KEY_BYTES};

    #[test]
    fn long_ids_are_keyed_by_their_digest_within_kv_limit() {
        assert_eq!(key_text("accepted", "5b53"), "accepted:5b53");
        let long = "x".repeat(600);
        let key = key_text("accepted", &long);
        assert!(key.starts_with("accepted:sha256:") && key.len() <= MAX_KEY_BYTES);
        assert_eq!(key, key_text("accepted", &long), "stable across retries");
        assert_ne!(key, key_text("delivered", &long));
    }
}
