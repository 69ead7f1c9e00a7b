//! Delivery to `FORWARD_URL`: a CloudEvent in structured mode, with the receiver's token and an
//! `x-hookwall-signature`. Directly within the request (a few jittered retries, all inside a
//! deadline well short of the providers' 30 s timeout) or from the queue consumer (retry with
//! exponential backoff, then dead letter).

use std::time::Duration;

use worker::js_sys::Reflect;
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::{Message as MessageSys, MessageBatch as MessageBatchSys};
use worker::{
    web_sys, AbortSignal, Delay, Env, Fetch, Headers, Method, Request, RequestInit, Result,
};

use crate::config::{self, Delivery};
use crate::dedup::{Dedup, EventKey, Stage};
use crate::js;
use crate::log;
use crate::signature;

/// What the fetch handler enqueues: what identifies the event for dedup (the route's source, the
/// event type and id) and the CloudEvent JSON, as a plain object of strings (JSON-serializable,
/// so the dashboard can preview it).
pub struct Queued {
    pub source: String,
    pub event_type: String,
    pub id: String,
    pub cloudevent: String,
}

impl Queued {
    /// Sends it to the queue binding `queue`.
    pub async fn enqueue(&self, queue: &JsValue) -> std::result::Result<(), String> {
        let body = js::object(&[
            ("source", JsValue::from_str(&self.source)),
            ("type", JsValue::from_str(&self.event_type)),
            ("id", JsValue::from_str(&self.id)),
            ("cloudevent", JsValue::from_str(&self.cloudevent)),
        ]);
        js::call(queue, "send", &[body.into()])
            .await
            .map(drop)
            .map_err(|e| format!("queue: {}", js::describe(&e)))
    }

    /// A message body this Worker enqueued. One enqueued before the source and type were added
    /// has them empty: it is still delivered, keyed apart from every newer event.
    fn from_message(message: &MessageSys) -> Option<Self> {
        let body = message.body().ok()?;
        Some(Self {
            source: js::string(&body, "source").unwrap_or_default(),
            event_type: js::string(&body, "type").unwrap_or_default(),
            id: js::string(&body, "id")?,
            cloudevent: js::string(&body, "cloudevent")?,
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

/// Delivers within the request that arrived at `started` (ms since the epoch), giving up at
/// `started` plus the configured deadline; `Err` says why the last attempt failed.
pub async fn direct(
    delivery: &Delivery,
    cloudevent: &str,
    started: u64,
) -> std::result::Result<(), String> {
    let deadline = started.saturating_add(u64::from(delivery.direct_deadline_ms));
    let left = || deadline.saturating_sub(crate::now_ms());
    let mut pauses = DIRECT_BACKOFF_MS.into_iter();
    let mut problem = String::from("the deadline passed before the first attempt");
    // workerd's clock advances across I/O and timers, so `left` counts the pauses and attempts.
    while left() >= MIN_ATTEMPT_MS {
        let timeout = left().min(u64::from(delivery.attempt_timeout_ms));
        match post(delivery, cloudevent, timeout).await {
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

/// One POST of the CloudEvent, aborted after `timeout_ms`; only a 2xx answer counts as
/// delivered.
async fn post(
    delivery: &Delivery,
    cloudevent: &str,
    timeout_ms: u64,
) -> std::result::Result<(), String> {
    let request = request(delivery, cloudevent)?;
    let timeout = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(timeout));
    let response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| {
            if signal.aborted() {
                format!("receiver did not answer within {timeout} ms")
            } else {
                format!("receiver unreachable: {e}")
            }
        })?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("receiver answered {status}")),
    }
}

fn request(delivery: &Delivery, cloudevent: &str) -> std::result::Result<Request, String> {
    let now = crate::now_ms() / 1000;
    let signature = signature::sign(delivery.signing_key.as_bytes(), now, cloudevent)
        .map_err(|e| format!("signing: {e}"))?;
    let build = || -> Result<Request> {
        let headers = Headers::new();
        headers.set("content-type", "application/cloudevents+json")?;
        headers.set("x-hookwall-signature", &signature)?;
        if let Some(token) = &delivery.token {
            headers.set("authorization", token)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(cloudevent.into()));
        Request::new_with_init(&delivery.url, &init)
    };
    build().map_err(|e| format!("request: {e}"))
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

/// The queue consumer: forwards each message once; a failed one is retried with exponential
/// backoff and ends in the dead-letter queue after `max_retries` (wrangler.toml). Every message
/// is acknowledged or retried explicitly, because one the handler leaves alone counts as
/// acknowledged, and the handler never fails, because a failed batch is retried whole, which
/// would deliver the messages that succeeded again.
pub async fn consume(batch: &MessageBatchSys, env: &Env) {
    let started = crate::now_ms();
    let Ok(messages) = batch.messages() else {
        log_consumer("error", "the batch has no messages array", None, started);
        let _ = batch.retry_all(JsValue::NULL);
        return;
    };
    let delivery = match config::delivery(env) {
        Ok(delivery) => delivery,
        Err(problem) => {
            log_consumer("config_error", &problem, None, started);
            // Nothing is lost: every message waits for a corrected configuration.
            let _ = batch.retry_all(JsValue::NULL);
            return;
        }
    };
    let dedup = Dedup::from_env(env);
    for value in messages.iter() {
        let attempts = attempts(&value);
        let raw = MessageSys::from(value);
        let Some(queued) = Queued::from_message(&raw) else {
            // Not something this Worker enqueued: retried until it reaches the dead-letter
            // queue, where it can be inspected.
            log_consumer("unreadable", "not an enqueued event", None, started);
            settle(
                &raw,
                Some(retry_delay(
                    delivery.retry_base_seconds,
                    delivery.retry_max_seconds,
                    attempts,
                )),
            );
            continue;
        };
        let key = queued.key();
        if dedup.is_marked(Stage::Delivered, &key).await {
            log_consumer("duplicate", "already delivered", Some(&queued), started);
            settle(&raw, None);
            continue;
        }
        match post(
            &delivery,
            &queued.cloudevent,
            u64::from(delivery.attempt_timeout_ms),
        )
        .await
        {
            Ok(()) => {
                dedup.mark(Stage::Delivered, &key).await;
                log_consumer("delivered", "receiver answered 2xx", Some(&queued), started);
                settle(&raw, None);
            }
            Err(problem) => {
                let delay = retry_delay(
                    delivery.retry_base_seconds,
                    delivery.retry_max_seconds,
                    attempts,
                );
                log_consumer(
                    "retry",
                    &format!("{problem}; attempt {attempts}, next in {delay} s"),
                    Some(&queued),
                    started,
                );
                settle(&raw, Some(delay));
            }
        }
    }
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
        Some(seconds) => raw.retry(js::object(&[("delaySeconds", JsValue::from(seconds))]).into()),
    };
}

fn log_consumer(reason: &str, message: &str, queued: Option<&Queued>, started: u64) {
    log::Line {
        source: Some("queue"),
        verdict: "deliver",
        reason,
        event_type: queued.map(|q| q.event_type.as_str()),
        id: queued.map(|q| q.id.as_str()),
        ms: crate::now_ms().saturating_sub(started),
        message: Some(message),
        ..log::Line::default()
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
