//! The ledger: what arrived, and where each event's deliveries stand. One SQLite-backed Durable
//! Object per route source (class [`Ledger`], bound as `LEDGER`) holds each event, and per
//! destination that takes it the body rendered for it (from the redacted payload), its state
//! (`pending`, `delivered`, `failed`, `dead`), attempts, last error and delivered time.
//!
//! A request claims its event's deliveries there atomically before sending any: one copy of an
//! event sends, a concurrent copy is told to retry, a later one is a duplicate. The queue
//! consumer, the dead-letter consumer and the admin API read and update the same rows. An
//! alarm deletes events past `LEDGER_RETENTION_DAYS`.

mod client;
mod object;
mod protocol;
mod schema;
mod store;

pub use client::Client;
pub use object::Ledger;
pub use protocol::{
    Candidates, Claim, DeliveryRecord, EventRecord, Filter, Lease, Leased, Mode, Outcome, Position,
    Record, Recover, Rendered, Settle, Settled, Standing, Status, Take, Taken,
};
