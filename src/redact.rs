//! Secrets never leave: built-in and configured redaction of the provider's payload.
//!
//! Sectigo's `user_reset_password` carries a temporary password, `user_login_link` a one-time
//! login link and the `*_zip_download_available` events a download link that works for whoever
//! holds it. Their field names are not documented, so for those events every string in `body`
//! is redacted except under keys known to be harmless; in every Sectigo body, keys that name a
//! secret (password, token, link…) are redacted whatever the event. Users add their own paths.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::Value;

use crate::classify::Kind;
use crate::{json, sectigo, Error, Event};

/// What replaces a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// Keys whose values stay in a secret-bearing body: identifiers and descriptions, no credentials.
const HARMLESS_KEYS: &[&str] = &[
    "id", "type", "name", "first_name", "last_name", "username", "email", "status", "state",
    "role", "domain", "created_at", "updated_at", "expires_at",
];

/// Parts of a key that mark its value as a secret in any Sectigo body.
const SECRET_KEY_PARTS: &[&str] = &["password", "passwd", "secret", "token", "link", "url", "otp"];

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
    Redacted { value: Value, paths: Vec<String> },
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

/// Redacts the event's payload in place: the built-in secrets of its kind, then `paths`.
pub(crate) fn apply(event: &mut Event<'_>, paths: &[RedactPath]) -> Result<(), Error> {
    let sectigo = match event.kind {
        Kind::Sectigo(kind) => Some(kind),
        _ => None,
    };
    let Payload::Raw(text) = event.payload else {
        return Ok(());
    };
    if sectigo.is_none() && paths.is_empty() {
        return Ok(());
    }
    let mut value: Value = json::from_body(text)?;
    let mut redacted = Vec::new();
    if let (Some(kind), Some(body)) = (sectigo, value.get_mut("body")) {
        redact_secrets(body, kind, &mut String::from("body"), &mut redacted);
    }
    for path in paths {
        redact_path(&mut value, &path.segments, &mut String::new(), &mut redacted);
    }
    if !redacted.is_empty() {
        event.payload = Payload::Redacted {
            value,
            paths: redacted,
        };
    }
    Ok(())
}

fn redact_secrets(value: &mut Value, kind: sectigo::EventType, at: &mut String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let len = at.len();
                at.push('.');
                at.push_str(key);
                if names_secret(key) && !child.is_null() {
                    replace(child, at, out);
                } else if kind.carries_secret() && child.is_string() && !is_harmless(key) {
                    replace(child, at, out);
                } else {
                    redact_secrets(child, kind, at, out);
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{index}]"));
                if kind.carries_secret() && child.is_string() {
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

fn redact_path(value: &mut Value, segments: &[String], at: &mut String, out: &mut Vec<String>) {
    let Some((first, rest)) = segments.split_first() else {
        if !matches!(value, Value::String(s) if s == REDACTED) {
            replace(value, at, out);
        }
        return;
    };
    let mut descend = |child: &mut Value, step: &str, at: &mut String| {
        let len = at.len();
        at.push_str(step);
        redact_path(child, rest, at, out);
        at.truncate(len);
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if first == "*" || first == key {
                    let step = if at.is_empty() { key.clone() } else { format!(".{key}") };
                    descend(child, &step, at);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                if first == "*" || first.parse::<usize>() == Ok(index) {
                    descend(child, &format!("[{index}]"), at);
                }
            }
        }
        _ => {}
    }
}

fn replace(value: &mut Value, at: &str, out: &mut Vec<String>) {
    *value = Value::String(String::from(REDACTED));
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
