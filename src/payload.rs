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
    Raw(&'a str),
    /// The payload with secrets replaced by `"[REDACTED]"`, and where they were (a bounded
    /// list, then `…and N more`).
    Redacted { value: Tree<'a>, paths: Vec<String> },
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
