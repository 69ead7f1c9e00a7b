//! The ledger's tables, created when its object starts. One row per event, and one per
//! destination that takes it, with the body rendered for that destination, its state and its
//! lease. Times are ms since the epoch.

use worker::SqlStorage;

/// Idempotent: run by every object at start.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS events (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    event_source TEXT NOT NULL,
    id TEXT NOT NULL,
    provider TEXT NOT NULL,
    type TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_arrival ON events (received_at, key);
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at INTEGER,
    queued INTEGER NOT NULL DEFAULT 0,
    lease TEXT,
    lease_until INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (key, destination)
);
";

pub fn create(sql: &SqlStorage) -> worker::Result<()> {
    sql.exec(TABLES, None).map(|_| ())
}
