//! The body around `serde_json`: what is checked before it reads (size, depth, lone surrogates,
//! one object), the few types the models read with it, and its errors as ours.
//!
//! `serde_json` reads every model; what stays hand-written here is what it cannot be asked to do.
//! Its nesting limit is fixed at 128 and applies only to what it reads, while the payload is
//! forwarded whole, so the depth of the whole body is bounded before any model reads it. It
//! accepts a lone surrogate (`\ud800`) in a string it skips, which a receiver's parser may
//! refuse. And its messages quote values, and name a position rather than a field.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write};
use core::marker::PhantomData;
use core::ops::Deref;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, Expected, IgnoredAny, MapAccess, SeqAccess,
    Unexpected, Visitor,
};

use crate::error::{position, stopped};
use crate::{Error, ErrorKind, Location, MAX_BODY_BYTES};

/// How deep objects and arrays may nest anywhere in a payload: four times the deepest payload any
/// provider documents (4). Enforced on the whole body, not only on the parts hookwall reads,
/// because the payload is forwarded: a receiver's recursive parser must not be crashed through
/// hookwall. Nor may hookwall's own recursion (reading, redacting and writing a Sectigo body)
/// overflow the smallest stack a proxy-wasm runtime gives it: WAMR's interpreters get 32 KiB
/// from proxy-wasm-cpp-host, where a Sectigo body overflowed from 22 levels on the classic
/// interpreter and from 49 on the fast one (docs/envoy-test-host.md).
pub const MAX_DEPTH: usize = 16;

/// What every body must be before any model reads it: within the size limit, not empty, UTF-8,
/// nested no deeper than [`MAX_DEPTH`], free of lone surrogates, and one JSON object.
pub(crate) fn check(body: &[u8]) -> Result<&str, Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::new(
            ErrorKind::TooLarge,
            Location::Whole,
            // Not the body's size: a reader that stops at the limit (the CLI) knows only that.
            format!("body exceeds {MAX_BODY_BYTES} bytes"),
        ));
    }
    let Some(start) = body.iter().position(|b| !is_space(*b)) else {
        return Err(Error::new(ErrorKind::Empty, Location::Whole, "empty body"));
    };
    let text = core::str::from_utf8(body).map_err(|e| {
        Error::new(
            ErrorKind::Malformed,
            position(body, e.valid_up_to()),
            "invalid UTF-8",
        )
    })?;
    let malformed =
        |at: usize, message: &str| Error::new(ErrorKind::Malformed, position(body, at), message);
    let census = census(body);
    match too_deep(body, census.openings) {
        Depth::Within => {}
        Depth::Deeper(at) => {
            return Err(Error::new(
                ErrorKind::TooDeep,
                position(body, at),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ))
        }
        Depth::Unclosed(message) => return Err(malformed(body.len() - 1, message)),
    }
    if let Some(at) = census.backslash.then(|| lone_surrogate(body)).flatten() {
        return Err(malformed(at, "lone leading surrogate in hex escape"));
    }
    if body[start] != b'{' {
        // Not JSON at all is malformed, whatever it starts with; JSON but no object, a schema
        // violation.
        return match serde_json::from_str::<IgnoredAny>(text) {
            Err(e) => Err(syntax(&e)),
            Ok(_) => Err(Error::schema("", "expected a JSON object")),
        };
    }
    Ok(text)
}

/// JSON's whitespace (RFC 8259); Rust's `is_ascii_whitespace` also admits form feed.
pub(crate) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// What one pass over the body finds: how many `{` and `[` it holds, strings included, and
/// whether it holds a backslash, which only an escape can start.
struct Census {
    openings: usize,
    backslash: bool,
}

/// One pass, eight bytes at a time, as wasm has no vector loop here. `[` is 0x5B and `{` 0x7B,
/// so one masked comparison finds both; `\\` is 0x5C.
fn census(body: &[u8]) -> Census {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // 0x80 in every byte that was zero; the classic exact zero-byte test.
    let zeros = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let mut words = body.chunks_exact(8);
    let (mut openings, mut backslashes) = (0, 0);
    for word in &mut words {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        openings +=
            zeros((word | 0x2020_2020_2020_2020) ^ 0x7B7B_7B7B_7B7B_7B7B).count_ones() as usize;
        backslashes |= zeros(word ^ 0x5C5C_5C5C_5C5C_5C5C);
    }
    let rest = words.remainder();
    Census {
        openings: openings + rest.iter().filter(|&&b| b | 0x20 == b'{').count(),
        backslash: backslashes != 0 || rest.contains(&b'\\'),
    }
}

/// How the body's nesting compares with [`MAX_DEPTH`].
#[derive(Debug, PartialEq, Eq)]
enum Depth {
    Within,
    /// The bracket at this offset opens level `MAX_DEPTH + 1`.
    Deeper(usize),
    /// Too deep, and cut off before its brackets or a string close: not JSON, which is what
    /// the sender must hear (`serde_json` would have said so, had it been allowed that deep).
    Unclosed(&'static str),
}

/// Counting brackets first is cheap and settles nearly every payload; only a body with more
/// brackets than the limit is scanned precisely, skipping strings, which may hold brackets.
fn too_deep(body: &[u8], openings: usize) -> Depth {
    if openings <= MAX_DEPTH {
        return Depth::Within;
    }
    let (mut depth, mut i, mut deeper) = (0usize, 0usize, None);
    while let Some(&byte) = body.get(i) {
        match byte {
            b'"' => match string_end(body, i) {
                Some(end) => i = end,
                None if deeper.is_some() => return Depth::Unclosed("EOF while parsing a string"),
                None => return Depth::Within,
            },
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH && deeper.is_none() {
                    deeper = Some(i);
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    match deeper {
        None => Depth::Within,
        Some(_) if depth > 0 => Depth::Unclosed("EOF while parsing a list or an object"),
        Some(at) => Depth::Deeper(at),
    }
}

/// The end (exclusive) of the string whose quote is at `start`; `None` if it never closes.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += quote_or_backslash(bytes.get(i..)?)?;
        if bytes[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

/// Where the first `"` or `\\` of `bytes` is, eight bytes at a time as in [`census`]: a refusal
/// is explained by a scan over the text up to it, and a string may be most of a body.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let zeros = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        let found = zeros(word ^ 0x2222_2222_2222_2222) | zeros(word ^ 0x5C5C_5C5C_5C5C_5C5C);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|n| at + n)
}

/// Where the first `\u` escape of a lone surrogate is. `serde_json` refuses one in a string it
/// reads but not in one it skips, and the payload is forwarded: refused wherever it is, as
/// many receivers' parsers (`serde_json`'s `Value` among them) would refuse it. In JSON a
/// backslash only ever starts an escape, so escapes are found without tracking strings.
fn lone_surrogate(body: &[u8]) -> Option<usize> {
    let hex = |at: usize| -> Option<u16> {
        let digits = core::str::from_utf8(body.get(at..at + 4)?).ok()?;
        u16::from_str_radix(digits, 16).ok()
    };
    let mut i = 0;
    while let Some(found) = body.get(i..)?.iter().position(|&b| b == b'\\') {
        let at = i + found;
        i = at + 2;
        if body.get(at + 1) != Some(&b'u') {
            continue;
        }
        match hex(at + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = body.get(at + 6..at + 8) == Some(b"\\u")
                    && matches!(hex(at + 8), Some(0xDC00..=0xDFFF));
                if !low {
                    return Some(at);
                }
                i = at + 12;
            }
            Some(0xDC00..=0xDFFF) => return Some(at),
            _ => {}
        }
    }
    None
}

/// Reads `text` as `T` with `serde_json`, and nothing after it. `prefix` is where `text` sits in
/// the body (`details` for a captured member), so that a refusal names the field's full path.
pub(crate) fn read<'a, T: Deserialize<'a>>(text: &'a str, prefix: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| explain(text, prefix, &e))
}

/// [`read`] with a seed, for a model chosen as it is read.
pub(crate) fn read_seed<'a, S: DeserializeSeed<'a>>(
    text: &'a str,
    seed: S,
    prefix: &str,
) -> Result<S::Value, Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| explain(text, prefix, &e))
}

/// A refusal as ours. Text that is not JSON is located by line and column; valid JSON that
/// the model refuses, by the path of the field at fault, found from where `serde_json` stopped
/// (only for a refused payload, so the first read pays nothing for it).
#[inline(never)]
pub(crate) fn explain(text: &str, prefix: &str, e: &serde_json::Error) -> Error {
    if !is_refusal(e) {
        return syntax(e);
    }
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        return syntax(&e);
    }
    let mut path = String::from(prefix);
    push_path(text, offset(text, e.line(), e.column()), &mut path);
    let message = strip_position(e);
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        push_key(&mut path, field);
        return Error::missing(&path);
    }
    // A repeated field is refused just after its name, so the path already ends with it.
    Error::schema(&path, without_value(&message))
}

/// The byte offset of `serde_json`'s `line L column C`: C bytes into line L, which is how many
/// bytes it had consumed. An error without a position (line 0) stands at the start.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start = match line {
        0 | 1 => 0,
        _ => text
            .match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(at, _)| at + 1),
    };
    (start + column).min(text.len())
}

/// Appends the path of the value that `serde_json` was reading when it stopped after `consumed`
/// bytes of `text`, valid JSON: the member whose name it had read, the element it had reached,
/// in every object and array still open there. A refusal comes inside the value at fault, or
/// right after it (a scalar, an object whose field is missing), or just after a repeated
/// member's name, so that value's member or element is what is named.
fn push_path(text: &str, consumed: usize, path: &mut String) {
    enum Open {
        /// An object, and the name of the member being read (from its opening quote).
        Object(Option<usize>),
        /// An array, and the index of the element being read.
        Array(usize),
    }
    let bytes = &text.as_bytes()[..consumed];
    let mut open: Vec<Open> = Vec::new();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                let end = string_end(text.as_bytes(), i).unwrap_or(text.len());
                if let Some(Open::Object(name @ None)) = open.last_mut() {
                    *name = Some(i);
                }
                i = end;
                continue;
            }
            b'{' => open.push(Open::Object(None)),
            b'[' => open.push(Open::Array(0)),
            b'}' | b']' => {
                open.pop();
            }
            b',' => match open.last_mut() {
                Some(Open::Object(name)) => *name = None,
                Some(Open::Array(index)) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    for level in &open {
        match *level {
            Open::Object(Some(at)) => {
                let end = string_end(text.as_bytes(), at).unwrap_or(text.len());
                let name = text.get(at..end).unwrap_or_default();
                match serde_json::from_str::<Text>(name) {
                    Ok(Text(name)) => push_key(path, &name),
                    Err(_) => push_key(path, name),
                }
            }
            Open::Object(None) => {}
            Open::Array(index) => {
                let _ = write!(path, "[{index}]");
            }
        }
    }
}

/// Whether `serde_json` refused valid JSON: a model's refusal, or a number too large for any
/// field (`serde_json` calls that syntax, but it is valid JSON that a field cannot hold).
pub(crate) fn is_refusal(e: &serde_json::Error) -> bool {
    e.is_data() || strip_position(e) == "number out of range"
}

/// How much of a member's name a refusal's path keeps, in bytes: a name from the payload (a
/// Sectigo body's) may be 60 KB, and a refusal goes to logs and back to the caller.
pub const MAX_PATH_NAME: usize = 64;

/// Appends a member's name to a path, cut to [`MAX_PATH_NAME`] bytes and then `…`, its control
/// characters escaped as JSON writes them, so that it cannot break a log line either.
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    let mut end = key.len().min(MAX_PATH_NAME);
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    for c in key[..end].chars() {
        match c {
            '\u{0}'..='\u{1f}' | '\u{7f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(path, "\\u{:04x}", u32::from(c));
            }
            _ => path.push(c),
        }
    }
    if end < key.len() {
        path.push('…');
    }
}

/// Text that is not JSON, where it stops being JSON.
fn syntax(e: &serde_json::Error) -> Error {
    Error::new(ErrorKind::Malformed, stopped(e), strip_position(e))
}

/// `serde_json`'s message without the ` at line L column C` it appends.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(message) => message.to_string(),
        None => text,
    }
}

/// serde quotes the value in some messages (`invalid type: string "…"`,
/// ``unknown variant `…` ``); only its kind is kept. What follows `, expected ` is the type's own text, never input.
pub(crate) fn without_value(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            let kind = unexpected
                .split(['`', '"'])
                .next()
                .unwrap_or_default()
                .trim_end();
            return match expected {
                "" => format!("{prefix}{kind}"),
                expected => format!("{prefix}{kind}, expected {expected}"),
            };
        }
    }
    match message.strip_prefix("unknown variant ") {
        Some(rest) => match rest.rsplit_once(", expected ") {
            Some((_, expected)) => format!("unknown variant, expected {expected}"),
            None => "unknown variant".into(),
        },
        None => message.into(),
    }
}

/// A JSON string, borrowed from the input unless it has escapes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

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
        struct Strings;
        impl<'de> Visitor<'de> for Strings {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(s.into()))
            }
        }
        deserializer.deserialize_str(Strings).map(Text)
    }
}

/// A model read from a JSON object only: serde's derive also reads a struct from an array, its
/// fields by position, which no provider sends and which would pass a forgery.
#[derive(Debug, Default)]
pub struct Object<T>(pub T);

impl<T> Deref for Object<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Objects<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Objects<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer
            .deserialize_map(Objects(PhantomData))
            .map(Object)
    }
}

/// For a `deserialize_any` visitor that takes no array: skips it, then refuses it. `serde_json`
/// has entered the array when it asks, so a refusal at once would stand before its first
/// element and be located there; after the array, it names the member.
pub(crate) fn refuse_seq<'de, A: SeqAccess<'de>, T>(
    mut seq: A,
    expected: &dyn Expected,
) -> Result<T, A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Err(de::Error::invalid_type(Unexpected::Seq, expected))
}

/// For `deserialize_with`: a member that may be absent (with `default`) but not `null`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// For `deserialize_with`: a member that must be there but may be `null` (serde's derive
/// would take an absent `Option` as `None`).
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_word_by_word_as_byte_by_byte() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1031).collect();
        for start in 0..9 {
            let naive = bytes[start..]
                .iter()
                .filter(|&&b| b == b'{' || b == b'[')
                .count();
            assert_eq!(census(&bytes[start..]).openings, naive);
        }
        let plain: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect();
        for at in [0, 7, 8, 500, 1030] {
            let mut one = plain.clone();
            assert!(!census(&one[at..]).backslash);
            one[at] = b'\\';
            assert!(census(&one).backslash, "{at}");
        }
    }

    #[test]
    fn finds_quotes_and_backslashes_word_by_word_as_byte_by_byte() {
        let bytes: Vec<u8> = (0..=255u8).filter(|&b| b != b'"' && b != b'\\').collect();
        for at in [0, 1, 7, 8, 9, 100, 250] {
            for found in [b'"', b'\\'] {
                let mut with = bytes.clone();
                with[at] = found;
                assert_eq!(quote_or_backslash(&with), Some(at), "{at}");
                assert_eq!(quote_or_backslash(&with[at + 1..]), None);
            }
        }
        assert_eq!(quote_or_backslash(b""), None);
    }

    #[test]
    fn bounds_depth_outside_strings_only() {
        let too_deep = |body: &[u8]| too_deep(body, census(body).openings);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(too_deep(deep.as_bytes()), Depth::Deeper(MAX_DEPTH));
        let shallow = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(too_deep(shallow.as_bytes()), Depth::Within);
        let in_string = format!("{{\"a\": \"{}\\\"[\"}}", "[".repeat(200));
        assert_eq!(too_deep(in_string.as_bytes()), Depth::Within);
        assert_eq!(
            too_deep("[".repeat(MAX_DEPTH + 1).as_bytes()),
            Depth::Unclosed("EOF while parsing a list or an object")
        );
        let open_string = format!(
            "{}\"{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            too_deep(open_string.as_bytes()),
            Depth::Unclosed("EOF while parsing a string")
        );
    }

    #[test]
    fn finds_lone_surrogates_only() {
        for good in [
            r#""\ud83d\ude00""#,
            r#""\\ud800""#,
            r#""\u00e9\"\ud800\udc00""#,
            r#""\u12""#,
        ] {
            assert_eq!(lone_surrogate(good.as_bytes()), None, "{good}");
        }
        for (bad, at) in [
            (r#""\ud800""#, 1),
            (r#""x\udc00""#, 2),
            (r#""\\\ud83d\u0041""#, 3),
            (r#""\ud83d"#, 1),
        ] {
            assert_eq!(lone_surrogate(bad.as_bytes()), Some(at), "{bad}");
        }
    }

    #[test]
    fn messages_keep_the_kind_and_drop_the_value() {
        for (serde, ours) in [
            (
                "invalid type: string \"hunter2\", expected i64",
                "invalid type: string, expected i64",
            ),
            (
                "invalid type: integer `73915582011`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "unknown variant `hunter2`, expected `a` or `b`",
                "unknown variant, expected `a` or `b`",
            ),
            ("duplicate field `scenario`", "duplicate field `scenario`"),
        ] {
            assert_eq!(without_value(serde), ours);
        }
    }

    #[test]
    fn paths_name_the_member_or_element_where_serde_json_stopped() {
        let text = "{\"a\": [1, {\"b\": \"x\"}, [ {}]],\n \"c\\u0064\": {\"e\": 1}, \"f\": 2}";
        let path = |consumed: usize| {
            let mut path = String::from("p");
            push_path(text, consumed, &mut path);
            path
        };
        let after = |needle: &str| text.find(needle).unwrap() + needle.len();
        assert_eq!(path(after("1")), "p.a[0]");
        assert_eq!(path(after("\"b\"")), "p.a[1].b");
        assert_eq!(path(after("\"x\"}")), "p.a[1]");
        assert_eq!(path(after("[ ")), "p.a[2][0]");
        assert_eq!(path(after("]]")), "p.a");
        assert_eq!(path(after("\"e\": 1")), "p.cd.e");
        assert_eq!(path(after("1}")), "p.cd");
        assert_eq!(path(after("1}, ")), "p");
        assert_eq!(path(text.len()), "p");
        assert_eq!(offset(text, 2, 1), after("\n "));
        assert_eq!(offset(text, 0, 0), 0);
    }

    #[test]
    fn paths_escape_control_characters() {
        let mut path = String::from("body");
        push_key(&mut path, "a\nb\u{1f}é\u{2028}");
        assert_eq!(path, "body.a\\u000ab\\u001fé\\u2028");
    }

    #[test]
    fn paths_cut_long_names() {
        let mut path = String::new();
        push_key(&mut path, &"é".repeat(40_000));
        assert_eq!(path, alloc::format!("{}…", "é".repeat(MAX_PATH_NAME / 2)));
    }
}
