//! Deduplication in KV, keyed by the event id: `accepted:` once an event is delivered or
//! enqueued (the provider's retry is answered 200 without a second delivery), `delivered:` once
//! the queue consumer forwarded it (a redelivered message is not forwarded twice).
//!
//! KV is eventually consistent: a retry reaching another location within about a minute may not
//! see the mark yet and is delivered again. Exactly-once needs a Durable Object (docs/worker.md).

use worker::{Env, KvStore};

/// How long a mark is kept: longer than any provider retries.
const TTL_SECONDS: u64 = 7 * 24 * 3600;

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

    /// Whether `stage` (`accepted`, `delivered`) was marked for `id`; a KV error counts as no,
    /// which may deliver twice but never loses an event.
    pub async fn is_marked(&self, stage: &str, id: &str) -> bool {
        let Some(kv) = &self.kv else { return false };
        matches!(kv.get(&key(stage, id)).text().await, Ok(Some(_)))
    }

    /// Marks `id` as having reached `stage`; failing to mark only risks a duplicate.
    pub async fn mark(&self, stage: &str, id: &str) -> bool {
        let Some(kv) = &self.kv else { return false };
        match kv.put(&key(stage, id), "1") {
            Ok(put) => put.expiration_ttl(TTL_SECONDS).execute().await.is_ok(),
            Err(_) => false,
        }
    }
}

fn key(stage: &str, id: &str) -> String {
    format!("{stage}:{id}")
}
