//! The ledger's reads and writes on its SQLite tables. Every method runs synchronously inside
//! the object, so a claim (read the state, take the lease) is atomic: no other call runs
//! between its statements.

use std::fmt::Write as _;

use serde::Deserialize;
use worker::{SqlStorage, SqlStorageValue};

use super::protocol::{
    Candidates, Claim, Claimed, DeliveryRecord, EventRecord, Filter, Lease, Leased, Mode, Outcome,
    Page, Position, Record, Recover, Settle, Standing, Take, Taken,
};

/// The most of a delivery's last error the ledger keeps: the Worker's own text ("receiver
/// answered 503", "receiver did not answer within 8000 ms"), never a URL or a header.
const MAX_ERROR_BYTES: usize = 300;

type Result<T> = worker::Result<T>;

pub struct Store<'a> {
    sql: &'a SqlStorage,
    /// The object's clock (ms), which decides whether a lease has expired.
    now: i64,
}

/// A delivery's state, as a claim needs it.
#[derive(Deserialize)]
struct State {
    status: String,
    queued: i64,
    lease_until: Option<i64>,
}

/// A returned row, whatever its columns: only their number matters.
#[derive(Deserialize)]
struct Row {}

#[derive(Deserialize)]
struct Oldest {
    oldest: Option<i64>,
}

/// A delivery with what sending it needs.
#[derive(Deserialize)]
struct Sendable {
    status: String,
    queued: i64,
    lease_until: Option<i64>,
    body: String,
    #[serde(rename = "type")]
    event_type: String,
    id: String,
}

fn text(value: &str) -> SqlStorageValue {
    SqlStorageValue::String(value.into())
}

fn int(value: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(value)
}

/// `error` cut to at most [`MAX_ERROR_BYTES`] at a character boundary.
fn bounded(error: &str) -> &str {
    let end = (0..=error.len().min(MAX_ERROR_BYTES))
        .rev()
        .find(|&i| error.is_char_boundary(i))
        .unwrap_or(0);
    &error[..end]
}

impl<'a> Store<'a> {
    pub fn new(sql: &'a SqlStorage, now: i64) -> Self {
        Self { sql, now }
    }

    /// Records the event (its first arrival wins) and each copy, then claims each delivery.
    pub fn claim(&self, claim: &Claim) -> Result<Claimed> {
        let event = &claim.event;
        let inserted = self
            .sql
            .exec(
                "INSERT INTO events (key, source, event_source, id, provider, type, category, \
                 severity, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT DO NOTHING RETURNING key",
                vec![
                    text(&event.key),
                    text(&event.source),
                    text(&event.event_source),
                    text(&event.id),
                    text(&event.provider),
                    text(&event.event_type),
                    text(&event.category),
                    text(&event.severity),
                    int(event.received_ms),
                ],
            )?
            .to_array::<Row>()?;
        let mut standings = Vec::with_capacity(claim.copies.len());
        for copy in &claim.copies {
            self.sql.exec(
                "INSERT INTO deliveries (key, destination, status, body) \
                 VALUES (?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                vec![text(&event.key), text(&copy.destination), text(&copy.body)],
            )?;
            let state = self.state(&event.key, &copy.destination)?;
            let standing = match state {
                Some(state) => self.standing(&state, Some(claim.mode), false),
                // Just inserted; only a failing database gets here.
                None => Standing::InFlight,
            };
            if standing == Standing::Claimed {
                self.lease(&event.key, &copy.destination, &claim.lease)?;
            }
            standings.push(standing);
        }
        Ok(Claimed {
            standings,
            new: !inserted.is_empty(),
        })
    }

    fn state(&self, key: &str, destination: &str) -> Result<Option<State>> {
        let rows = self
            .sql
            .exec(
                "SELECT status, queued, lease_until FROM deliveries \
                 WHERE key = ? AND destination = ?",
                vec![text(key), text(destination)],
            )?
            .to_array::<State>()?;
        Ok(rows.into_iter().next())
    }

    /// What a delivery in `state` means for a caller: in queue mode a waiting message makes it
    /// safe; a live lease held by someone else makes it in flight; `force` (a resend) takes
    /// even a delivered one.
    fn standing(&self, state: &State, mode: Option<Mode>, force: bool) -> Standing {
        if state.status == "delivered" && !force {
            Standing::Delivered
        } else if mode == Some(Mode::Queue) && state.queued == 1 && !force {
            Standing::Queued
        } else if state.lease_until.is_some_and(|until| until > self.now) {
            Standing::InFlight
        } else {
            Standing::Claimed
        }
    }

    fn lease(&self, key: &str, destination: &str, lease: &Lease) -> Result<()> {
        let until = self
            .now
            .saturating_add(i64::try_from(lease.ms).unwrap_or(i64::MAX));
        self.sql.exec(
            "UPDATE deliveries SET lease = ?, lease_until = ? WHERE key = ? AND destination = ?",
            vec![text(&lease.token), int(until), text(key), text(destination)],
        )?;
        Ok(())
    }

    /// Records each result; the lease is released only if it is still the caller's. A delivered
    /// delivery never goes back to failed.
    pub fn settle(&self, settle: &Settle) -> Result<()> {
        for result in &settle.results {
            let attempts = int(i64::from(result.attempts));
            let (key, destination, token) = (
                text(&result.key),
                text(&result.destination),
                text(&settle.token),
            );
            match &result.outcome {
                Outcome::Delivered => self.sql.exec(
                    "UPDATE deliveries SET status = 'delivered', delivered_at = ?, \
                     last_error = NULL, queued = 0, attempts = attempts + ?, \
                     lease_until = CASE WHEN lease = ?3 THEN NULL ELSE lease_until END, \
                     lease = CASE WHEN lease = ?3 THEN NULL ELSE lease END \
                     WHERE key = ? AND destination = ?",
                    vec![int(self.now), attempts, token, key, destination],
                )?,
                Outcome::Failed { error } => self.sql.exec(
                    "UPDATE deliveries SET \
                     status = CASE WHEN status = 'delivered' THEN status ELSE 'failed' END, \
                     last_error = CASE WHEN status = 'delivered' THEN last_error ELSE ? END, \
                     attempts = attempts + ?, \
                     lease_until = CASE WHEN lease = ?3 THEN NULL ELSE lease_until END, \
                     lease = CASE WHEN lease = ?3 THEN NULL ELSE lease END \
                     WHERE key = ? AND destination = ?",
                    vec![text(bounded(error)), attempts, token, key, destination],
                )?,
                Outcome::Queued => self.sql.exec(
                    "UPDATE deliveries SET status = 'pending', queued = 1, \
                     lease = NULL, lease_until = NULL \
                     WHERE lease = ? AND key = ? AND destination = ?",
                    vec![token, key, destination],
                )?,
            };
        }
        Ok(())
    }

    /// Claims one delivery for the queue consumer or a resend.
    pub fn take(&self, take: &Take) -> Result<Taken> {
        let rows = self
            .sql
            .exec(
                "SELECT d.status, d.queued, d.lease_until, d.body, e.type, e.id \
                 FROM deliveries d JOIN events e ON e.key = d.key \
                 WHERE d.key = ? AND d.destination = ?",
                vec![text(&take.key), text(&take.destination)],
            )?
            .to_array::<Sendable>()?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(Taken::Unknown);
        };
        let state = State {
            status: row.status,
            queued: row.queued,
            lease_until: row.lease_until,
        };
        Ok(match self.standing(&state, None, take.force) {
            Standing::Claimed => {
                self.lease(&take.key, &take.destination, &take.lease)?;
                Taken::Send {
                    body: row.body,
                    event_type: row.event_type,
                    id: row.id,
                }
            }
            Standing::Delivered => Taken::Delivered,
            Standing::InFlight | Standing::Queued => Taken::InFlight,
        })
    }

    /// A dead-lettered delivery: `dead` unless it got through meanwhile; its body and last
    /// error stay for recovery.
    pub fn dead(&self, key: &str, destination: &str) -> Result<()> {
        self.sql.exec(
            "UPDATE deliveries SET status = 'dead', queued = 0 \
             WHERE key = ? AND destination = ? AND status != 'delivered'",
            vec![text(key), text(destination)],
        )?;
        Ok(())
    }

    /// Up to `limit` events newest first, and whether more match.
    pub fn list(&self, filter: &Filter) -> Result<Page> {
        let mut query = String::from(
            "SELECT key, source, event_source, id, provider, type, category, severity, \
             received_at AS received_ms FROM events e WHERE 1 = 1",
        );
        let mut values = Vec::new();
        if let Some(since) = filter.since {
            query.push_str(" AND received_at >= ?");
            values.push(int(since));
        }
        if let Some(until) = filter.until {
            query.push_str(" AND received_at < ?");
            values.push(int(until));
        }
        if let Some(severity) = filter.severity {
            query.push_str(" AND severity = ?");
            values.push(text(severity.as_str()));
        }
        if let Some(before) = &filter.before {
            let n = values.len() + 1;
            let _ = write!(
                query,
                " AND (received_at < ?{n} OR (received_at = ?{n} AND key < ?{}))",
                n + 1
            );
            values.extend([int(before.received_ms), text(&before.key)]);
        }
        if filter.destination.is_some() || filter.status.is_some() {
            query.push_str(" AND EXISTS (SELECT 1 FROM deliveries d WHERE d.key = e.key");
            if let Some(destination) = &filter.destination {
                let n = values.len() + 1;
                let _ = write!(query, " AND d.destination = ?{n}");
                values.push(text(destination));
            }
            if let Some(status) = filter.status {
                let n = values.len() + 1;
                let _ = write!(query, " AND d.status = ?{n}");
                values.push(text(status.as_str()));
            }
            query.push(')');
        }
        let n = values.len() + 1;
        let _ = write!(query, " ORDER BY received_at DESC, key DESC LIMIT ?{n}");
        values.push(int(i64::from(filter.limit) + 1));
        let mut events = self.sql.exec(&query, values)?.to_array::<EventRecord>()?;
        let more = events.len() > filter.limit as usize;
        events.truncate(filter.limit as usize);
        let events = events
            .into_iter()
            .map(|event| self.record(event))
            .collect::<Result<_>>()?;
        Ok(Page { events, more })
    }

    pub fn get(&self, key: &str) -> Result<Option<Record>> {
        let rows = self
            .sql
            .exec(
                "SELECT key, source, event_source, id, provider, type, category, severity, \
                 received_at AS received_ms FROM events WHERE key = ?",
                vec![text(key)],
            )?
            .to_array::<EventRecord>()?;
        rows.into_iter().next().map(|e| self.record(e)).transpose()
    }

    fn record(&self, event: EventRecord) -> Result<Record> {
        let deliveries = self
            .sql
            .exec(
                "SELECT destination, status, attempts, last_error, delivered_at AS delivered_ms \
                 FROM deliveries WHERE key = ? ORDER BY destination",
                vec![text(&event.key)],
            )?
            .to_array::<DeliveryRecord>()?;
        Ok(Record { event, deliveries })
    }

    /// The condition a delivery to recover meets: failed, dead, or left pending by an attempt
    /// that died (its lease expired, no message waiting); never one whose lease is live.
    const RECOVERABLE: &'static str = "(d.status IN ('failed', 'dead') \
         OR (d.status = 'pending' AND d.queued = 0)) \
         AND (d.lease_until IS NULL OR d.lease_until <= ?1)";

    /// The positions of `destination`'s deliveries to recover, oldest first.
    pub fn candidates(&self, c: &Candidates) -> Result<Vec<Position>> {
        let mut query = format!(
            "SELECT e.received_at AS received_ms, e.key FROM deliveries d \
             JOIN events e ON e.key = d.key \
             WHERE {} AND d.destination = ?2 AND e.received_at >= ?3",
            Self::RECOVERABLE
        );
        let mut values = vec![int(self.now), text(&c.destination), int(c.since)];
        if let Some(until) = c.until {
            let _ = write!(query, " AND e.received_at < ?{}", values.len() + 1);
            values.push(int(until));
        }
        if let Some(after) = &c.after {
            let n = values.len() + 1;
            let _ = write!(
                query,
                " AND (e.received_at > ?{n} OR (e.received_at = ?{n} AND e.key > ?{}))",
                n + 1
            );
            values.extend([int(after.received_ms), text(&after.key)]);
        }
        let _ = write!(
            query,
            " ORDER BY e.received_at, e.key LIMIT ?{}",
            values.len() + 1
        );
        values.push(int(i64::from(c.limit)));
        self.sql.exec(&query, values)?.to_array::<Position>()
    }

    /// Claims those of `keys` whose delivery to the destination is still to recover.
    pub fn recover(&self, r: &Recover) -> Result<Vec<Leased>> {
        let mut leased = Vec::new();
        for key in &r.keys {
            let query = format!(
                "SELECT d.body, e.type, e.id, d.status, d.queued, d.lease_until \
                 FROM deliveries d JOIN events e ON e.key = d.key \
                 WHERE {} AND d.key = ?2 AND d.destination = ?3",
                Self::RECOVERABLE
            );
            let rows = self
                .sql
                .exec(&query, vec![int(self.now), text(key), text(&r.destination)])?
                .to_array::<Sendable>()?;
            if let Some(row) = rows.into_iter().next() {
                self.lease(key, &r.destination, &r.lease)?;
                leased.push(Leased {
                    key: key.clone(),
                    body: row.body,
                    event_type: row.event_type,
                    id: row.id,
                });
            }
        }
        Ok(leased)
    }

    /// Deletes the events received before `cutoff` with their deliveries; answers when the
    /// oldest event left arrived.
    pub fn sweep(&self, cutoff: i64) -> Result<Option<i64>> {
        self.sql.exec(
            "DELETE FROM deliveries WHERE key IN \
             (SELECT key FROM events WHERE received_at < ?)",
            vec![int(cutoff)],
        )?;
        self.sql.exec(
            "DELETE FROM events WHERE received_at < ?",
            vec![int(cutoff)],
        )?;
        let oldest = self
            .sql
            .exec("SELECT MIN(received_at) AS oldest FROM events", None)?
            .to_array::<Oldest>()?;
        Ok(oldest.into_iter().next().and_then(|o| o.oldest))
    }
}

#[cfg(test)]
mod tests {
    use super::bounded;

    #[test]
    fn a_last_error_is_cut_at_a_character_boundary() {
        assert_eq!(bounded("receiver answered 500"), "receiver answered 500");
        let long = "é".repeat(400);
        let cut = bounded(&long);
        assert!(cut.len() <= 300 && cut.len() >= 298 && long.starts_with(cut));
    }
}
