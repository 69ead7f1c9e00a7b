//! Secrets never leave: built-in and configured redaction of the provider's payload.
//!
//! Sectigo's `user_reset_password` carries a temporary password, `user_login_link` a one-time
//! login link and the `*_zip_download_available` events a download link that works for whoever
//! holds it. Their field names are not documented, so for those events every string in `body`
//! is redacted except under keys known to be harmless; in every Sectigo body, keys that name a
//! secret (password, token, link…) are redacted whatever the event. Users add their own paths.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::tree::Tree;
use crate::{json, sectigo, Error, Event};

/// What replaces a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// Keys whose values stay in a secret-bearing body: identifiers and descriptions, no credentials.
const HARMLESS_KEYS: &[&str] = &[
    "id",
    "type",
    "name",
    "first_name",
    "last_name",
    "username",
    "email",
    "status",
    "state",
    "role",
    "domain",
    "created_at",
    "updated_at",
    "expires_at",
];

/// Parts of a key that mark its value as a secret in any Sectigo body.
const SECRET_KEY_PARTS: &[&str] = &[
    "password", "passwd", "secret", "token", "link", "url", "otp",
];

/// A path into the provider's payload: keys separated by dots; `*` matches any key or array
/// index, a number also matches that array index (`body.user.email`, `body.files.*.url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactPath {
    segments: Vec<String>,
}

impl RedactPath {
    pub fn parse(path: &str) -> Result<Self, String> {
        let segments: Vec<String> = path.split('.').map(String::from).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!("invalid redact path \"{path}\": empty segment"));
        }
        Ok(Self { segments })
    }
}

/// The provider's payload as it will be forwarded.
#[derive(Debug, Clone)]
pub enum Payload<'a> {
    /// The body's own text: nothing in it needed redacting.
    Raw(&'a str),
    /// The payload with secrets replaced by `"[REDACTED]"`, and where they were.
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

/// Whether a Sectigo body holds a secret: always for the secret-bearing events, and wherever a
/// key names one.
pub(crate) fn sectigo_has_secret(kind: sectigo::EventType, body: &Tree<'_>) -> bool {
    fn named(tree: &Tree<'_>) -> bool {
        match tree {
            Tree::Object(members) => members.iter().any(|(k, v)| names_secret(k) || named(v)),
            Tree::Array(items) => items.iter().any(named),
            _ => false,
        }
    }
    kind.carries_secret() || named(body)
}

/// The whole Sectigo payload with the secrets in its body redacted.
pub(crate) fn sectigo_payload<'a>(
    text: &'a str,
    kind: sectigo::EventType,
) -> Result<Payload<'a>, Error> {
    let mut value: Tree<'a> = json::from_body(text)?;
    let mut paths = Vec::new();
    if let Some(body) = value.get_mut("body") {
        redact_secrets(body, kind, &mut String::from("body"), &mut paths);
    }
    Ok(Payload::Redacted { value, paths })
}

/// Redacts the configured `paths` in the event's payload.
pub(crate) fn apply(event: &mut Event<'_>, paths: &[RedactPath]) -> Result<(), Error> {
    if paths.is_empty() {
        return Ok(());
    }
    let (mut value, mut redacted) = match core::mem::replace(&mut event.payload, Payload::Raw("")) {
        Payload::Raw(text) => (json::from_body::<Tree>(text)?, Vec::new()),
        Payload::Redacted { value, paths } => (value, paths),
    };
    for path in paths {
        redact_path(
            &mut value,
            &path.segments,
            &mut String::new(),
            &mut redacted,
        );
    }
    event.payload = Payload::Redacted {
        value,
        paths: redacted,
    };
    Ok(())
}

fn redact_secrets(
    value: &mut Tree<'_>,
    kind: sectigo::EventType,
    at: &mut String,
    out: &mut Vec<String>,
) {
    match value {
        Tree::Object(members) => {
            for (key, child) in members.iter_mut() {
                let len = at.len();
                at.push('.');
                at.push_str(key);
                let secret_string =
                    kind.carries_secret() && matches!(child, Tree::String(_)) && !is_harmless(key);
                if (names_secret(key) && *child != Tree::Null) || secret_string {
                    replace(child, at, out);
                } else {
                    redact_secrets(child, kind, at, out);
                }
                at.truncate(len);
            }
        }
        Tree::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{index}]"));
                if kind.carries_secret() && matches!(child, Tree::String(_)) {
                    replace(child, at, out);
                } else {
                    redact_secrets(child, kind, at, out);
                }
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn names_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|part| key.contains(part))
}

fn is_harmless(key: &str) -> bool {
    HARMLESS_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

fn redact_path(value: &mut Tree<'_>, segments: &[String], at: &mut String, out: &mut Vec<String>) {
    let Some((first, rest)) = segments.split_first() else {
        if value.as_str() != Some(REDACTED) {
            replace(value, at, out);
        }
        return;
    };
    let mut descend = |child: &mut Tree<'_>, step: &str, at: &mut String| {
        let len = at.len();
        at.push_str(step);
        redact_path(child, rest, at, out);
        at.truncate(len);
    };
    match value {
        Tree::Object(members) => {
            for (key, child) in members.iter_mut() {
                if first == "*" || first == key {
                    let step = if at.is_empty() {
                        key.to_string()
                    } else {
                        format!(".{key}")
                    };
                    descend(child, &step, at);
                }
            }
        }
        Tree::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                if first == "*" || first.parse::<usize>() == Ok(index) {
                    descend(child, &format!("[{index}]"), at);
                }
            }
        }
        _ => {}
    }
}

fn replace(value: &mut Tree<'_>, at: &str, out: &mut Vec<String>) {
    *value = Tree::String(Cow::Borrowed(REDACTED));
    out.push(String::from(at));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        assert!(RedactPath::parse("body.user.email").is_ok());
        assert!(RedactPath::parse("body..email").is_err());
        assert!(RedactPath::parse("").is_err());
    }
}
