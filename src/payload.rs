//! The provider's payload as it leaves: as received, or with its secrets redacted.

use alloc::string::String;
use alloc::vec::Vec;

use crate::tree::Tree;

/// What replaces a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// The provider's payload as it will be forwarded.
#[derive(Debug, Clone)]
pub enum Payload<'a> {
    /// The body's own text: nothing in it needed redacting.
    Raw(Raw<'a>),
    /// The payload with secrets replaced by `"[REDACTED]"`, and where they were (a bounded
    /// list, then `…and N more`).
    Redacted {
        /// The payload, redacted.
        value: Tree<'a>,
        /// The redacted paths, as `redacted` lists them in the event.
        paths: Vec<String>,
    },
}

impl Payload<'_> {
    /// The paths that were redacted, for the event to say so.
    pub fn redacted(&self) -> &[String] {
        match self {
            Self::Raw(_) => &[],
            Self::Redacted { paths, .. } => paths,
        }
    }
}

/// A body's text that the core has read whole and found to be one valid JSON value (without
/// the whitespace around it). Only the core builds one, after its parse, so writers copy it
/// as it is without checking it again:
///
/// ```compile_fail
/// let raw = hookwall::payload::Raw::parsed("{\"not\": json");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    /// `text`, which the caller has parsed as JSON whole.
    pub(crate) const fn parsed(text: &'a str) -> Self {
        Self(text)
    }

    /// The JSON text, valid as read.
    pub const fn as_str(&self) -> &'a str {
        self.0
    }
}
