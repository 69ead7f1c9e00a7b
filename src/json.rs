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

use alloc::vec::Vec;
use serde::de::value::{MapAccessDeserializer, MapDeserializer};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::{Error, ErrorKind, MAX_BODY_BYTES};

/// Deserializes a whole body, which must be one JSON object and nothing after it.
pub(crate) fn from_body<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, Error> {
    check_envelope(body.as_bytes())?;
    let parse = |track: bool| -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_str(body);
        let value = deserialize::<Object<T>>(&mut de, track, "")?;
        de.end().map_err(|e| syntax(&e))?;
        Ok(value.0)
    };
    parse(false).or_else(|_| parse(true))
}

/// Deserializes a value that an earlier pass captured, reporting paths under `prefix`.
pub(crate) fn from_raw<'a, T: Deserialize<'a>>(
    raw: &'a RawValue,
    prefix: &str,
) -> Result<T, Error> {
    let parse = |track: bool| {
        deserialize::<T>(
            &mut serde_json::Deserializer::from_str(raw.get()),
            track,
            prefix,
        )
    };
    parse(false).or_else(|_| parse(true))
}

/// Path tracking allocates for every key it passes, so it runs only to explain a failure:
/// the fast pass fails, then the same input is parsed again with tracking on.
fn deserialize<'a, T: Deserialize<'a>>(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
    track: bool,
    prefix: &str,
) -> Result<T, Error> {
    if track {
        serde_path_to_error::deserialize(de).map_err(|e| convert(e, prefix))
    } else {
        T::deserialize(de).map_err(|e| syntax(&e))
    }
}

/// Deserializes a top-level member that the detection pass captured; `name` if it is absent.
pub(crate) fn member<'a, T: Deserialize<'a>>(
    raw: Option<&'a RawValue>,
    name: &str,
) -> Result<T, Error> {
    from_raw(raw.ok_or_else(|| Error::missing(name))?, name)
}

/// How deep objects and arrays may nest anywhere in a payload. Enforced on the whole body, not
/// only on the parts hookwall reads, because the payload is forwarded: a receiver's recursive
/// parser must not be crashed through hookwall.
pub const MAX_DEPTH: usize = 64;

/// Where the nesting first exceeds `limit`, if it does. Counting brackets first is cheap and
/// settles nearly every payload; only a body with more brackets than the limit is scanned
/// precisely (skipping strings, which may contain brackets).
fn too_deep(body: &[u8], limit: usize) -> Option<usize> {
    // `[` is 0x5B and `{` 0x7B: one masked comparison finds both, and vectorizes.
    let openings: usize = body
        .chunks(255)
        .map(|chunk| {
            usize::from(
                chunk
                    .iter()
                    .fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{')),
            )
        })
        .sum();
    if openings <= limit {
        return None;
    }
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(&byte) = body.get(i) {
        match byte {
            b'"' => {
                i += 1;
                while let Some(&c) = body.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
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

fn check_envelope(body: &[u8]) -> Result<(), Error> {
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

/// A parse error with the path it happened at. Positions are only meaningful in the whole
/// body (`prefix` empty); in a captured member they are relative to it, so there a syntax
/// error (a number out of range) is located by its path instead.
fn convert(err: serde_path_to_error::Error<serde_json::Error>, prefix: &str) -> Error {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let mut location = join(prefix, if path == "." { "" } else { &path });
    if inner.classify() != Category::Data {
        let positioned = syntax(&inner);
        return match prefix {
            "" => positioned,
            _ => Error::new(positioned.kind(), location, positioned.message()),
        };
    }
    let message = sanitize(&without_position(&inner));
    let message = match missing_field_name(&message) {
        Some(field) => {
            location = join(&location, field);
            String::from("missing field")
        }
        None => message,
    };
    Error::schema(&location, message)
}

fn syntax(err: &serde_json::Error) -> Error {
    let message = without_position(err);
    let kind = if message.starts_with("recursion limit exceeded") {
        ErrorKind::TooDeep
    } else {
        ErrorKind::Malformed
    };
    let location = alloc::format!("line {} column {}", err.line(), err.column());
    Error::new(kind, location, message)
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

/// An object's members, captured unparsed while skimming it: the detection pass keeps
/// CrowdSec's `details` this way, so its type can be read and its model decoded from the
/// captured slices without skimming `details` again.
#[derive(Debug, Default)]
pub(crate) struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Members<'a> {
    /// The member named `name`; a name given twice is refused, as the typed models do.
    pub fn get(&self, name: &str, path: &str) -> Result<Option<&'a RawValue>, Error> {
        let mut found = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| *v);
        let first = found.next();
        match found.next() {
            Some(_) => Err(Error::schema(
                path,
                alloc::format!("duplicate field `{name}`"),
            )),
            None => Ok(first),
        }
    }

    /// Decodes the members into `T`, reporting paths under `prefix`.
    pub fn decode<T: Deserialize<'a>>(&self, prefix: &str) -> Result<T, Error> {
        let entries = || self.0.iter().map(|(k, v)| (k.clone(), *v));
        T::deserialize(MapDeserializer::new(entries())).or_else(|_| {
            serde_path_to_error::deserialize(MapDeserializer::new(entries()))
                .map_err(|e| convert(e, prefix))
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(16);
                while let Some(Text(key)) = map.next_key()? {
                    members.push((key, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
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

    #[test]
    fn sanitizes_quoted_strings() {
        assert_eq!(
            sanitize("invalid type: string \"hunter2\", expected i64"),
            "invalid type: string, expected i64"
        );
        assert_eq!(sanitize("missing field `x`"), "missing field `x`");
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
