//! `POST /_hookwall/recover` and `POST /_hookwall/events/<key>/resend`: deliveries sent again
//! from the bodies the ledger kept. Each is claimed in the ledger first, like any delivery, so
//! a recovery never races a provider's retry or the queue consumer, and a delivery that is
//! `delivered` is never recovered again (a resend, on purpose, is).

use std::collections::BTreeMap;

use futures_util::future::join_all;
use serde::Deserialize;
use worker::{Env, Queue};

use super::query;
use crate::config::Delivery;
use crate::destinations::Destination;
use crate::ledger::{
    self, Candidates, Lease, Leased, Outcome, Position, Recover, Settle, Settled, Take, Taken,
};
use crate::post::post;
use crate::queue::{self, Message};

/// How many deliveries one recover request sends at most: in direct mode each is a POST
/// within this request (Workers allow 50 subrequests on the free plan, the ledger calls
/// included); in queue mode one `sendBatch` takes them all.
const DIRECT_PAGE: u32 = 20;
const QUEUE_PAGE: u32 = 100;

/// The recover request's body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    destination: String,
    since: String,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

/// Why a request is not done: a status and the `error`/`message` of its answer.
pub struct Refusal {
    pub status: u16,
    pub error: &'static str,
    pub message: String,
}

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: "bad_request",
            message: message.into(),
        }
    }

    fn unavailable(message: String) -> Self {
        Self {
            status: 503,
            error: "ledger_unavailable",
            message,
        }
    }
}

/// Where recovered deliveries go: the queue when one is bound, else straight to the receiver.
enum Route {
    Queue(Queue),
    Direct,
}

impl Route {
    fn new(env: &Env) -> Self {
        env.queue(queue::BINDING).map_or(Self::Direct, Self::Queue)
    }
}

fn destination<'d>(delivery: &'d Delivery, name: &str) -> Result<&'d Destination, Refusal> {
    delivery
        .destinations
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| Refusal::bad_request("no destination of that name is configured"))
}

/// Recovers one page of the destination's failed or dead deliveries, oldest first; answers
/// `{"requeued": n, "next": cursor | null}`.
pub async fn recover(
    env: &Env,
    delivery: &Delivery,
    sources: &[&str],
    body: &str,
) -> Result<String, Refusal> {
    let request: RecoverRequest = serde_json::from_str(body)
        .map_err(|e| Refusal::bad_request(format!("the body is not a recover request: {e}")))?;
    let target = destination(delivery, &request.destination)?;
    let since = query::time("since", &request.since).map_err(Refusal::bad_request)?;
    let until = request
        .until
        .as_deref()
        .map(|u| query::time("until", u))
        .transpose()
        .map_err(Refusal::bad_request)?;
    let after = match request.cursor.as_deref() {
        Some(cursor) => Some(Position::from_cursor(cursor).ok_or_else(|| {
            Refusal::bad_request("cursor is not one this API gave (pass `next` back as it is)")
        })?),
        None => None,
    };
    let sources: Vec<&str> = sources
        .iter()
        .copied()
        .filter(|s| request.source.as_deref().is_none_or(|only| only == *s))
        .collect();
    let route = Route::new(env);
    let page = match route {
        Route::Queue(_) => QUEUE_PAGE,
        Route::Direct => DIRECT_PAGE,
    };
    let ask = Candidates {
        destination: request.destination.clone(),
        since,
        until,
        after,
        limit: page + 1,
    };
    let found = join_all(sources.iter().map(|source| {
        let ask = ask.clone();
        async move {
            let positions = ledger::Client::new(env, source)?.candidates(ask).await?;
            Ok::<_, String>(positions.into_iter().map(move |p| (p, *source)))
        }
    }))
    .await;
    let mut candidates = Vec::new();
    for positions in found {
        candidates.extend(positions.map_err(Refusal::unavailable)?);
    }
    candidates.sort();
    let more = candidates.len() > page as usize;
    candidates.truncate(page as usize);
    let next = more
        .then(|| candidates.last().map(|(p, _)| p.to_cursor()))
        .flatten();
    let mut by_source: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (position, source) in candidates {
        by_source.entry(source).or_default().push(position.key);
    }
    let hold = hold_ms(delivery);
    let sent = join_all(by_source.into_iter().map(|(source, keys)| {
        let (route, name) = (&route, request.destination.as_str());
        async move { resend_all(env, route, delivery, target, source, name, keys, hold).await }
    }))
    .await;
    let mut requeued = 0;
    for count in sent {
        requeued += count.map_err(Refusal::unavailable)?;
    }
    Ok(format!(
        r#"{{"requeued":{requeued},"next":{}}}"#,
        serde_json::to_string(&next).unwrap_or_else(|_| "null".into())
    ))
}

/// How long a recovery's lease must last: one POST, or one enqueue.
fn hold_ms(delivery: &Delivery) -> u64 {
    u64::from(delivery.attempt_timeout_ms)
}

/// Claims `keys`' deliveries to the destination in one source's ledger, sends or enqueues
/// those still to recover, and settles them; answers how many were sent or enqueued.
#[allow(clippy::too_many_arguments)]
async fn resend_all(
    env: &Env,
    route: &Route,
    delivery: &Delivery,
    target: &Destination,
    source: &str,
    name: &str,
    keys: Vec<String>,
    hold_ms: u64,
) -> Result<usize, String> {
    let ledger = ledger::Client::new(env, source)?;
    let lease = Lease::new(hold_ms);
    let token = lease.token.clone();
    let recover = Recover {
        destination: name.into(),
        keys,
        lease,
    };
    let leased = ledger.recover(recover).await?;
    let results = send(route, delivery, target, source, &leased).await;
    let count = leased.len();
    ledger.settle(Settle { token, results }).await?;
    Ok(count)
}

/// Sends (direct) or enqueues (queue) each leased delivery; answers how each went.
async fn send(
    route: &Route,
    delivery: &Delivery,
    target: &Destination,
    source: &str,
    leased: &[Leased],
) -> Vec<Settled> {
    let settled = |l: &Leased, attempts, outcome| Settled {
        key: l.key.clone(),
        destination: target.name.clone(),
        attempts,
        outcome,
    };
    match route {
        Route::Direct => {
            let timeout = u64::from(delivery.attempt_timeout_ms);
            let posts = leased.iter().map(|l| post(target, &l.body, timeout));
            join_all(posts)
                .await
                .into_iter()
                .zip(leased)
                .map(|(sent, l)| settled(l, 1, outcome(sent)))
                .collect()
        }
        Route::Queue(queue) => {
            let messages: Vec<Message> = leased
                .iter()
                .map(|l| Message {
                    source: source.into(),
                    key: l.key.clone(),
                    destination: target.name.clone(),
                })
                .collect();
            let done = if messages.is_empty() {
                Ok(())
            } else {
                queue::enqueue(queue, &messages).await
            };
            leased
                .iter()
                .map(|l| settled(l, 0, queued(&done)))
                .collect()
        }
    }
}

fn outcome(sent: Result<(), String>) -> Outcome {
    match sent {
        Ok(()) => Outcome::Delivered,
        Err(error) => Outcome::Failed { error },
    }
}

fn queued(done: &Result<(), String>) -> Outcome {
    match done {
        Ok(()) => Outcome::Queued,
        Err(error) => Outcome::Failed {
            error: error.clone(),
        },
    }
}

/// Resends one delivery of the event `key` on purpose, even a delivered one: directly (one
/// attempt, counted) or through the queue. `Ok` when it was delivered or enqueued.
pub async fn resend(
    env: &Env,
    delivery: &Delivery,
    source: &str,
    key: &str,
    name: &str,
) -> Result<(), Refusal> {
    let target = destination(delivery, name)?;
    let ledger = ledger::Client::new(env, source).map_err(Refusal::unavailable)?;
    let route = Route::new(env);
    let lease = Lease::new(hold_ms(delivery));
    let token = lease.token.clone();
    let take = Take {
        key: key.into(),
        destination: name.into(),
        lease,
        force: true,
    };
    let (body, event_type, id) = match ledger.take(take).await.map_err(Refusal::unavailable)? {
        Taken::Send {
            body,
            event_type,
            id,
        } => (body, event_type, id),
        Taken::InFlight => {
            return Err(Refusal {
                status: 409,
                error: "in_flight",
                message: "this delivery is being sent; retry later".into(),
            })
        }
        Taken::Delivered | Taken::Unknown => {
            return Err(Refusal {
                status: 404,
                error: "not_found",
                message: "no such delivery".into(),
            })
        }
    };
    let leased = [Leased {
        key: key.into(),
        body,
        event_type,
        id,
    }];
    let results = send(&route, delivery, target, source, &leased).await;
    let failed = results.iter().find_map(|r| match &r.outcome {
        Outcome::Failed { error } => Some(error.clone()),
        _ => None,
    });
    ledger
        .settle(Settle { token, results })
        .await
        .map_err(Refusal::unavailable)?;
    match failed {
        Some(error) => Err(Refusal {
            status: 503,
            error: "delivery_failed",
            message: error,
        }),
        None => Ok(()),
    }
}
