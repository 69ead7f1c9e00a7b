//! Reading JSON text without parsing it: where a byte offset lies (as a path), and where an
//! object's member is. Both run over text that the reader has already accepted up to the point
//! they look at, so they only tell tokens apart; on anything else they stop, never panic.
//!
//! Locating errors this way keeps the reader free of path tracking: a path is only worked out
//! for a payload that is refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

/// What a token is; commas and colons are not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `{` or `[`.
    Open,
    /// `}` or `]`.
    Close,
    /// An object member's name, quotes included.
    Key,
    /// A string (quotes included), number, `true`, `false` or `null`.
    Scalar,
}

/// Containers nest at most this deep in what the tokenizer follows; `json::MAX_DEPTH` keeps
/// payloads far below it.
const MAX_NESTING: u32 = 128;

struct Tokens<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Bit `d` is set when the container at depth `d` is an object.
    objects: u128,
    depth: u32,
    want_key: bool,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            pos: 0,
            objects: 0,
            depth: 0,
            want_key: false,
        }
    }

    fn in_object(&self) -> bool {
        self.depth > 0 && self.objects >> (self.depth - 1) & 1 == 1
    }

    fn next(&mut self) -> Option<(Token, Range<usize>)> {
        loop {
            let start = self.pos;
            let byte = *self.bytes.get(start)?;
            self.pos += 1;
            match byte {
                b'{' | b'[' => {
                    if self.depth >= MAX_NESTING {
                        return None;
                    }
                    let bit = 1u128 << self.depth;
                    self.objects = if byte == b'{' {
                        self.objects | bit
                    } else {
                        self.objects & !bit
                    };
                    self.depth += 1;
                    self.want_key = byte == b'{';
                    return Some((Token::Open, start..self.pos));
                }
                b'}' | b']' => {
                    self.depth = self.depth.checked_sub(1)?;
                    self.want_key = false;
                    return Some((Token::Close, start..self.pos));
                }
                b',' => self.want_key = self.in_object(),
                b':' => {}
                b'"' => {
                    self.pos = string_end(self.bytes, start);
                    let token = if self.want_key {
                        Token::Key
                    } else {
                        Token::Scalar
                    };
                    self.want_key = false;
                    return Some((token, start..self.pos));
                }
                b if b.is_ascii_whitespace() => {}
                _ => {
                    self.pos = scalar_end(self.bytes, start);
                    return Some((Token::Scalar, start..self.pos));
                }
            }
        }
    }
}

/// The end (exclusive) of the string starting with the quote at `start`. Most of a payload is
/// string contents, so they are skipped eight bytes at a time until a quote or backslash.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    loop {
        while let Some(word) = bytes.get(i..i + 8) {
            let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
            if has_byte(word, b'"') || has_byte(word, b'\\') {
                break;
            }
            i += 8;
        }
        match bytes.get(i) {
            None => return bytes.len(),
            Some(b'\\') => i += 2,
            Some(b'"') => return i + 1,
            Some(_) => i += 1,
        }
    }
}

/// Whether any byte of `word` is `byte`.
fn has_byte(word: u64, byte: u8) -> bool {
    equal_bytes(word, byte) != 0
}

const LOW: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `word` below `limit` (at most 0x80), by the classic zero-byte
/// test: exact up to the first byte it marks, which is all a scan for that byte needs.
pub(crate) fn below(word: u64, limit: u8) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    word.wrapping_sub(LOW * u64::from(limit)) & !word & HIGH
}

/// The high bit of each byte of `word` equal to `byte`, exact up to the first it marks.
pub(crate) fn equal_bytes(word: u64, byte: u8) -> u64 {
    below(word ^ (LOW * u64::from(byte)), 1)
}

/// A member's name without its quotes; escapes stay as written, so a name cannot break a log
/// line.
fn key_name(text: &str, span: Range<usize>) -> &str {
    text.get(span.start + 1..span.end.saturating_sub(1))
        .unwrap_or_default()
}

/// One step of a path: a member's name span or an element's index.
#[derive(Clone)]
enum Step {
    Key(Range<usize>),
    Index(usize),
}

/// The dotted path (`details.behaviors[1].label`) of what lies at byte `target` of `text`: the
/// value, member name or bracket there. A closing bracket belongs to its container, so an error
/// raised at the end of an object (a missing field) is located at the object.
pub(crate) fn path_at(text: &str, target: usize) -> String {
    let mut tokens = Tokens::new(text);
    // One entry per open container: the step to the member or element being read in it.
    let mut steps: Vec<Option<Step>> = Vec::new();
    while let Some((token, span)) = tokens.next() {
        if span.start > target {
            break;
        }
        let here = span.contains(&target);
        match token {
            Token::Open => {
                advance_index(&mut steps);
                if here {
                    break;
                }
                steps.push(None);
            }
            Token::Close => {
                steps.pop();
            }
            Token::Key => {
                if let Some(top) = steps.last_mut() {
                    *top = Some(Step::Key(span));
                }
            }
            Token::Scalar => advance_index(&mut steps),
        }
        if here {
            break;
        }
    }
    render(text, &steps)
}

/// A value starts in the innermost container: if that is an array, it is the next element.
fn advance_index(steps: &mut [Option<Step>]) {
    if let Some(top) = steps.last_mut() {
        match top {
            Some(Step::Key(_)) => {}
            Some(Step::Index(i)) => *i += 1,
            None => *top = Some(Step::Index(0)),
        }
    }
}

fn render(text: &str, steps: &[Option<Step>]) -> String {
    let mut path = String::new();
    for step in steps.iter().flatten() {
        match step {
            Step::Key(span) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key_name(text, span.clone()));
            }
            Step::Index(i) => {
                use core::fmt::Write;
                let _ = write!(path, "[{i}]");
            }
        }
    }
    path
}

/// The text of the first member at `path` (names, object in object) of the object `text`: a
/// fast path that picks a model before the reader reads the payload once. The scan stops at
/// that member, so it does not see a repeated name; the model that reads the object refuses
/// one. A name written with escapes is not recognized, so `None` only means that a full parse
/// must answer.
pub(crate) fn first_member<'a>(text: &'a str, path: &[&str]) -> Option<&'a str> {
    text.get(object_member(
        text,
        skip_whitespace(text.as_bytes(), 0),
        path,
    )?)
}

/// Where the first member at `path` is in the object starting at `start`. `None` if the text is
/// not such an object or has no such member.
fn object_member(text: &str, start: usize, path: &[&str]) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let (name, rest) = path.split_first()?;
    if bytes.get(start) != Some(&b'{') {
        return None;
    }
    let mut i = skip_whitespace(bytes, start + 1);
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, i);
        let key = key_name(text, i..key_end);
        i = skip_whitespace(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value = skip_whitespace(bytes, i + 1);
        if key == *name {
            return match rest {
                [] => Some(value..value_end(bytes, value)?),
                _ => object_member(text, value, rest),
            };
        }
        i = skip_whitespace(bytes, value_end(bytes, value)?);
        match bytes.get(i) {
            Some(b',') => i = skip_whitespace(bytes, i + 1),
            _ => return None,
        }
    }
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the value starting at `start`; containers are skipped by counting
/// brackets outside strings.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => Some(string_end(bytes, start)),
        b'{' | b'[' => {
            let (mut depth, mut i) = (0usize, start);
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = string_end(bytes, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => Some(scalar_end(bytes, start)),
    }
}

/// The end (exclusive) of the number or literal starting at `start`.
fn scalar_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while bytes
        .get(i)
        .is_some_and(|b| !b",:]}".contains(b) && !b.is_ascii_whitespace())
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn at(text: &str, needle: &str) -> String {
        path_at(text, text.find(needle).unwrap())
    }

    #[test]
    fn locates_values_keys_and_brackets() {
        let text = r#"{"a": {"b": [1, {"c": "x"}, [true]]}, "d": null}"#;
        assert_eq!(at(text, "1,"), "a.b[0]");
        assert_eq!(at(text, "\"x\""), "a.b[1].c");
        assert_eq!(at(text, "true"), "a.b[2][0]");
        assert_eq!(at(text, "null"), "d");
        assert_eq!(at(text, "\"c\""), "a.b[1].c");
        assert_eq!(at(text, "{\"c\""), "a.b[1]");
        assert_eq!(at(text, "}, [true"), "a.b[1]");
        assert_eq!(path_at(text, text.len() - 1), "");
    }

    #[test]
    fn skips_strings_word_by_word() {
        for pad in 0..20 {
            let filler = "x".repeat(pad);
            let text = format!(r#""{filler}\"{filler}\\" "#);
            assert_eq!(string_end(text.as_bytes(), 0), text.len() - 1, "{text}");
        }
        assert!(has_byte(u64::from_le_bytes(*b"abcdefg\""), b'"'));
        assert!(!has_byte(u64::from_le_bytes(*b"abcdefgh"), b'"'));
    }

    #[test]
    fn stops_on_truncated_or_odd_input() {
        assert_eq!(path_at(r#"{"a": "unterminated"#, 8), "a");
        assert_eq!(path_at("]]]", 2), "");
        assert!(path_at(&"[".repeat(300), 299).starts_with("[0][0]"));
    }

    #[test]
    fn finds_the_first_member_by_path() {
        let text = r#" {"t": {"type": 1}, "type" : {"k": [1], "j": "x"}, "x": [1], "y": "a"}"#;
        assert_eq!(
            first_member(text, &["type"]),
            Some(r#"{"k": [1], "j": "x"}"#)
        );
        assert_eq!(first_member(text, &["x"]), Some("[1]"));
        assert_eq!(first_member(text, &["y"]), Some("\"a\""));
        assert_eq!(first_member(text, &["type", "j"]), Some("\"x\""));
        assert_eq!(first_member(text, &["t", "type"]), Some("1"));
        assert_eq!(first_member(text, &["k"]), None);
        assert_eq!(first_member(text, &["type", "z"]), None);
        assert_eq!(first_member(text, &["y", "z"]), None);
        assert_eq!(first_member(r#"{"a": 1, "a": 2}"#, &["a"]), Some("1"));
        assert_eq!(
            first_member(r#"{"a": {"b": 1}, "a": {}}"#, &["a", "b"]),
            Some("1")
        );
        assert_eq!(
            first_member(r#"{"a\u0062": 1, "ab": 2}"#, &["ab"]),
            Some("2")
        );
        assert_eq!(first_member(r#"["a", 1]"#, &["a"]), None);
        assert_eq!(first_member(r#"{"b": 1"#, &["a"]), None);
        assert_eq!(first_member(r#"{"a": 1"#, &["a"]), Some("1"));
        assert_eq!(first_member("{}", &["a"]), None);
    }
}
