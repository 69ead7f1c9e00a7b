//! Direct mode: an event is sent with POST to each destination it claimed within the provider's
//! request, with a few jittered retries, all inside a deadline well short of the providers'
//! 30 s timeout.

use std::time::Duration;

use worker::Delay;

use crate::config::Delivery;
use crate::destinations::Destination;
use crate::post::post;

/// Pauses before the second and third direct attempts; each is jittered by up to +50 %.
const DIRECT_BACKOFF_MS: [u64; 2] = [250, 1000];

/// An attempt with less time than this left before the deadline is not started: it could only
/// time out, and the provider is better told 503 at once.
const MIN_ATTEMPT_MS: u64 = 50;

/// Delivers to one destination within the request that arrived at `started`, giving up at
/// `started` plus the configured deadline. Answers how many POSTs were made, and `Err` says
/// why the last one failed.
pub async fn deliver(
    delivery: &Delivery,
    destination: &Destination,
    body: &str,
    started: u64,
) -> (Result<(), String>, u32) {
    let deadline = started.saturating_add(u64::from(delivery.direct_deadline_ms));
    let left = || deadline.saturating_sub(crate::now_ms());
    let mut pauses = DIRECT_BACKOFF_MS.into_iter();
    let mut problem = String::from("the deadline passed before the first attempt");
    let mut attempts = 0;
    // workerd's clock advances across I/O and timers, so `left` counts the pauses and attempts.
    while left() >= MIN_ATTEMPT_MS {
        let timeout = left().min(u64::from(delivery.attempt_timeout_ms));
        attempts += 1;
        match post(destination, body, timeout).await {
            Ok(()) => return (Ok(()), attempts),
            Err(failed) => problem = failed,
        }
        let Some(pause) = pauses.next().map(jittered) else {
            return (Err(problem), attempts);
        };
        if left() < pause + MIN_ATTEMPT_MS {
            let problem = format!("{problem}; no time left to retry before the deadline");
            return (Err(problem), attempts);
        }
        Delay::from(Duration::from_millis(pause)).await;
    }
    (Err(problem), attempts)
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
