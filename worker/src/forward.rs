//! Delivery to each matching destination, in its format, with its headers and, when it has a
//! signing key, an `x-hookwall-signature`. Directly within the request (a few jittered retries,
//! all inside a deadline well short of the providers' 30 s timeout) or from the queue consumer
//! (retry with exponential backoff, then dead letter). Either way a destination that has the
//! event is marked, so that retrying for another one never sends it a second copy.

use std::ops::Range;
use std::time::Duration;

use futures_util::future::join_all;
use hookwall::{Ack, Reason};
use serde::{Deserialize, Serialize};
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::{Message as MessageSys, MessageBatch as MessageBatchSys};
use worker::{
    web_sys, AbortSignal, BatchMessageBuilder, Delay, Env, Fetch, Headers, MessageBuilder, Method,
    Queue, QueueContentType, Request, RequestInit, Result,
};

use crate::config::{self, Delivery};
use crate::dedup::{Dedup, EventKey, Stage};
use crate::destinations::{Destination, FORWARD_NAME};
use crate::log::{self, Outcome};
use crate::signature;

/// Cloudflare Queues' limits (developers.cloudflare.com/queues/platform/limits, 1 KB = 1,000
/// bytes): a message of at most 128 KB, of which up to about 100 bytes are the queue's own
/// metadata, and a `sendBatch` of at most 100 messages and 256 KB.
const MAX_MESSAGE_BYTES: usize = 128_000;
const MESSAGE_METADATA_BYTES: usize = 100;
const MAX_BATCH_MESSAGES: usize = 100;
const MAX_BATCH_BYTES: usize = 256_000;

/// One queue message: one destination's copy of one event (its name and the body in its
/// format, rendered when the event arrived) and what identifies the event for dedup (the
/// route's source, the event type and id). Enqueued as JSON text, so that its size is known
/// before the queue sees it and a dead letter reads as it was sent. A body too large for a
/// message waits in KV instead, and the message names its key.
#[derive(Serialize)]
struct Message<'a> {
    source: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    id: &'a str,
    destination: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_key: Option<&'a str>,
}

impl Message<'_> {
    /// The message's text and its size as the queue counts it, metadata included.
    fn text(&self) -> std::result::Result<(String, usize), String> {
        let text = serde_json::to_string(self).map_err(|e| format!("queue: {e}"))?;
        let bytes = text.len() + MESSAGE_METADATA_BYTES;
        Ok((text, bytes))
    }
}

/// Enqueues the event as one message per matching destination, each naming its destination and
/// carrying its body, so that each is delivered, retried and dead-lettered on its own. A body
/// that would take its message past the queue's limit is stored in KV first, and its message
/// names where. The messages go in as few `sendBatch` calls as the queue's limits allow. `Err`
/// names the destination whose message cannot fit or whose body could not be stored, or says
/// why the queue refused a batch; the event is then not acknowledged. What did go in is harmless: the provider's retry
/// stores and enqueues it again, and the consumer skips a destination whose mark says it has
/// the event.
pub async fn enqueue(
    queue: &Queue,
    dedup: &Dedup,
    source: &str,
    event_type: &str,
    id: &str,
    outbound: &[(&Destination, String)],
) -> std::result::Result<(), String> {
    let mut texts = Vec::with_capacity(outbound.len());
    for (destination, body) in outbound {
        let name = destination.name.as_str();
        let carried = Message {
            source,
            event_type,
            id,
            destination: name,
            body: Some(body),
            body_key: None,
        };
        let (mut text, bytes) = carried.text()?;
        if bytes > MAX_MESSAGE_BYTES {
            let key = EventKey::new(source, event_type, id).body(name);
            let stored = Message {
                body: None,
                body_key: Some(&key),
                ..carried
            };
            let (stored_text, stored_bytes) = stored.text()?;
            if stored_bytes > MAX_MESSAGE_BYTES {
                // The event's type and id alone are that large.
                return Err(format!(
                    "{name}: its message would be {stored_bytes} bytes even without its body, \
                     over the queue's limit of {MAX_MESSAGE_BYTES}"
                ));
            }
            dedup.store(&key, body).await.map_err(|e| {
                format!(
                    "{name}: its message would be {bytes} bytes, over the queue's limit of \
                     {MAX_MESSAGE_BYTES}, and its body could not be stored instead: {e}"
                )
            })?;
            text = stored_text;
        }
        texts.push(text);
    }
    let sends = batches(texts.iter().map(String::len))
        .into_iter()
        .map(|run| {
            let messages = texts[run].iter().map(|text| {
                MessageBuilder::new(text.as_str())
                    .content_type(QueueContentType::Text)
                    .build()
            });
            queue.send_batch(BatchMessageBuilder::new().messages(messages).build())
        });
    for sent in join_all(sends).await {
        sent.map_err(|e| format!("queue: {e}"))?;
    }
    Ok(())
}

/// Splits messages of these sizes (their text, in bytes) into consecutive runs that each fit
/// one `sendBatch`: at most 100 messages and 256 KB, counting each message's metadata. Every
/// message fits on its own (`enqueue` sees to it), so no run is empty.
fn batches(sizes: impl IntoIterator<Item = usize>) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes, mut count) = (0, 0, 0);
    for size in sizes {
        let size = size + MESSAGE_METADATA_BYTES;
        if count > start && (count - start == MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)
        {
            runs.push(start..count);
            (start, bytes) = (count, 0);
        }
        bytes += size;
        count += 1;
    }
    if count > start {
        runs.push(start..count);
    }
    runs
}

/// One destination's copy of an event as enqueued: the one a message carries, or one of those
/// a message enqueued before one message per destination carried.
#[derive(Deserialize)]
struct Outbound {
    destination: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_key: Option<String>,
}

impl Outbound {
    /// The copy to deliver; `None` if it has neither a body nor a key.
    fn outgoing(self) -> Option<Outgoing> {
        let body = match (self.body, self.body_key) {
            (Some(body), _) => Body::Carried(body),
            (None, Some(key)) => Body::Stored(key),
            (None, None) => return None,
        };
        Some(Outgoing {
            destination: self.destination,
            body,
        })
    }
}

/// One destination's copy of an event, to deliver.
struct Outgoing {
    destination: String,
    body: Body,
}

enum Body {
    /// In the message.
    Carried(String),
    /// In KV under this key: it was too large for a message.
    Stored(String),
}

/// A queue message in any of the shapes this Worker has enqueued: a message retried for hours
/// may have been enqueued by the version before an upgrade.
#[derive(Deserialize)]
struct Enqueued {
    #[serde(default)]
    source: String,
    #[serde(default, rename = "type")]
    event_type: String,
    id: String,
    /// One destination's copy: every message since one message per destination.
    #[serde(default)]
    destination: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_key: Option<String>,
    /// Every matching destination's copy: one message per event, before that.
    #[serde(default)]
    deliveries: Vec<Outbound>,
    /// A message from before destinations: its CloudEvent, for the `FORWARD_URL` destination.
    #[serde(default)]
    cloudevent: Option<String>,
}

/// A message the consumer delivers: the event's identity and the copies it carries (one,
/// except in a message enqueued before one message per destination).
struct Queued {
    source: String,
    event_type: String,
    id: String,
    copies: Vec<Outgoing>,
}

impl Queued {
    /// A message body this Worker enqueued: JSON text, or a JS object before that.
    fn from_message(message: &MessageSys) -> Option<Self> {
        let body = message.body().ok()?;
        let enqueued: Enqueued = match body.as_string() {
            Some(text) => serde_json::from_str(&text).ok()?,
            None => serde_wasm_bindgen::from_value(body).ok()?,
        };
        Self::from_enqueued(enqueued)
    }

    fn from_enqueued(enqueued: Enqueued) -> Option<Self> {
        let outbound = match enqueued.destination {
            Some(destination) => vec![Outbound {
                destination,
                body: enqueued.body,
                body_key: enqueued.body_key,
            }],
            None if !enqueued.deliveries.is_empty() => enqueued.deliveries,
            None => vec![Outbound {
                destination: FORWARD_NAME.into(),
                body: Some(enqueued.cloudevent?),
                body_key: None,
            }],
        };
        Some(Self {
            source: enqueued.source,
            event_type: enqueued.event_type,
            id: enqueued.id,
            copies: outbound
                .into_iter()
                .map(Outbound::outgoing)
                .collect::<Option<_>>()?,
        })
    }

    fn key(&self) -> EventKey {
        EventKey::new(&self.source, &self.event_type, &self.id)
    }
}

/// Pauses before the second and third direct attempts; each is jittered by up to +50 %.
const DIRECT_BACKOFF_MS: [u64; 2] = [250, 1000];

/// An attempt with less time than this left before the deadline is not started: it could only
/// time out, and the provider is better told 503 at once.
const MIN_ATTEMPT_MS: u64 = 50;

/// Direct mode: sends each destination its body concurrently, within the request that arrived
/// at `started` (ms since the epoch). With more than one destination, those already marked (by
/// an earlier try of this event) are skipped, and on a partial failure those that accepted are
/// marked before the provider hears 503, so its retry sends only to the others. `Err` names
/// each destination that failed and why.
pub async fn direct_all(
    delivery: &Delivery,
    dedup: &Dedup,
    key: &EventKey,
    outbound: &[(&Destination, String)],
    started: u64,
) -> std::result::Result<(), String> {
    let tracked = outbound.len() > 1;
    let mut pending = Vec::with_capacity(outbound.len());
    for (destination, body) in outbound {
        let marked = tracked
            && dedup
                .is_marked(Stage::Delivered(&destination.name), key)
                .await;
        if !marked {
            pending.push((*destination, body.as_str()));
        }
    }
    let results = join_all(
        pending
            .iter()
            .map(|(destination, body)| direct(delivery, destination, body, started)),
    )
    .await;
    let mut failures = Vec::new();
    let mut accepted = Vec::new();
    for ((destination, _), result) in pending.iter().zip(results) {
        match result {
            Ok(()) => accepted.push(destination.name.as_str()),
            Err(problem) => failures.push(format!("{}: {problem}", destination.name)),
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    if tracked {
        join_all(
            accepted
                .iter()
                .map(|name| dedup.mark(Stage::Delivered(name), key)),
        )
        .await;
    }
    Err(failures.join("; "))
}

/// Delivers to one destination within the request that arrived at `started`, giving up at
/// `started` plus the configured deadline; `Err` says why the last attempt failed.
async fn direct(
    delivery: &Delivery,
    destination: &Destination,
    body: &str,
    started: u64,
) -> std::result::Result<(), String> {
    let deadline = started.saturating_add(u64::from(delivery.direct_deadline_ms));
    let left = || deadline.saturating_sub(crate::now_ms());
    let mut pauses = DIRECT_BACKOFF_MS.into_iter();
    let mut problem = String::from("the deadline passed before the first attempt");
    // workerd's clock advances across I/O and timers, so `left` counts the pauses and attempts.
    while left() >= MIN_ATTEMPT_MS {
        let timeout = left().min(u64::from(delivery.attempt_timeout_ms));
        match post(destination, body, timeout).await {
            Ok(()) => return Ok(()),
            Err(failed) => problem = failed,
        }
        let Some(pause) = pauses.next().map(jittered) else {
            return Err(problem);
        };
        if left() < pause + MIN_ATTEMPT_MS {
            return Err(format!(
                "{problem}; no time left to retry before the deadline"
            ));
        }
        Delay::from(Duration::from_millis(pause)).await;
    }
    Err(problem)
}

/// One POST of the body, aborted after `timeout_ms`; only a 2xx answer counts as delivered.
/// The messages name no URL or header: those are secrets.
async fn post(
    destination: &Destination,
    body: &str,
    timeout_ms: u64,
) -> std::result::Result<(), String> {
    let request = request(destination, body)?;
    let timeout = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(timeout));
    let response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| {
            let e = e.to_string();
            if signal.aborted() {
                format!("receiver did not answer within {timeout} ms")
            } else if e.contains("://") {
                "receiver unreachable".into()
            } else {
                format!("receiver unreachable: {e}")
            }
        })?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("receiver answered {status}")),
    }
}

fn request(destination: &Destination, body: &str) -> std::result::Result<Request, String> {
    let signature = match &destination.signing_key {
        Some(key) => Some(
            signature::sign(key.as_bytes(), crate::now_ms() / 1000, body)
                .map_err(|e| format!("signing: {e}"))?,
        ),
        None => None,
    };
    let build = || -> Result<Request> {
        let headers = Headers::new();
        headers.set("content-type", destination.format.content_type())?;
        for (name, value) in &destination.headers {
            headers.set(name, value)?;
        }
        if let Some(signature) = &signature {
            headers.set("x-hookwall-signature", signature)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        Request::new_with_init(&destination.url, &init)
    };
    // workers-rs's errors quote the URL or a header value: only the step is named.
    build().map_err(|_| "the request could not be built".to_string())
}

/// `ms` plus up to half of it again, so that retries from many isolates spread out.
fn jittered(ms: u64) -> u64 {
    let mut buf = [0u8; 2];
    let spread = match getrandom::fill(&mut buf) {
        Ok(()) => u64::from(u16::from_le_bytes(buf)) % (ms / 2 + 1),
        Err(_) => ms / 4,
    };
    ms + spread
}

/// Seconds before the queue redelivers a message whose `attempts`-th delivery failed: `base`,
/// doubled at each further attempt, never more than `max`. Exponential so that a receiver down
/// for hours is not hammered, capped so that it is retried soon enough once it is back.
pub fn retry_delay(base: u32, max: u32, attempts: u32) -> u32 {
    let doublings = attempts.saturating_sub(1).min(31);
    base.saturating_mul(1 << doublings).min(max)
}

/// The queue consumer: sends each message's copy to its destination once. A message whose
/// destination failed is retried alone with exponential backoff and ends in the dead-letter
/// queue after `max_retries` (wrangler.toml); a destination whose mark says it already has the
/// event (a message enqueued twice, by a provider's retry) is not sent it again. Every message is acknowledged or retried explicitly, because
/// one the handler leaves alone counts as acknowledged, and the handler never fails, because a
/// failed batch is retried whole, which would deliver the messages that succeeded again.
pub async fn consume(batch: &MessageBatchSys, env: &Env) {
    let started = crate::now_ms();
    let Ok(messages) = batch.messages() else {
        log_consumer(
            Reason::UnreadableBody,
            "the batch has no messages array",
            None,
            None,
            started,
        );
        let _ = batch.retry_all(JsValue::NULL);
        return;
    };
    let delivery = match config::delivery(env) {
        Ok(delivery) => delivery,
        Err(problem) => {
            log_consumer(Reason::ConfigError, &problem, None, None, started);
            // Nothing is lost: every message waits for a corrected configuration.
            let _ = batch.retry_all(JsValue::NULL);
            return;
        }
    };
    let dedup = Dedup::from_env(env);
    for value in messages.iter() {
        let attempts = attempts(&value);
        let raw = MessageSys::from(value);
        let delay = retry_delay(
            delivery.retry_base_seconds,
            delivery.retry_max_seconds,
            attempts,
        );
        let Some(queued) = Queued::from_message(&raw) else {
            // Not something this Worker enqueued: retried until it reaches the dead-letter
            // queue, where it can be inspected.
            log_consumer(
                Reason::UnreadableBody,
                "not an enqueued event",
                None,
                None,
                started,
            );
            settle(&raw, Some(delay));
            continue;
        };
        let mut failed = false;
        for copy in &queued.copies {
            let sent = deliver(&delivery, &dedup, &queued, copy, started).await;
            if let Err(problem) = sent {
                failed = true;
                let message = format!("{problem}; attempt {attempts}, next in {delay} s");
                let name = Some(copy.destination.as_str());
                log_consumer(
                    Reason::DeliveryFailed,
                    &message,
                    name,
                    Some(&queued),
                    started,
                );
            }
        }
        settle(&raw, failed.then_some(delay));
    }
}

/// Sends one destination its copy unless its mark says it has it; logs what succeeded. A body
/// stored in KV is read first, and dropped once delivered.
async fn deliver(
    delivery: &Delivery,
    dedup: &Dedup,
    queued: &Queued,
    copy: &Outgoing,
    started: u64,
) -> std::result::Result<(), String> {
    let key = queued.key();
    let name = copy.destination.as_str();
    if dedup.is_marked(Stage::Delivered(name), &key).await {
        log_consumer(
            Ack::Duplicate,
            "already delivered",
            Some(name),
            Some(queued),
            started,
        );
        return Ok(());
    }
    let destination = delivery
        .destinations
        .iter()
        .find(|d| d.name == name)
        .ok_or("the destination is no longer configured")?;
    let stored;
    let body = match &copy.body {
        Body::Carried(body) => body,
        Body::Stored(body_key) => {
            stored = dedup
                .stored(body_key)
                .await
                .ok_or("its body is not in KV, or not visible here yet")?;
            &stored
        }
    };
    let timeout = u64::from(delivery.attempt_timeout_ms);
    post(destination, body, timeout).await?;
    dedup.mark(Stage::Delivered(name), &key).await;
    if let Body::Stored(body_key) = &copy.body {
        dedup.forget(body_key).await;
    }
    let message = "receiver answered 2xx";
    log_consumer(Ack::Delivered, message, Some(name), Some(queued), started);
    Ok(())
}

/// Which delivery of the message this is, from 1; workers-rs 0.8.7 does not expose the
/// runtime's `attempts`, so it is read from the JS object. Missing, it counts as the first.
fn attempts(message: &JsValue) -> u32 {
    Reflect::get(message, &JsValue::from_str("attempts"))
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|n| *n >= 1.0)
        // Saturating: a count beyond u32 only means "many".
        .map_or(1, |n| n.min(f64::from(u32::MAX)) as u32)
}

/// Acknowledges the message, or with a delay asks for it again after that many seconds. The
/// runtime's calls are used directly: workers-rs's wrappers panic if they throw.
fn settle(raw: &MessageSys, retry_after: Option<u32>) {
    let _ = match retry_after {
        None => raw.ack(),
        Some(seconds) => {
            let options = Object::new();
            // Setting a property on a fresh plain object cannot throw.
            let _ = Reflect::set(&options, &"delaySeconds".into(), &JsValue::from(seconds));
            raw.retry(options.into())
        }
    };
}

fn log_consumer(
    outcome: impl Into<Outcome>,
    message: &str,
    destination: Option<&str>,
    queued: Option<&Queued>,
    started: u64,
) {
    log::Line {
        source: Some("queue"),
        destination,
        event_type: queued.map(|q| q.event_type.as_str()),
        id: queued.map(|q| q.id.as_str()),
        ms: crate::now_ms().saturating_sub(started),
        message: Some(message),
        ..log::Line::new(outcome)
    }
    .emit();
}

#[cfg(test)]
mod tests {
    use super::{batches, retry_delay, Body, Enqueued, Message, Outgoing, Queued, MAX_BATCH_BYTES};

    fn parse(text: &str) -> Option<Queued> {
        Queued::from_enqueued(serde_json::from_str::<Enqueued>(text).unwrap())
    }

    /// Each copy's destination and what it carries: its body, or `kv:<key>`.
    fn copies(text: &str) -> Vec<(String, String)> {
        let carried = |c: &Outgoing| match &c.body {
            Body::Carried(body) => body.clone(),
            Body::Stored(key) => format!("kv:{key}"),
        };
        let queued = parse(text).unwrap();
        queued
            .copies
            .iter()
            .map(|c| (c.destination.clone(), carried(c)))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_message_carries_one_destination_and_reads_back_as_sent() {
        let body = r#"{"text":"a \"quoted\" line\n"}"#;
        let message = Message {
            source: "crowdsec",
            event_type: "alert_triggered",
            id: "5b53",
            destination: "siem",
            body: Some(body),
            body_key: None,
        };
        let (text, bytes) = message.text().unwrap();
        assert_eq!(bytes, text.len() + 100, "the queue's metadata counted");
        let queued = parse(&text).unwrap();
        let event = (queued.source, queued.event_type, queued.id);
        assert_eq!(
            event,
            ("crowdsec".into(), "alert_triggered".into(), "5b53".into())
        );
        assert_eq!(copies(&text), pairs(&[("siem", body)]), "byte for byte");
        let key = "body:siem:crowdsec:alert_triggered:5b53";
        let stored = Message {
            body: None,
            body_key: Some(key),
            ..message
        };
        let text = stored.text().unwrap().0;
        assert!(!text.contains(r#""body":"#), "{text}");
        assert_eq!(copies(&text), pairs(&[("siem", &format!("kv:{key}"))]));
        let neither = r#"{"source":"s","type":"t","id":"1","destination":"siem"}"#;
        assert!(
            parse(neither).is_none(),
            "neither a body nor a key: not ours"
        );
    }

    #[test]
    fn messages_enqueued_by_earlier_versions_are_still_delivered() {
        let per_event = r#"{"source":"s","type":"t","id":"1","deliveries":[{"destination":"a","body":"{}"},{"destination":"b","body":"[]"}]}"#;
        assert_eq!(copies(per_event), pairs(&[("a", "{}"), ("b", "[]")]));
        let legacy = r#"{"source":"s","type":"t","id":"1","cloudevent":"{}"}"#;
        assert_eq!(copies(legacy), pairs(&[("forward", "{}")]));
        assert!(parse(r#"{"id":"1"}"#).is_none(), "no copy: not ours");
    }

    #[test]
    fn batches_keep_within_the_queues_count_and_size_limits() {
        assert_eq!(
            batches([10, 20, 30]).len(),
            1,
            "one call for the usual case"
        );
        assert_eq!(batches([10, 20, 30])[0], 0..3);
        assert!(batches([]).is_empty());
        // Three 100 KB messages: two fit 256 KB with their metadata, the third does not.
        assert_eq!(batches([100_000; 3]), [0..2, 2..3]);
        let edge = MAX_BATCH_BYTES / 2 - 100;
        assert_eq!(batches([edge, edge, 1]), [0..2, 2..3], "exactly full");
        assert_eq!(batches([1; 250]), [0..100, 100..200, 200..250]);
    }

    #[test]
    fn retry_delay_doubles_from_the_base_up_to_the_cap() {
        let delays: Vec<u32> = (1..=9).map(|a| retry_delay(30, 3600, a)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(
            retry_delay(30, 3600, 0),
            30,
            "a missing count is the first attempt"
        );
        assert_eq!(retry_delay(30, 43_200, u32::MAX), 43_200, "no overflow");
        assert_eq!(retry_delay(0, 3600, 5), 0);
        assert_eq!(
            retry_delay(7200, 3600, 1),
            3600,
            "the cap wins over the base"
        );
    }
}
