//! What redaction hid, for describing an event from what is left. Every field hookwall derives
//! (the summary, the subject, the indicators, the account, the id, the time) is read through a
//! mask of the payload as it leaves: a value redacted there, or inside something redacted, is
//! left out of the derived fields, or says `[REDACTED]` in a sentence, whether a built-in rule
//! or a configured path redacted it.

use core::fmt;

use crate::payload::{Payload, REDACTED};
use crate::tree::Tree;

/// A point in the payload, as redaction left it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mask<'t> {
    /// Nothing here or below was redacted (or the point is not in the payload).
    Clear,
    /// This value, or one it is in, was redacted.
    Hidden,
    /// Something below may have been: the redacted value here.
    At(&'t Tree<'t>),
}

impl<'t> Mask<'t> {
    /// The mask of a payload as it leaves: clear when nothing in it was redacted.
    pub(crate) fn of(payload: &'t Payload<'_>) -> Self {
        match payload {
            Payload::Raw(_) => Self::Clear,
            Payload::Redacted { value, .. } => Self::at(value),
        }
    }

    fn at(value: &'t Tree<'t>) -> Self {
        match value {
            Tree::String(text) if text == REDACTED => Self::Hidden,
            Tree::Object(_) | Tree::Array(_) => Self::At(value),
            _ => Self::Clear,
        }
    }

    /// The member `key` of this point.
    pub(crate) fn key(self, key: &str) -> Self {
        match self {
            Self::At(value) => value.get(key).map_or(Self::Clear, Self::at),
            other => other,
        }
    }

    /// The element `index` of this point.
    pub(crate) fn index(self, index: usize) -> Self {
        match self {
            Self::At(Tree::Array(items)) => items.get(index).map_or(Self::Clear, Self::at),
            Self::At(_) => Self::Clear,
            other => other,
        }
    }

    pub(crate) fn hides(self) -> bool {
        matches!(self, Self::Hidden)
    }

    /// `value`, read from the member `key`, unless that was redacted.
    pub(crate) fn keep<T>(self, key: &str, value: Option<T>) -> Option<T> {
        value.filter(|_| !self.key(key).hides())
    }

    /// [`Self::say`] for any value a sentence can hold (a number, a date).
    pub(crate) fn said<T>(self, key: &str, value: T) -> Said<T> {
        Said(self.keep(key, Some(value)))
    }

    /// `value`, read from the member `key`, for a sentence: `[REDACTED]` if that was redacted.
    pub(crate) fn say<'v>(self, key: &str, value: &'v str) -> &'v str {
        if self.key(key).hides() {
            REDACTED
        } else {
            value
        }
    }
}

/// A value for a sentence, or `[REDACTED]` in its place.
pub(crate) struct Said<T>(Option<T>);

impl<T: fmt::Display> fmt::Display for Said<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str(REDACTED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_what_was_redacted_and_everything_in_it() {
        let tree: Tree = serde_json::from_str(
            r#"{"a": {"b": "[REDACTED]", "c": "x", "d": [1, "[REDACTED]"]}, "e": "[REDACTED]"}"#,
        )
        .unwrap();
        let mask = Mask::at(&tree);
        let path = |keys: &[&str]| keys.iter().fold(mask, |mask, key| mask.key(key));
        assert!(path(&["a", "b"]).hides());
        assert!(path(&["e", "f", "g"]).hides());
        assert!(path(&["a", "d"]).index(1).hides());
        assert!(!path(&["a", "d"]).index(0).hides());
        assert!(!path(&["a", "c"]).hides());
        assert!(!path(&["a", "missing"]).hides());
        assert!(!mask.key("a").hides());
        assert_eq!(mask.key("a").say("b", "secret"), REDACTED);
        assert_eq!(mask.key("a").say("c", "x"), "x");
        assert_eq!(mask.keep("e", Some(1)), None);
        assert_eq!(alloc::format!("{}", mask.key("a").said("b", 7)), REDACTED);
        assert_eq!(alloc::format!("{}", mask.key("a").said("c", 7)), "7");
        assert!(!Mask::Clear.key("a").key("b").hides());
    }
}
