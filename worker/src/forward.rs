//! Delivery to each matching destination, in its format, with its headers and, when it has a
//! signing key, an `x-hookwall-signature`. Directly within the request (a few jittered retries,
//! all inside a deadline well short of the providers' 30 s timeout) or from the queue consumer
//! (retry with exponential backoff, then dead letter). Either way a destination that has the
//! event is marked, so that retrying for another one never sends it a second copy.

use std::time::Duration;

use futures_util::future::join_all;
use hookwall::{Ack, Reason};
use serde::{Deserialize, Serialize};
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::{Message as MessageSys, MessageBatch as MessageBatchSys};
use worker::{
    web_sys, AbortSignal, Delay, Env, Fetch, Headers, Method, Queue, Request, RequestInit, Result,
};

use crate::config::{self, Delivery};
use crate::dedup::{Dedup, EventKey, Stage};
use crate::destinations::{Destination, FORWARD_NAME};
use crate::log::{self, Outcome};
use crate::signature;

/// One destination's copy of an event: its name and the body in its format, rendered when the
/// event arrived (the consumer has the bodies, not the event).
#[derive(Serialize, Deserialize)]
pub struct Outbound {
    pub destination: String,
    pub body: String,
}

/// What the fetch handler enqueues, once per event: what identifies the event for dedup (the
/// route's source, the event type and id) and each matching destination's body.
#[derive(Serialize, Deserialize)]
pub struct Queued {
    #[serde(default)]
    pub source: String,
    #[serde(default, rename = "type")]
    pub event_type: String,
    pub id: String,
    #[serde(default)]
    pub deliveries: Vec<Outbound>,
    /// A message from before destinations: its CloudEvent, for the `FORWARD_URL` destination.
    #[serde(default, skip_serializing)]
    cloudevent: Option<String>,
}

impl Queued {
    pub fn new(source: &str, event_type: &str, id: &str, deliveries: Vec<Outbound>) -> Self {
        Self {
            source: source.into(),
            event_type: event_type.into(),
            id: id.into(),
            deliveries,
            cloudevent: None,
        }
    }

    /// Sends it to the queue, through workers-rs's typed producer.
    pub async fn enqueue(&self, queue: &Queue) -> std::result::Result<(), String> {
        queue.send(self).await.map_err(|e| format!("queue: {e}"))
    }

    /// A message body this Worker enqueued; one from before destinations goes to `FORWARD_URL`.
    fn from_message(message: &MessageSys) -> Option<Self> {
        let mut queued: Self = serde_wasm_bindgen::from_value(message.body().ok()?).ok()?;
        if queued.deliveries.is_empty() {
            queued.deliveries.push(Outbound {
                destination: FORWARD_NAME.into(),
                body: queued.cloudevent.take()?,
            });
        }
        Some(queued)
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

/// The queue consumer: sends each message's body to each of its destinations once. A message
/// with a destination that failed is retried with exponential backoff (the destinations that
/// have it are skipped then, by their marks) and ends in the dead-letter queue after
/// `max_retries` (wrangler.toml). Every message is acknowledged or retried explicitly, because
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
        for outbound in &queued.deliveries {
            let sent = deliver(&delivery, &dedup, &queued, outbound, started).await;
            if let Err(problem) = sent {
                failed = true;
                let message = format!("{problem}; attempt {attempts}, next in {delay} s");
                let name = Some(outbound.destination.as_str());
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

/// Sends one destination its copy unless its mark says it has it; logs what succeeded.
async fn deliver(
    delivery: &Delivery,
    dedup: &Dedup,
    queued: &Queued,
    outbound: &Outbound,
    started: u64,
) -> std::result::Result<(), String> {
    let key = queued.key();
    let name = outbound.destination.as_str();
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
    let timeout = u64::from(delivery.attempt_timeout_ms);
    post(destination, &outbound.body, timeout).await?;
    dedup.mark(Stage::Delivered(name), &key).await;
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
    use super::retry_delay;

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
