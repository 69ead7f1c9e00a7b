//! An allowed event's way out: its deliveries are claimed in the ledger, then the ones this
//! request holds are delivered (direct mode) or enqueued (queue mode) and settled there. The
//! provider hears 200 only when every matching destination has the event or a queue message
//! for it; a copy whose twin is still being delivered hears 503 with `Retry-After`, never a
//! `duplicate` that could turn out false.

use futures_util::future::join_all;
use hookwall::{Ack, Event, Reason};
use worker::Env;

use crate::config::Delivery;
use crate::destinations::{self, Destination};
use crate::direct;
use crate::ledger::{
    self, Claim, EventRecord, Lease, Mode, Outcome, Rendered, Settle, Settled, Standing,
};
use crate::queue::{self, Message};

/// How a request ends: acknowledged, or refused with what the log line says about why.
pub enum Answer {
    Ack(Ack),
    Refused(Reason, String),
}

/// Claims, delivers or enqueues, and settles the event received at `started` on the route of
/// `source`.
pub async fn accept(
    env: &Env,
    delivery: &Delivery,
    source: &str,
    event: &Event<'_>,
    started: u64,
) -> Answer {
    // Each format rendered once, however many destinations take it.
    let outbound = destinations::outbound(&delivery.destinations, event);
    let ledger = match ledger::Client::new(env, source) {
        Ok(ledger) => ledger,
        Err(problem) => return Answer::Refused(Reason::ConfigError, problem),
    };
    let queue = env.queue(queue::BINDING).ok();
    let (mode, holds_ms) = match queue {
        Some(_) => (Mode::Queue, u64::from(delivery.attempt_timeout_ms)),
        None => (Mode::Direct, u64::from(delivery.direct_deadline_ms)),
    };
    let record = record(source, event, started);
    let key = record.key.clone();
    let lease = Lease::new(holds_ms);
    let token = lease.token.clone();
    let claim = Claim {
        event: record,
        copies: outbound
            .iter()
            .map(|(d, body)| Rendered {
                destination: d.name.clone(),
                body: body.clone(),
            })
            .collect(),
        lease,
        mode,
    };
    let standings = match ledger.claim(claim).await {
        Ok(claimed) => claimed.standings,
        Err(problem) => return Answer::Refused(Reason::DeliveryFailed, problem),
    };
    if outbound.is_empty() {
        // No destination takes this event: the routing the configuration asks for.
        return Answer::Ack(Ack::Unrouted);
    }
    let in_flight = standings.contains(&Standing::InFlight);
    let mine: Vec<(&Destination, &str)> = outbound
        .iter()
        .zip(&standings)
        .filter(|(_, standing)| **standing == Standing::Claimed)
        .map(|((d, body), _)| (*d, body.as_str()))
        .collect();
    if mine.is_empty() {
        return if in_flight {
            in_flight_answer()
        } else {
            Answer::Ack(Ack::Duplicate)
        };
    }
    let (results, done) = match &queue {
        Some(queue) => enqueue(queue, source, &key, &mine).await,
        None => deliver(delivery, &key, &mine, started).await,
    };
    // Failing to settle leaves the leases to expire: a provider's retry then sends again,
    // which may double a delivery but never loses one.
    let _ = ledger.settle(Settle { token, results }).await;
    match done {
        Err(problem) => Answer::Refused(Reason::DeliveryFailed, problem),
        Ok(_) if in_flight => in_flight_answer(),
        Ok(ack) => Answer::Ack(ack),
    }
}

fn in_flight_answer() -> Answer {
    let problem = "another copy of this event is being delivered";
    Answer::Refused(Reason::DuplicateInFlight, problem.into())
}

/// What the ledger keeps of the event.
fn record(source: &str, event: &Event<'_>, started: u64) -> EventRecord {
    EventRecord {
        key: event.identity(source).to_hex(),
        source: source.into(),
        event_source: event.source(),
        id: event.cloudevent_id().into_owned(),
        provider: event.provider().as_str().into(),
        event_type: event.event_type().into(),
        category: event.category().as_str().into(),
        severity: event.severity().as_str().into(),
        received_ms: i64::try_from(started).unwrap_or(i64::MAX),
    }
}

/// Direct mode: every claimed delivery at once; `Err` names each destination that failed.
async fn deliver(
    delivery: &Delivery,
    key: &str,
    mine: &[(&Destination, &str)],
    started: u64,
) -> (Vec<Settled>, Result<Ack, String>) {
    let sends = mine
        .iter()
        .map(|(destination, body)| direct::deliver(delivery, destination, body, started));
    let mut failures = Vec::new();
    let mut results = Vec::with_capacity(mine.len());
    for ((destination, _), (sent, attempts)) in mine.iter().zip(join_all(sends).await) {
        let outcome = match sent {
            Ok(()) => Outcome::Delivered,
            Err(error) => {
                failures.push(format!("{}: {error}", destination.name));
                Outcome::Failed { error }
            }
        };
        results.push(Settled {
            key: key.into(),
            destination: destination.name.clone(),
            attempts,
            outcome,
        });
    }
    let done = if failures.is_empty() {
        Ok(Ack::Delivered)
    } else {
        Err(failures.join("; "))
    };
    (results, done)
}

/// Queue mode: one message per claimed delivery.
async fn enqueue(
    queue: &worker::Queue,
    source: &str,
    key: &str,
    mine: &[(&Destination, &str)],
) -> (Vec<Settled>, Result<Ack, String>) {
    let messages: Vec<Message> = mine
        .iter()
        .map(|(d, _)| Message {
            source: source.into(),
            key: key.into(),
            destination: d.name.clone(),
        })
        .collect();
    let done = queue::enqueue(queue, &messages).await;
    let outcome = match &done {
        Ok(()) => Outcome::Queued,
        Err(error) => Outcome::Failed {
            error: error.clone(),
        },
    };
    let results = messages
        .into_iter()
        .map(|m| Settled {
            key: m.key,
            destination: m.destination,
            attempts: 0,
            outcome: outcome.clone(),
        })
        .collect();
    (results, done.map(|()| Ack::Enqueued))
}
