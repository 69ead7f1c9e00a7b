//! Timestamps as providers send them, and RFC 3339 for CloudEvents.

use alloc::borrow::Cow;

/// A point in time from a payload or from the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp<'a> {
    /// Seconds since the Unix epoch.
    Unix(i64),
    /// An RFC 3339 date-time, kept as the provider wrote it.
    Rfc3339(Cow<'a, str>),
}
