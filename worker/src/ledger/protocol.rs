//! What the Worker asks of a source's ledger object and what it answers: one JSON call per
//! request to the object, so that each call runs there as one uninterrupted step (a Durable
//! Object's SQL calls are synchronous, and no other request runs between them).

use hookwall::Severity;
use serde::{Deserialize, Serialize};

/// One call to a ledger object.
#[derive(Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// Records the event and claims its deliveries: answers a [`Standing`] per copy.
    Claim(Claim),
    /// Records how the deliveries a lease covered went.
    Settle(Settle),
    /// Claims one delivery for the queue consumer or a resend: answers [`Taken`].
    Take(Take),
    /// Marks a dead-lettered delivery `dead`.
    Dead(Delivery),
    /// A page of events, newest first: answers [`Page`].
    List(Filter),
    /// One event: answers `Option<Record>`.
    Get { key: String },
    /// The failed or dead deliveries of one destination to recover, oldest first: answers
    /// `Vec<Position>`.
    Candidates(Candidates),
    /// Claims those of `keys` that are still to recover: answers `Vec<Leased>`.
    Recover(Recover),
}

/// What the ledger keeps of an event.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// The event identity (`hookwall::Identity`) in hex: unique, URL-safe, the API's `key`.
    pub key: String,
    /// The route's source.
    pub source: String,
    /// The CloudEvent `source` and `id`.
    pub event_source: String,
    pub id: String,
    pub provider: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub category: String,
    pub severity: String,
    /// When the first copy arrived, in ms since the epoch.
    pub received_ms: i64,
}

/// One destination's body for an event, rendered from the redacted event when it arrived.
#[derive(Serialize, Deserialize, Clone)]
pub struct Rendered {
    pub destination: String,
    pub body: String,
}

/// How the Worker passes events on: it decides what a delivery already queued means.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Direct,
    Queue,
}

/// A claim on deliveries: whoever holds an unexpired lease is the only one sending them. It
/// expires, so that an attempt that died half way can be made again.
#[derive(Serialize, Deserialize, Clone)]
pub struct Lease {
    /// Random, so that a late settlement cannot release someone else's lease.
    pub token: String,
    pub ms: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Claim {
    pub event: EventRecord,
    pub copies: Vec<Rendered>,
    pub lease: Lease,
    pub mode: Mode,
}

/// Where one destination's delivery stands once claimed.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// This caller holds the lease: it sends (or enqueues) the delivery, then settles it.
    Claimed,
    /// Already delivered.
    Delivered,
    /// Another caller holds the lease and has not settled yet.
    InFlight,
    /// A queue message for it is waiting (queue mode only): safe, nothing to do.
    Queued,
}

/// The answer to a claim: the standing of each copy, in the claim's order.
#[derive(Serialize, Deserialize)]
pub struct Claimed {
    pub standings: Vec<Standing>,
    /// Whether the event was new: the object then makes sure its retention alarm is set.
    pub new: bool,
}

/// How the deliveries one lease covered went.
#[derive(Serialize, Deserialize)]
pub struct Settle {
    pub token: String,
    pub results: Vec<Settled>,
}

#[derive(Serialize, Deserialize)]
pub struct Settled {
    pub key: String,
    pub destination: String,
    /// How many POSTs were made (0 for an enqueue).
    pub attempts: u32,
    pub outcome: Outcome,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Debug)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    /// Not delivered; the error is the Worker's own bounded text, never a URL or a header.
    Failed {
        error: String,
    },
    /// A queue message now carries it.
    Queued,
}

/// One delivery of one event.
#[derive(Serialize, Deserialize)]
pub struct Delivery {
    pub key: String,
    pub destination: String,
}

#[derive(Serialize, Deserialize)]
pub struct Take {
    pub key: String,
    pub destination: String,
    pub lease: Lease,
    /// A resend: taken even when delivered.
    pub force: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
#[serde(tag = "taken", rename_all = "snake_case")]
pub enum Taken {
    /// The caller holds the lease: the body to send, and the event's type and id for its log.
    Send {
        body: String,
        #[serde(rename = "type")]
        event_type: String,
        id: String,
    },
    Delivered,
    InFlight,
    /// No such delivery: never recorded, or past retention.
    Unknown,
}

/// A delivery's state, as the API spells it.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Delivered,
    Failed,
    Dead,
}

impl Status {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed, Self::Dead]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Where an event sits in the ledger's order: by arrival, then by key. The API's cursor.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub received_ms: i64,
    pub key: String,
}

impl Position {
    /// `<ms>-<key>`: URL-safe, and opaque to the API's callers.
    pub fn to_cursor(&self) -> String {
        format!("{}-{}", self.received_ms, self.key)
    }

    pub fn from_cursor(text: &str) -> Option<Self> {
        let (ms, key) = text.split_once('-')?;
        let plain = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        (ms.bytes().all(|b| b.is_ascii_digit()) && key.len() == 64 && key.bytes().all(plain))
            .then(|| {
                Some(Self {
                    received_ms: ms.parse().ok()?,
                    key: key.into(),
                })
            })
            .flatten()
    }
}

/// Which events a page holds.
#[derive(Serialize, Deserialize, Default, Clone)]
pub struct Filter {
    /// With `destination`, that destination's state; alone, any delivery's.
    pub status: Option<Status>,
    /// Events with a delivery to this destination.
    pub destination: Option<String>,
    /// Events of this severity.
    pub severity: Option<Severity>,
    /// Received at or after (ms).
    pub since: Option<i64>,
    /// Received before (ms).
    pub until: Option<i64>,
    /// Only events before this one in the newest-first order.
    pub before: Option<Position>,
    pub limit: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub destination: String,
    pub status: Status,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub delivered_ms: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Record {
    pub event: EventRecord,
    pub deliveries: Vec<DeliveryRecord>,
}

impl Record {
    pub fn position(&self) -> Position {
        Position {
            received_ms: self.event.received_ms,
            key: self.event.key.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Page {
    pub events: Vec<Record>,
    /// Whether more events match beyond these.
    pub more: bool,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Candidates {
    pub destination: String,
    pub since: i64,
    pub until: Option<i64>,
    /// Only deliveries of events after this one, oldest first.
    pub after: Option<Position>,
    pub limit: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Recover {
    pub destination: String,
    pub keys: Vec<String>,
    pub lease: Lease,
}

/// A delivery claimed for recovery, with what sending it needs.
#[derive(Serialize, Deserialize)]
pub struct Leased {
    pub key: String,
    pub body: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_passes_for_one() {
        let position = Position {
            received_ms: 1_765_000_000_123,
            key: "ab".repeat(32),
        };
        let cursor = position.to_cursor();
        assert_eq!(Position::from_cursor(&cursor), Some(position));
        for bad in [
            "",
            "-",
            "12-ab",
            "x-".to_string().as_str(),
            &format!("1-{}", "AB".repeat(32)),
            &format!("-1-{}", "ab".repeat(32)),
            &format!("99999999999999999999-{}", "ab".repeat(32)),
        ] {
            assert_eq!(Position::from_cursor(bad), None, "{bad}");
        }
    }
}
