//! Queue mode: an event's claimed deliveries are enqueued as one message each, naming the
//! route's source, the event's ledger key and the destination; the body waits in the ledger.
//! The same Worker consumes the queue: it takes the delivery in the ledger (skipping one
//! delivered already or being sent), POSTs it, and settles it; a failure is retried with
//! exponential backoff and, after `max_retries`, reaches the dead-letter queue, whose batches
//! mark the delivery `dead`.

use std::ops::Range;

use futures_util::future::join_all;
use hookwall::{Ack, Reason};
use serde::{Deserialize, Serialize};
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::{Message as MessageSys, MessageBatch as MessageBatchSys};
use worker::{BatchMessageBuilder, Env, MessageBuilder, Queue, QueueContentType};

use crate::config::{self, Delivery};
use crate::ledger::{self, Lease, Outcome, Settle, Settled, Take, Taken};
use crate::log;
use crate::post::post;

/// The producer's binding in wrangler.toml.
pub const BINDING: &str = "EVENTS";

/// Cloudflare Queues' limits: a `sendBatch` of at most 100 messages (and 256 KB, which 100
/// messages of a source name, a key and a destination name never reach).
const MAX_BATCH_MESSAGES: usize = 100;

/// One queue message: one delivery of one event. The body is in the ledger, so a message is a
/// few hundred bytes whatever the event's size.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Message {
    /// The route's source: which ledger object holds the event.
    pub source: String,
    pub key: String,
    pub destination: String,
}

/// Enqueues one message per delivery, in as few `sendBatch` calls as the queue allows. `Err`
/// says why the queue refused a batch; what did go in is harmless, since the consumer takes
/// each delivery in the ledger before sending it.
pub async fn enqueue(queue: &Queue, messages: &[Message]) -> Result<(), String> {
    let texts = messages
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("queue: {e}"))?;
    let sends = runs(texts.len()).into_iter().map(|run| {
        let batch = texts[run].iter().map(|text| {
            MessageBuilder::new(text.as_str())
                .content_type(QueueContentType::Text)
                .build()
        });
        queue.send_batch(BatchMessageBuilder::new().messages(batch).build())
    });
    for sent in join_all(sends).await {
        sent.map_err(|e| format!("queue: {e}"))?;
    }
    Ok(())
}

/// `count` messages in runs of at most 100.
fn runs(count: usize) -> Vec<Range<usize>> {
    (0..count)
        .step_by(MAX_BATCH_MESSAGES)
        .map(|start| start..count.min(start + MAX_BATCH_MESSAGES))
        .collect()
}

/// Seconds before the queue redelivers a message whose `attempts`-th delivery failed: `base`,
/// doubled at each further attempt, never more than `max`. Exponential so that a receiver down
/// for hours is not hammered, capped so that it is retried soon enough once it is back.
pub fn retry_delay(base: u32, max: u32, attempts: u32) -> u32 {
    let doublings = attempts.saturating_sub(1).min(31);
    base.saturating_mul(1 << doublings).min(max)
}

/// The queue handler, for the events queue and its dead-letter queue alike. Every message is
/// acknowledged or retried explicitly, because one the handler leaves alone counts as
/// acknowledged, and the handler never fails, because a failed batch is retried whole.
pub async fn consume(batch: &MessageBatchSys, env: &Env) {
    let started = crate::now_ms();
    let Ok(messages) = batch.messages() else {
        log_line(
            Reason::UnreadableBody,
            "the batch has no messages array",
            None,
            started,
        );
        let _ = batch.retry_all(JsValue::NULL);
        return;
    };
    let delivery = match config::delivery(env) {
        Ok(delivery) => delivery,
        Err(problem) => {
            log_line(Reason::ConfigError, &problem, None, started);
            // Nothing is lost: every message waits for a corrected configuration.
            let _ = batch.retry_all(JsValue::NULL);
            return;
        }
    };
    let dead = batch
        .queue()
        .ok()
        .and_then(|name| name.as_string())
        .is_some_and(|name| name == delivery.dead_letter_queue);
    for value in messages.iter() {
        let attempts = attempts(&value);
        let raw = MessageSys::from(value);
        let delay = retry_delay(
            delivery.retry_base_seconds,
            delivery.retry_max_seconds,
            attempts,
        );
        let Some(message) = read(&raw) else {
            // Not something this Worker enqueued: retried until it reaches the dead-letter
            // queue, where it can be inspected, and there left to the queue's own retries.
            log_line(
                Reason::UnreadableBody,
                "not an enqueued delivery",
                None,
                started,
            );
            settle(&raw, Some(delay));
            continue;
        };
        let retry = if dead {
            bury(env, &message, started).await
        } else {
            deliver(env, &delivery, &message, attempts, started).await
        };
        settle(&raw, retry.then_some(delay));
    }
}

/// A message this Worker enqueued: JSON text.
fn read(raw: &MessageSys) -> Option<Message> {
    serde_json::from_str(&raw.body().ok()?.as_string()?).ok()
}

/// Sends one message's delivery unless the ledger says it is delivered or being sent; answers
/// whether to retry the message.
async fn deliver(
    env: &Env,
    delivery: &Delivery,
    message: &Message,
    attempts: u32,
    started: u64,
) -> bool {
    let name = Some(message.destination.as_str());
    let ledger = match ledger::Client::new(env, &message.source) {
        Ok(ledger) => ledger,
        Err(problem) => {
            log_line(Reason::DeliveryFailed, &problem, name, started);
            return true;
        }
    };
    let timeout = u64::from(delivery.attempt_timeout_ms);
    let lease = Lease::new(timeout);
    let token = lease.token.clone();
    let take = Take {
        key: message.key.clone(),
        destination: message.destination.clone(),
        lease,
        force: false,
    };
    let (body, event_type, id) = match ledger.take(take).await {
        Ok(Taken::Send {
            body,
            event_type,
            id,
        }) => (body, event_type, id),
        Ok(Taken::Delivered) => {
            log_line(Ack::Duplicate, "already delivered", name, started);
            return false;
        }
        Ok(Taken::InFlight) => {
            log_line(Reason::DuplicateInFlight, "being sent", name, started);
            return true;
        }
        Ok(Taken::Unknown) => {
            let problem = "not in the ledger (past its retention?)";
            log_line(Reason::DeliveryFailed, problem, name, started);
            return false;
        }
        Err(problem) => {
            log_line(Reason::DeliveryFailed, &problem, name, started);
            return true;
        }
    };
    let sent = match delivery
        .destinations
        .iter()
        .find(|d| d.name == message.destination)
    {
        Some(destination) => post(destination, &body, timeout).await,
        None => Err("the destination is no longer configured".into()),
    };
    let outcome = match &sent {
        Ok(()) => Outcome::Delivered,
        Err(error) => Outcome::Failed {
            error: error.clone(),
        },
    };
    let settled = Settle {
        token,
        results: vec![Settled {
            key: message.key.clone(),
            destination: message.destination.clone(),
            attempts: 1,
            outcome,
        }],
    };
    // Failing to settle leaves the lease to expire; a redelivered message then sends again.
    let _ = ledger.settle(settled).await;
    let line = |outcome: hookwall::Outcome, text: &str| {
        log::Line {
            source: Some("queue"),
            destination: name,
            event_type: Some(log::Clipped(&event_type)),
            id: Some(log::Clipped(&id)),
            ms: crate::now_ms().saturating_sub(started),
            message: Some(text),
            ..log::Line::new(outcome)
        }
        .emit();
    };
    match sent {
        Ok(()) => {
            line(Ack::Delivered.into(), "receiver answered 2xx");
            false
        }
        Err(problem) => {
            line(
                Reason::DeliveryFailed.into(),
                &format!("{problem}; attempt {attempts}"),
            );
            true
        }
    }
}

/// A dead letter: its delivery is marked `dead` (its body and last error stay for recovery);
/// answers whether to retry the message (when the ledger could not be reached).
async fn bury(env: &Env, message: &Message, started: u64) -> bool {
    let name = Some(message.destination.as_str());
    let marked = match ledger::Client::new(env, &message.source) {
        Ok(ledger) => ledger.dead(&message.key, &message.destination).await,
        Err(problem) => Err(problem),
    };
    match marked {
        Ok(()) => {
            log_line(
                Reason::DeliveryFailed,
                "dead-lettered: recover it once the receiver is fixed",
                name,
                started,
            );
            false
        }
        Err(problem) => {
            log_line(Reason::DeliveryFailed, &problem, name, started);
            true
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
        .map_or(1, saturate)
}

/// A count of at least 1 as a `u32`, saturating: a count beyond `u32` only means "many".
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a float-to-int `as` saturates, and the count is at least 1"
)]
fn saturate(n: f64) -> u32 {
    n as u32
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

fn log_line(
    outcome: impl Into<hookwall::Outcome>,
    message: &str,
    destination: Option<&str>,
    started: u64,
) {
    log::Line {
        source: Some("queue"),
        destination,
        ms: crate::now_ms().saturating_sub(started),
        message: Some(message),
        ..log::Line::new(outcome)
    }
    .emit();
}

#[cfg(test)]
mod tests {
    use super::{retry_delay, runs, Message};

    #[test]
    fn a_message_names_its_delivery_and_reads_back() {
        let message = Message {
            source: "crowdsec".into(),
            key: "ab".repeat(32),
            destination: "siem".into(),
        };
        let text = serde_json::to_string(&message).unwrap();
        assert!(text.len() < 200, "{text}");
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), message);
    }

    #[test]
    fn runs_keep_within_the_queues_count_limit() {
        assert_eq!(runs(3), vec![0..3]);
        assert!(runs(0).is_empty());
        assert_eq!(runs(250), [0..100, 100..200, 200..250]);
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
