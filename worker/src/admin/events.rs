//! `GET /_hookwall/events` and `GET /_hookwall/events/<key>`: the ledger's events as the API
//! shows them. A listing asks each source's object for its newest page after the cursor and
//! merges them: the order (arrival time, then key) is total across sources, so the merged page
//! is exactly the newest `limit` events, and the last one's position is the next cursor.

use futures_util::future::join_all;
use hookwall::policy::{Policy, Source};
use hookwall::time;
use serde::Serialize;
use worker::Env;

use crate::ledger::{self, DeliveryRecord, Filter, Record};

/// One event as the API shows it: every member present, `null` when unknown.
#[derive(Serialize)]
pub struct EventView<'a> {
    key: &'a str,
    source: &'a str,
    event_source: &'a str,
    id: &'a str,
    provider: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    category: &'a str,
    severity: &'a str,
    received_at: String,
    deliveries: Vec<DeliveryView<'a>>,
}

#[derive(Serialize)]
struct DeliveryView<'a> {
    destination: &'a str,
    status: &'static str,
    attempts: u32,
    last_error: Option<&'a str>,
    delivered_at: Option<String>,
}

impl<'a> EventView<'a> {
    pub fn new(record: &'a Record) -> Self {
        let e = &record.event;
        Self {
            key: &e.key,
            source: &e.source,
            event_source: &e.event_source,
            id: &e.id,
            provider: &e.provider,
            event_type: &e.event_type,
            category: &e.category,
            severity: &e.severity,
            received_at: time::format_millis(e.received_ms),
            deliveries: record.deliveries.iter().map(delivery).collect(),
        }
    }
}

fn delivery(d: &DeliveryRecord) -> DeliveryView<'_> {
    DeliveryView {
        destination: &d.destination,
        status: d.status.as_str(),
        attempts: d.attempts,
        last_error: d.last_error.as_deref(),
        delivered_at: d.delivered_ms.map(time::format_millis),
    }
}

#[derive(Serialize)]
struct PageView<'a> {
    events: Vec<EventView<'a>>,
    next: Option<String>,
}

/// The names of the sources to look in: `only` if the policy has it (none otherwise), else
/// every source. Names come from the policy, so no object is made for a name a caller invents.
pub fn sources<'p>(policy: &'p Policy, only: Option<&str>) -> Vec<&'p str> {
    policy
        .sources()
        .iter()
        .map(Source::name)
        .filter(|name| only.is_none_or(|only| only == *name))
        .collect()
}

/// The page's JSON: the newest `filter.limit` events of those sources, and the next cursor.
pub async fn list(env: &Env, sources: &[&str], filter: Filter) -> Result<String, String> {
    let pages = join_all(sources.iter().map(|source| {
        let filter = filter.clone();
        async move { ledger::Client::new(env, source)?.list(filter).await }
    }))
    .await;
    let mut more = false;
    let mut records = Vec::new();
    for page in pages {
        let page = page?;
        more |= page.more;
        records.extend(page.events);
    }
    records.sort_by_key(|r| std::cmp::Reverse(r.position()));
    let limit = filter.limit as usize;
    more |= records.len() > limit;
    records.truncate(limit);
    let next = more
        .then(|| records.last().map(|r| r.position().to_cursor()))
        .flatten();
    let view = PageView {
        events: records.iter().map(EventView::new).collect(),
        next,
    };
    serde_json::to_string(&view).map_err(|e| e.to_string())
}

/// The event of `key` and the source it was found in, looking in each source's object.
pub async fn find(env: &Env, sources: &[&str], key: &str) -> Result<Option<Record>, String> {
    let found = join_all(
        sources
            .iter()
            .map(|source| async move { ledger::Client::new(env, source)?.get(key).await }),
    )
    .await;
    for record in found {
        if let Some(record) = record? {
            return Ok(Some(record));
        }
    }
    Ok(None)
}

/// Whether `key` can be an event's key (the identity's 64 hex digits), so that nothing else
/// reaches a ledger.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
