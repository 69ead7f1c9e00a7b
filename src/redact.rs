//! Secrets never leave: built-in and configured redaction of the provider's payload.
//!
//! Sectigo's `user_reset_password` carries a temporary password, `user_login_link` a one-time
//! login link and the `*_zip_download_available` events a download link that works for whoever
//! holds it. Their field names are not documented, so for those events every string and number
//! in `body` is redacted except under keys known to be harmless; in every Sectigo body, keys that
//! name a secret (password, token, `api_key`…, Sectigo's rules in `providers::sectigo`) are
//! redacted whatever the event. Users add their own paths.
//!
//! Redaction must not let a hostile payload grow the output without bound. Its marker can be
//! longer than what it replaces (`0` becomes `"[REDACTED]"`), so a container that redaction would
//! grow by more than its own size plus [`SLACK`] is replaced whole; the forwarded payload thus
//! stays under twice the body plus [`SLACK`]. What is recorded is bounded too (`record`): a
//! container whose every value was redacted is listed once, by its own path.

mod record;

pub use record::{MAX_PATHS, MAX_PATH_BYTES};

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::payload::{Payload, Raw};
use crate::providers::{sectigo, Kind};
use crate::tree::Tree;
use crate::{input, Error};
use record::{Mark, Record};

pub use crate::payload::REDACTED;

/// `"[REDACTED]"` as written.
const REDACTED_SIZE: usize = REDACTED.len() + 2;

/// How much a container may grow beyond doubling before it is replaced whole: enough that a
/// small body keeps its shape when a few short values in it are redacted.
pub const SLACK: usize = 256;

/// A path into the provider's payload: keys separated by dots; `*` matches any key or array
/// index, a number also matches that array index (`body.user.email`, `body.files.*.url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactPath {
    segments: Vec<String>,
}

impl RedactPath {
    /// Reads a path as configs write it.
    ///
    /// # Errors
    ///
    /// [`InvalidRedactPath`] if one of its segments is empty (`a..b`, `.a`, `a.`, or the empty
    /// path).
    pub fn parse(path: &str) -> Result<Self, InvalidRedactPath> {
        let segments: Vec<String> = path.split('.').map(String::from).collect();
        if segments.iter().any(String::is_empty) {
            return Err(InvalidRedactPath { path: path.into() });
        }
        Ok(Self { segments })
    }
}

/// A redact path with an empty segment (`body..email`, `body.`, or no path at all), which
/// would match nothing anyone meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRedactPath {
    path: String,
}

impl fmt::Display for InvalidRedactPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid redact path \"{}\": empty segment", self.path)
    }
}

impl core::error::Error for InvalidRedactPath {}

/// The payload as it leaves: `text`, a body its provider's model accepted whole, with the
/// configured `paths` redacted, and the built-in rules of its provider, in one walk; as
/// received, not read again, without paths unless the provider found a secret (`built_in`).
/// The event is described from what this leaves.
pub(crate) fn payload<'a>(
    text: &'a str,
    kind: Kind,
    built_in: bool,
    paths: &[RedactPath],
) -> Result<Payload<'a>, Error> {
    if paths.is_empty() && !built_in {
        return Ok(Payload::Raw(Raw::parsed(text)));
    }
    let sectigo = match kind {
        Kind::Sectigo(kind) => Some(kind),
        _ => None,
    };
    let mut value: Tree<'a> = input::read(text, "")?;
    let mut walk = Walk {
        paths,
        sectigo,
        at: String::new(),
        record: Record::default(),
    };
    let everywhere: Vec<Match> = (0..paths.len())
        .map(|path| Match { path, matched: 0 })
        .collect();
    walk.visit(&mut value, &everywhere, Scope::Root);
    let paths = walk.record.into_paths();
    // Nothing matched: the payload passes as received, byte for byte, not rewritten.
    if paths.is_empty() {
        return Ok(Payload::Raw(Raw::parsed(text)));
    }
    Ok(Payload::Redacted { value, paths })
}

/// One walk over a payload, applying every rule where it belongs.
struct Walk<'r> {
    paths: &'r [RedactPath],
    sectigo: Option<sectigo::EventType>,
    /// The path of the value being visited.
    at: String,
    record: Record,
}

/// A configured path that matches the value being visited up to `matched` segments.
#[derive(Clone, Copy)]
struct Match {
    path: usize,
    matched: usize,
}

/// Where a value sits for the built-in rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Root,
    Other,
    /// In a Sectigo body; whether its event carries a secret in every value.
    SectigoBody {
        carries: bool,
    },
}

/// A member's key or an item's index.
#[derive(Clone, Copy)]
enum Step<'k> {
    Key(&'k str),
    Index(usize),
}

/// What redaction did to a value: how long it was as written (a lower bound, escapes aside, of
/// what it took in the body), how much longer it is now, and whether all of it is redacted.
/// Sizes are bounded by the body's, at most [`crate::MAX_BODY_BYTES`]: signed, they cannot wrap.
#[derive(Clone, Copy)]
struct Change {
    size: usize,
    growth: isize,
    whole: bool,
}

impl Change {
    fn kept(value: &Tree<'_>) -> Self {
        Self {
            size: size(value),
            growth: 0,
            whole: false,
        }
    }
}

impl Walk<'_> {
    /// Redacts what the rules and `matches` call for in `value` and below.
    fn visit(&mut self, value: &mut Tree<'_>, matches: &[Match], scope: Scope) -> Change {
        let mark = self.record.mark();
        let mut sum = Sum::default();
        match value {
            Tree::Object(members) => {
                for (key, child) in members.iter_mut() {
                    let change = self.child(Step::Key(key), child, matches, scope);
                    sum.add(change, key.len() + 3);
                }
            }
            Tree::Array(items) => {
                for (index, child) in items.iter_mut().enumerate() {
                    let change = self.child(Step::Index(index), child, matches, scope);
                    sum.add(change, 0);
                }
            }
            _ => return Change::kept(value),
        }
        self.settle(value, &sum, mark)
    }

    fn child(
        &mut self,
        step: Step<'_>,
        child: &mut Tree<'_>,
        matches: &[Match],
        scope: Scope,
    ) -> Change {
        let len = self.at.len();
        self.push_step(step);
        let change = self.redact_child(step, child, matches, self.scope_of(step, scope));
        self.at.truncate(len);
        change
    }

    fn redact_child(
        &mut self,
        step: Step<'_>,
        child: &mut Tree<'_>,
        matches: &[Match],
        scope: Scope,
    ) -> Change {
        let mut next = Vec::new();
        let mut complete = false;
        for m in matches {
            let segments = &self.paths[m.path].segments;
            if !step_matches(&segments[m.matched], step) {
                continue;
            }
            if m.matched + 1 == segments.len() {
                complete = true;
            } else {
                next.push(Match {
                    path: m.path,
                    matched: m.matched + 1,
                });
            }
        }
        if complete || is_secret(step, child, scope) {
            return self.replace(child);
        }
        if next.is_empty() && !matches!(scope, Scope::SectigoBody { .. }) {
            return Change::kept(child);
        }
        self.visit(child, &next, scope)
    }

    /// A container's outcome: replaced whole when redaction grew it too much, recorded once
    /// when every value in it was redacted.
    fn settle(&mut self, value: &mut Tree<'_>, sum: &Sum, mark: Mark) -> Change {
        let size = sum.size;
        if sum.growth > (size + SLACK).cast_signed() {
            *value = Tree::String(Cow::Borrowed(REDACTED));
            self.record.fold(mark, &self.at);
            return Change {
                size,
                growth: REDACTED_SIZE.cast_signed() - size.cast_signed(),
                whole: true,
            };
        }
        let whole = sum.count > 0 && sum.whole;
        if whole {
            self.record.fold(mark, &self.at);
        }
        Change {
            size,
            growth: sum.growth,
            whole,
        }
    }

    fn replace(&mut self, value: &mut Tree<'_>) -> Change {
        let size = size(value);
        *value = Tree::String(Cow::Borrowed(REDACTED));
        self.record.push(&self.at);
        Change {
            size,
            growth: REDACTED_SIZE.cast_signed() - size.cast_signed(),
            whole: true,
        }
    }

    fn scope_of(&self, step: Step<'_>, parent: Scope) -> Scope {
        match (parent, step, self.sectigo) {
            (Scope::Root, Step::Key("body"), Some(kind)) => Scope::SectigoBody {
                carries: kind.carries_secret(),
            },
            (Scope::Root, ..) => Scope::Other,
            _ => parent,
        }
    }

    fn push_step(&mut self, step: Step<'_>) {
        match step {
            Step::Key(key) => {
                if !self.at.is_empty() {
                    self.at.push('.');
                }
                self.at.push_str(key);
            }
            Step::Index(index) => push_index(&mut self.at, index),
        }
    }
}

/// Appends `[index]`: once per element of every array redaction walks, so without formatting.
fn push_index(path: &mut String, index: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = index;
    loop {
        start -= 1;
        digits[start] = b"0123456789"[rest % 10];
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    path.push('[');
    path.extend(digits[start..].iter().map(|&d| char::from(d)));
    path.push(']');
}

/// A container's children, added up.
struct Sum {
    size: usize,
    growth: isize,
    count: usize,
    whole: bool,
}

impl Default for Sum {
    fn default() -> Self {
        Self {
            size: 2,
            growth: 0,
            count: 0,
            whole: true,
        }
    }
}

impl Sum {
    /// A child's change, and the bytes around it: its key, and a comma after the first.
    fn add(&mut self, change: Change, framing: usize) {
        self.size += change.size + framing + usize::from(self.count > 0);
        self.growth += change.growth;
        self.whole &= change.whole;
        self.count += 1;
    }
}

/// Whether the built-in rules redact `child`: in a Sectigo body, a value under a key that names
/// a secret, and in a secret-bearing event every string and number but under a harmless key.
fn is_secret(step: Step<'_>, child: &Tree<'_>, scope: Scope) -> bool {
    let Scope::SectigoBody { carries } = scope else {
        return false;
    };
    let scalar = carries && matches!(child, Tree::String(_) | Tree::Number(_));
    match step {
        Step::Key(key) => {
            sectigo::names_secret(key) && *child != Tree::Null
                || scalar && !sectigo::is_harmless(key)
        }
        Step::Index(_) => scalar,
    }
}

fn step_matches(segment: &str, step: Step<'_>) -> bool {
    segment == "*"
        || match step {
            Step::Key(key) => segment == key,
            Step::Index(index) => segment.parse::<usize>() == Ok(index),
        }
}

/// How long `value` is written, escapes aside: never more than it took in the body.
fn size(value: &Tree<'_>) -> usize {
    let commas = |n: usize| n.saturating_sub(1);
    match value {
        Tree::Null | Tree::Bool(true) => 4,
        Tree::Bool(false) => 5,
        Tree::Number(n) => n.as_str().len(),
        Tree::String(s) => s.len() + 2,
        Tree::Array(items) => 2 + commas(items.len()) + items.iter().map(size).sum::<usize>(),
        Tree::Object(members) => {
            2 + commas(members.len())
                + members
                    .iter()
                    .map(|(key, value)| key.len() + 3 + size(value))
                    .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn writes_indices() {
        for index in [0, 7, 10, 99, 1234, usize::MAX] {
            let mut path = String::from("a");
            push_index(&mut path, index);
            assert_eq!(path, format!("a[{index}]"));
        }
    }

    #[test]
    fn parses_paths() {
        assert!(RedactPath::parse("body.user.email").is_ok());
        let error = RedactPath::parse("body..email").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid redact path \"body..email\": empty segment"
        );
        assert!(RedactPath::parse("").is_err());
    }
}
