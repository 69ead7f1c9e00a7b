//! Delivery to `FORWARD_URL`: a CloudEvent in structured mode, with the receiver's token and an
//! `x-hookwall-signature`. Directly within the request (a few jittered retries, well inside the
//! providers' 30 s timeout) or from the queue consumer (retry with delay, then dead letter).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use worker::{
    Date, Delay, Env, Fetch, Headers, MessageBatch, MessageExt, Method, QueueRetryOptionsBuilder,
    Request, RequestInit, Result,
};

use crate::config::Delivery;
use crate::dedup::Dedup;
use crate::log;
use crate::signature;

/// What the fetch handler enqueues: the event id (for dedup) and the CloudEvent JSON.
#[derive(Serialize, Deserialize)]
pub struct Queued {
    pub id: String,
    pub cloudevent: String,
}

/// Pauses before the second and third direct attempts; each is jittered by up to +50 %.
const DIRECT_BACKOFF_MS: [u64; 2] = [250, 1000];

/// Delivers within the request; `Err` says why the last attempt failed.
pub async fn direct(delivery: &Delivery, cloudevent: &str) -> std::result::Result<(), String> {
    let mut outcome = post(delivery, cloudevent).await;
    for pause in DIRECT_BACKOFF_MS {
        if outcome.is_ok() {
            break;
        }
        Delay::from(Duration::from_millis(jittered(pause))).await;
        outcome = post(delivery, cloudevent).await;
    }
    outcome
}

/// One POST of the CloudEvent; only a 2xx answer counts as delivered.
async fn post(delivery: &Delivery, cloudevent: &str) -> std::result::Result<(), String> {
    let request = request(delivery, cloudevent).map_err(|e| format!("request: {e}"))?;
    let response = Fetch::Request(request)
        .send()
        .await
        .map_err(|e| format!("receiver unreachable: {e}"))?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("receiver answered {status}")),
    }
}

fn request(delivery: &Delivery, cloudevent: &str) -> Result<Request> {
    let headers = Headers::new();
    headers.set("content-type", "application/cloudevents+json")?;
    let now = Date::now().as_millis() / 1000;
    headers.set(
        "x-hookwall-signature",
        &signature::sign(delivery.signing_key.as_bytes(), now, cloudevent),
    )?;
    if let Some(token) = &delivery.token {
        headers.set("authorization", token)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(cloudevent.into()));
    Request::new_with_init(&delivery.url, &init)
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

/// The queue consumer: forwards each message once; a failed one is retried after a delay and
/// ends in the dead-letter queue after `max_retries` (wrangler.toml).
pub async fn consume(batch: MessageBatch<Queued>, env: &Env) -> Result<()> {
    let started = Date::now().as_millis();
    let delivery = match Delivery::from_env(env) {
        Ok(delivery) => delivery,
        Err(problem) => {
            log_consumer("config_error", problem, None, started);
            batch.retry_all();
            return Ok(());
        }
    };
    let retry = QueueRetryOptionsBuilder::new()
        .with_delay_seconds(delivery.retry_delay_seconds)
        .build();
    let dedup = Dedup::from_env(env);
    for message in batch.messages()? {
        let queued = message.body();
        if dedup.is_marked("delivered", &queued.id).await {
            log_consumer("duplicate", "already delivered", Some(&queued.id), started);
            message.ack();
            continue;
        }
        match post(&delivery, &queued.cloudevent).await {
            Ok(()) => {
                dedup.mark("delivered", &queued.id).await;
                log_consumer(
                    "delivered",
                    "receiver answered 2xx",
                    Some(&queued.id),
                    started,
                );
                message.ack();
            }
            Err(problem) => {
                log_consumer("retry", &problem, Some(&queued.id), started);
                message.retry_with_options(&retry);
            }
        }
    }
    Ok(())
}

fn log_consumer(reason: &str, message: &str, id: Option<&str>, started: u64) {
    log::Line {
        source: Some("queue"),
        verdict: "deliver",
        reason,
        id,
        ms: Date::now().as_millis().saturating_sub(started),
        message: Some(message),
        ..log::Line::default()
    }
    .emit();
}
