//! Parsing with limits and path-precise errors.
//!
//! Typed models borrow from the input (`Cow<str>`, `&RawValue`) and skip what they do not
//! name, so a payload costs one tokenizing pass and no generic tree. serde_json bounds the
//! nesting depth of everything it deserializes (128 levels); what a model skips is scanned
//! iteratively, so deep nesting there costs memory proportional to the (bounded) body only.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::{scan, Error, ErrorKind, MAX_BODY_BYTES};

/// Deserializes a whole body, which must be one JSON object and nothing after it.
pub(crate) fn from_body<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(body);
    Object::<T>::deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value.0))
        .map_err(|e| locate(&e, body, ""))
}

/// Deserializes JSON text that an earlier pass captured, reporting paths under `prefix`.
pub(crate) fn from_text<'a, T: Deserialize<'a>>(text: &'a str, prefix: &str) -> Result<T, Error> {
    T::deserialize(&mut serde_json::Deserializer::from_str(text))
        .map_err(|e| locate(&e, text, prefix))
}

/// Deserializes a top-level member that the detection pass captured; `name` if it is absent.
pub(crate) fn member<'a, T: Deserialize<'a>>(
    raw: Option<&'a RawValue>,
    name: &str,
) -> Result<T, Error> {
    from_text(raw.ok_or_else(|| Error::missing(name))?.get(), name)
}

/// How deep objects and arrays may nest anywhere in a payload. Enforced on the whole body, not
/// only on the parts hookwall reads, because the payload is forwarded: a receiver's recursive
/// parser must not be crashed through hookwall.
pub const MAX_DEPTH: usize = 64;

/// How many `{` and `[` the text holds, strings included. `[` is 0x5B and `{` 0x7B, so one
/// masked comparison finds both; eight bytes at a time, as wasm has no vector loop here.
fn openings(body: &[u8]) -> usize {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let mut words = body.chunks_exact(8);
    let mut count = 0;
    for word in &mut words {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        // Zero bytes where the byte was a bracket; the classic exact zero-byte test marks them.
        let x = (word | 0x2020_2020_2020_2020) ^ 0x7B7B_7B7B_7B7B_7B7B;
        let zeros = !(((x & LOW7) + LOW7) | x | LOW7);
        count += zeros.count_ones() as usize;
    }
    count
        + words
            .remainder()
            .iter()
            .filter(|&&b| b | 0x20 == b'{')
            .count()
}

/// Where the nesting first exceeds `limit`, if it does. Counting brackets first is cheap and
/// settles nearly every payload; only a body with more brackets than the limit is scanned
/// precisely (skipping strings, which may contain brackets).
fn too_deep(body: &[u8], limit: usize) -> Option<usize> {
    if openings(body) <= limit {
        return None;
    }
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(&byte) = body.get(i) {
        match byte {
            b'"' => {
                i = scan::string_end(body, i);
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// What every body must be before any model reads it: within the size limit, one object, and
/// nested no deeper than [`MAX_DEPTH`].
pub(crate) fn check_envelope(body: &[u8]) -> Result<(), Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            "",
            alloc::format!("body of {} bytes exceeds {MAX_BODY_BYTES}", body.len()),
        ));
    }
    match body.iter().position(|b| !b.is_ascii_whitespace()) {
        None => Err(Error::new(ErrorKind::Empty, "", "empty body")),
        Some(i) if body[i] != b'{' => Err(Error::schema("", "expected a JSON object")),
        Some(_) => match too_deep(body, MAX_DEPTH) {
            Some(offset) => Err(Error::new(
                ErrorKind::TooDeep,
                crate::error::line_column(body, offset),
                alloc::format!("nesting deeper than {MAX_DEPTH} levels"),
            )),
            None => Ok(()),
        },
    }
}

/// A serde_json error as ours. Syntax errors are located by line and column in a whole body;
/// inside captured text, whose positions mean nothing to the caller, for numbers out of range
/// and for data errors, by the path of what the parser stopped at.
pub(crate) fn locate(err: &serde_json::Error, text: &str, prefix: &str) -> Error {
    let message = without_position(err);
    let stop = offset(text, err.line(), err.column());
    if err.classify() != Category::Data {
        let kind = if message.starts_with("recursion limit exceeded") {
            ErrorKind::TooDeep
        } else {
            ErrorKind::Malformed
        };
        // A number out of range is well-formed JSON that a field cannot hold: its path says
        // more than its position, and stays the same however the body was read.
        let by_path = !prefix.is_empty() || message == "number out of range";
        let location = match stop {
            Some(stop) if by_path => join(prefix, &scan::path_at(text, stop.saturating_sub(1))),
            _ => alloc::format!("line {} column {}", err.line(), err.column()),
        };
        return Error::new(kind, location, message);
    }
    let mut location = match stop {
        Some(stop) => join(prefix, &scan::path_at(text, culprit(text, stop))),
        None => String::from(prefix),
    };
    let message = sanitize(&message);
    match missing_field_name(&message) {
        Some(field) => {
            location = join(&location, field);
            Error::schema(&location, "missing field")
        }
        None => Error::schema(&location, message),
    }
}

/// The byte a data error is about, from where serde_json stopped: the container it refused
/// without entering, or else the last byte it read (a value's end, a key's closing quote, or
/// the brace of an object that lacks a field).
fn culprit(text: &str, stop: usize) -> usize {
    match text.as_bytes().get(stop) {
        Some(b'{' | b'[') => stop,
        _ => stop.saturating_sub(1),
    }
}

/// The byte offset of serde_json's (1-based line, byte column) position; `None` if it has none.
fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = match line {
        0 => return None,
        1 => 0,
        _ => text.match_indices('\n').nth(line - 2)?.0 + 1,
    };
    Some(line_start + column)
}

/// serde_json appends " at line L column C" to its messages; we report the position ourselves.
fn without_position(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = alloc::format!(" at line {} column {}", err.line(), err.column());
    match full.strip_suffix(suffix.as_str()) {
        Some(head) => String::from(head),
        None => full,
    }
}

/// Drops the payload's own text from serde's "invalid type: string \"…\"" messages: an error
/// must not echo what may be a secret, nor let a payload write into a log line.
fn sanitize(message: &str) -> String {
    for kind in ["invalid type: string ", "invalid value: string "] {
        if let Some(rest) = message.strip_prefix(kind) {
            if let Some(pos) = rest.find(", expected ") {
                return alloc::format!("{}{}", kind.trim_end(), &rest[pos..]);
            }
        }
    }
    String::from(message)
}

fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Joins two dotted paths; array indices (`[0]`) attach without a dot.
pub(crate) fn join(prefix: &str, path: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + path.len() + 1);
    out.push_str(prefix);
    if !prefix.is_empty() && !path.is_empty() && !path.starts_with('[') {
        out.push('.');
    }
    out.push_str(path);
    out
}

/// A JSON object decoded into `T`. serde's derived structs also accept arrays (fields by
/// position); a JSON Schema `"type": "object"` does not, so neither do we.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object<T>(pub T);

impl<T> Deref for Object<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// A JSON string, borrowed from the input unless it has escapes. (serde's own `Cow<str>`
/// always copies, and `Option<Cow<str>>` cannot borrow.)
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    pub fn cow(&self) -> Cow<'a, str> {
        self.0.clone()
    }
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(String::from(v))))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// For optional fields that must not be `null` when present (`"type": "string"` without a
/// `null` alternative): serde's `Option` would read `null` as absent.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Captures a member unparsed, `null` included (serde's `Option` would read `null` as absent).
pub(crate) fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// For fields the schema requires but allows to be `null`: serde would otherwise treat a
/// missing `Option` as `None`, accepting what the schema rejects.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn sanitizes_quoted_strings() {
        assert_eq!(
            sanitize("invalid type: string \"hunter2\", expected i64"),
            "invalid type: string, expected i64"
        );
        assert_eq!(sanitize("missing field `x`"), "missing field `x`");
    }

    #[test]
    fn counts_brackets_word_by_word_as_byte_by_byte() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1031).collect();
        for start in 0..9 {
            let naive = bytes[start..]
                .iter()
                .filter(|&&b| b == b'{' || b == b'[')
                .count();
            assert_eq!(openings(&bytes[start..]), naive);
        }
    }

    #[test]
    fn bounds_depth_outside_strings_only() {
        let deep = alloc::format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(too_deep(deep.as_bytes(), 64), Some(64));
        let shallow = alloc::format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(too_deep(shallow.as_bytes(), 64), None);
        let in_string = alloc::format!("{{\"a\": \"{}\\\"[\"}}", "[".repeat(200));
        assert_eq!(too_deep(in_string.as_bytes(), 64), None);
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("details", "source.value"), "details.source.value");
        assert_eq!(
            join("details.behaviors", "[1].label"),
            "details.behaviors[1].label"
        );
        assert_eq!(join("", "metadata"), "metadata");
    }
}
