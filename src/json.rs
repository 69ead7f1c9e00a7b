//! Reading JSON: one strict pass over the text that decodes straight into the models
//! ([`crate::decode`]), with limits, and errors that say what is wrong and where.
//!
//! Models borrow strings from the input unless they hold escapes, and skip what they do not
//! name, so a payload costs one pass and no generic tree. The reader is written for this crate
//! rather than taken from serde_json, whose generic deserialization (a visitor per model, per
//! deserializer) was a quarter of the Envoy filter's size; its errors know their byte offset
//! without tracking paths while parsing (the path is found afterwards, only for a refused
//! payload). It accepts and refuses what serde_json does, with the same messages.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use core::ops::Deref;

use crate::decode::Decode;
use crate::error::line_column;
use crate::{scan, Error, ErrorKind};

/// Decodes a configuration document: UTF-8, one JSON value and nothing after it.
pub fn parse<'a, T: Decode<'a>>(bytes: &'a [u8]) -> Result<T, Error> {
    from_body(utf8(bytes)?)
}

/// The bytes as text, or where the first invalid UTF-8 is.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::Malformed,
            line_column(bytes, e.valid_up_to()),
            "invalid UTF-8",
        )
    })
}

/// Decodes a whole body, which must be one JSON object and nothing after it.
pub(crate) fn from_body<'a, T: Decode<'a>>(body: &'a str) -> Result<T, Error> {
    read(body, "", T::decode)
}

/// Decodes JSON text that an earlier pass captured, reporting paths under `prefix`.
pub(crate) fn from_text<'a, T: Decode<'a>>(text: &'a str, prefix: &str) -> Result<T, Error> {
    read(text, prefix, T::decode)
}

/// Reads one value from `text` with `read`, and nothing after it; errors are located under
/// `prefix`.
pub(crate) fn read<'a, T>(
    text: &'a str,
    prefix: &str,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Fault>,
) -> Result<T, Error> {
    let mut reader = Reader::new(text);
    read(&mut reader)
        .and_then(|value| reader.end().map(|()| value))
        .map_err(|fault| fault.locate(text, prefix))
}

/// Decodes a top-level member that an earlier pass captured; `name` if it is absent.
pub(crate) fn member<'a, T: Decode<'a>>(raw: Option<Raw<'a>>, name: &str) -> Result<T, Error> {
    from_text(raw.ok_or_else(|| Error::missing(name))?.0, name)
}

/// How deep the reader itself follows containers, whatever it reads (a policy, a captured
/// member): a bound on its recursion. Bodies are held to `input::MAX_DEPTH` before it starts.
const READER_DEPTH: usize = 128;

/// JSON's whitespace (RFC 8259); Rust's `is_ascii_whitespace` also admits form feed.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// Why reading stopped, and at which byte of the text.
#[derive(Debug)]
pub struct Fault {
    at: usize,
    what: What,
}

#[derive(Debug)]
enum What {
    /// Not JSON.
    Syntax(&'static str),
    /// Nested deeper than the reader follows.
    Deep,
    /// A well-formed integer too large for its field.
    Range,
    /// Well-formed JSON that the model refuses.
    Data(Cow<'static, str>),
    /// The object at `at` lacks this member.
    Missing(String),
}

impl Fault {
    fn syntax(at: usize, message: &'static str) -> Self {
        Self {
            at,
            what: What::Syntax(message),
        }
    }

    /// A model's own refusal of the value at `at`.
    pub fn data(at: usize, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            at,
            what: What::Data(message.into()),
        }
    }

    pub fn missing(object_end: usize, field: &str) -> Self {
        Self {
            at: object_end,
            what: What::Missing(String::from(field)),
        }
    }

    pub fn duplicate(key: &Key<'_>) -> Self {
        Self::data(key.at, format!("duplicate field `{}`", key.name))
    }

    pub fn unknown(key: &Key<'_>) -> Self {
        Self::data(key.at, format!("unknown field `{}`", key.name))
    }

    /// Ours as an [`Error`]. Syntax errors in a whole body are located by line and column;
    /// everything else, and anything inside captured text (whose positions mean nothing to the
    /// caller), by the path of the value at fault.
    pub fn locate(self, text: &str, prefix: &str) -> Error {
        let path = || join(prefix, &scan::path_at(text, self.at));
        let position = || match prefix {
            "" => line_column(text.as_bytes(), self.at),
            _ => path(),
        };
        match self.what {
            What::Syntax(message) => Error::new(ErrorKind::Malformed, position(), message),
            What::Deep => Error::new(ErrorKind::TooDeep, position(), "recursion limit exceeded"),
            What::Range => Error::schema(&path(), "number out of range"),
            What::Data(message) => Error::schema(&path(), message),
            What::Missing(field) => Error::missing(&join(&path(), &field)),
        }
    }
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

/// An object member's name, and where it starts (for a duplicate's or stranger's path).
pub struct Key<'a> {
    pub name: Cow<'a, str>,
    pub at: usize,
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

/// A value kept as its JSON text, `null` included, to be decoded later if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Raw<'a>(pub &'a str);

/// A strict JSON reader over one text. Every value it passes over is validated, read or not:
/// the payload is forwarded, and what hookwall accepts, a receiver must be able to parse.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            if !is_space(byte) {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    /// The end of input where more was needed, located at its last byte.
    fn eof(&self, message: &'static str) -> Fault {
        Fault::syntax(self.text.len().saturating_sub(1), message)
    }

    /// Nothing but whitespace may follow the value.
    pub fn end(&mut self) -> Result<(), Fault> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Fault::syntax(self.pos, "trailing characters")),
        }
    }

    /// The next value's first byte, not consumed; the end of input is an error.
    pub fn peek_value(&mut self) -> Result<u8, Fault> {
        self.peek()
            .ok_or_else(|| self.eof("EOF while parsing a value"))
    }

    /// Reads an object into a model: `read` reads the value of the member named `names[i]`.
    /// A name given twice is refused, and so is one the model does not know when `strict`
    /// (else it is validated and skipped); bit `i` of `required` says `names[i]` must be there.
    pub fn members(
        &mut self,
        names: &[&str],
        required: u64,
        strict: bool,
        read: &mut dyn FnMut(&mut Self, usize) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        let mut seen = 0u64;
        let end = self.object(|reader, key| {
            match position(names, &key.name) {
                Some(i) if seen >> i & 1 == 1 => return Err(Fault::duplicate(&key)),
                Some(i) => {
                    seen |= 1 << i;
                    read(reader, i)?;
                }
                None if strict => return Err(Fault::unknown(&key)),
                None => reader.skip()?,
            }
            Ok(())
        })?;
        let missing = required & !seen;
        match names.get(missing.trailing_zeros() as usize) {
            Some(name) if missing != 0 => Err(Fault::missing(end, name)),
            _ => Ok(()),
        }
    }

    /// Reads an object, handing each member's name to `member`, which must read its value.
    /// Returns where the closing brace is (a missing member's location).
    pub fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Key<'a>) -> Result<(), Fault>,
    ) -> Result<usize, Fault> {
        self.open(b'{', "an object")?;
        let mut first = true;
        while let Some(key) = self.next_key(first)? {
            member(self, key)?;
            first = false;
        }
        Ok(self.pos - 1)
    }

    /// Reads an array, `element` reading each element.
    pub fn array(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        self.open(b'[', "a sequence")?;
        let mut first = true;
        while self.next_element(first)? {
            element(self)?;
            first = false;
        }
        Ok(())
    }

    /// Enters the container that `bracket` opens, which must come next.
    #[inline(never)]
    fn open(&mut self, bracket: u8, expected: &'static str) -> Result<(), Fault> {
        if self.peek_value()? != bracket {
            return Err(self.invalid_type(expected));
        }
        self.depth += 1;
        if self.depth > READER_DEPTH {
            return Err(Fault {
                at: self.pos,
                what: What::Deep,
            });
        }
        self.pos += 1;
        Ok(())
    }

    /// The next member's name, its colon consumed; `None` after the closing brace.
    #[inline(never)]
    fn next_key(&mut self, first: bool) -> Result<Option<Key<'a>>, Fault> {
        if !self.more(
            first,
            b'}',
            "expected `,` or `}`",
            "EOF while parsing an object",
        )? {
            return Ok(None);
        }
        match self.peek() {
            Some(b'"') => {}
            Some(_) => return Err(Fault::syntax(self.pos, "key must be a string")),
            None => return Err(self.eof("EOF while parsing an object")),
        }
        let at = self.pos;
        let name = self.string_at()?;
        match self.peek() {
            Some(b':') => self.pos += 1,
            Some(_) => return Err(Fault::syntax(self.pos, "expected `:`")),
            None => return Err(self.eof("EOF while parsing an object")),
        }
        Ok(Some(Key { name, at }))
    }

    /// Whether another element follows; the closing bracket is consumed when none does.
    #[inline(never)]
    fn next_element(&mut self, first: bool) -> Result<bool, Fault> {
        self.more(
            first,
            b']',
            "expected `,` or `]`",
            "EOF while parsing a list",
        )
    }

    /// After `{`/`[` or a member: whether another member follows (its comma consumed), or the
    /// container ends (its bracket consumed).
    fn more(
        &mut self,
        first: bool,
        close: u8,
        expected: &'static str,
        eof: &'static str,
    ) -> Result<bool, Fault> {
        match self.peek() {
            Some(byte) if byte == close => {
                self.depth -= 1;
                self.pos += 1;
                Ok(false)
            }
            None => Err(self.eof(eof)),
            _ if first => Ok(true),
            Some(b',') => {
                self.pos += 1;
                match self.peek() {
                    Some(byte) if byte == close => Err(Fault::syntax(self.pos, "trailing comma")),
                    _ => Ok(true),
                }
            }
            Some(_) => Err(Fault::syntax(self.pos, expected)),
        }
    }

    pub fn string(&mut self, expected: &'static str) -> Result<Cow<'a, str>, Fault> {
        match self.peek_value()? {
            b'"' => self.string_at(),
            _ => Err(self.invalid_type(expected)),
        }
    }

    /// A string that names one of `variants`; another string is refused without quoting it.
    pub fn variant<T: Copy>(
        &mut self,
        variants: &[(&str, T)],
        expected: &'static str,
    ) -> Result<T, Fault> {
        self.peek_value()?;
        let at = self.pos;
        let name = self.string(expected)?;
        variants
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, value)| value)
            .ok_or_else(|| Fault::data(at, format!("unknown variant, expected {expected}")))
    }

    /// Whether the next value is `null`, which is then consumed.
    pub fn null(&mut self) -> Result<bool, Fault> {
        if self.peek_value()? != b'n' {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    #[inline(never)]
    pub fn boolean(&mut self) -> Result<bool, Fault> {
        match self.peek_value()? {
            b't' => self.literal(b"true").map(|()| true),
            b'f' => self.literal(b"false").map(|()| false),
            _ => Err(self.invalid_type("a boolean")),
        }
    }

    /// An integer of type `T`; one that `T` cannot hold is out of range.
    pub fn integer<T: TryFrom<i128>>(&mut self, expected: &'static str) -> Result<T, Fault> {
        let (value, at) = self.integer_value(expected)?;
        T::try_from(value).map_err(|_| Fault {
            at,
            what: What::Range,
        })
    }

    /// An integer's value, and where it starts; beyond `u64`, `i128::MAX` (out of range for
    /// every field). Accumulated in a `u64`: wasm has no 128-bit multiply.
    #[inline(never)]
    fn integer_value(&mut self, expected: &'static str) -> Result<(i128, usize), Fault> {
        let text = self.number(expected)?;
        let start = self.pos - text.len();
        if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            self.pos = start;
            return Err(self.invalid_type(expected));
        }
        let (negative, digits) = match text.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, text),
        };
        let magnitude = digits
            .bytes()
            .try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .map_or(i128::MAX, i128::from);
        Ok((if negative { -magnitude } else { magnitude }, start))
    }

    /// A number's text, validated.
    #[inline(never)]
    pub fn number(&mut self, expected: &'static str) -> Result<&'a str, Fault> {
        let first = self.peek_value()?;
        if first != b'-' && !first.is_ascii_digit() {
            return Err(self.invalid_type(expected));
        }
        let start = self.pos;
        self.pos = self.number_end(start)?;
        Ok(&self.text[start..self.pos])
    }

    /// The JSON text of the next value, validated.
    pub fn raw(&mut self) -> Result<Raw<'a>, Fault> {
        self.peek_value()?;
        let start = self.pos;
        self.skip()?;
        Ok(Raw(&self.text[start..self.pos]))
    }

    /// Passes over the next value, validating it.
    #[inline(never)]
    pub fn skip(&mut self) -> Result<(), Fault> {
        match self.peek_value()? {
            b'{' => self.object(|r, _| r.skip()).map(drop),
            b'[' => self.array(Self::skip),
            b'"' => self.skip_string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number("a number").map(drop),
            _ => Err(Fault::syntax(self.pos, "expected value")),
        }
    }

    /// The value at `pos` is not what the model expects: validated first (a syntax error says
    /// more), then described by its type as serde would, but never quoting it: a misplaced
    /// secret in a config, or a payload's text, must not reach a log.
    #[inline(never)]
    pub fn invalid_type(&mut self, expected: &'static str) -> Fault {
        let at = self.pos;
        if let Err(fault) = self.skip() {
            return fault;
        }
        let text = &self.text[at..self.pos];
        let found = match text.as_bytes().first() {
            Some(b'{') => "map",
            Some(b'[') => "sequence",
            Some(b'"') => "string",
            Some(b'n') => "null",
            Some(b't' | b'f') => "boolean",
            _ if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) => "floating point",
            _ => "integer",
        };
        Fault::data(at, format!("invalid type: {found}, expected {expected}"))
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), Fault> {
        for (i, &expected) in word.iter().enumerate() {
            match self.bytes().get(self.pos + i) {
                Some(&byte) if byte == expected => {}
                Some(_) => return Err(Fault::syntax(self.pos + i, "expected ident")),
                None => return Err(self.eof("EOF while parsing a value")),
            }
        }
        self.pos += word.len();
        Ok(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, from `start`; returns its end.
    fn number_end(&self, start: usize) -> Result<usize, Fault> {
        let bytes = self.bytes();
        let digits = |mut i: usize| -> Result<usize, Fault> {
            match bytes.get(i) {
                Some(b'0'..=b'9') => {}
                Some(_) => return Err(Fault::syntax(i, "invalid number")),
                None => return Err(self.eof("EOF while parsing a value")),
            }
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            Ok(i)
        };
        let mut i = start + usize::from(bytes.get(start) == Some(&b'-'));
        i = match bytes.get(i) {
            Some(b'0') if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                return Err(Fault::syntax(i + 1, "invalid number"))
            }
            Some(b'0') => i + 1,
            _ => digits(i)?,
        };
        if bytes.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            i = digits(i)?;
        }
        Ok(i)
    }

    /// The string whose opening quote is at `pos`, unescaped; borrowed when it has no escapes.
    #[inline(never)]
    fn string_at(&mut self) -> Result<Cow<'a, str>, Fault> {
        let (text, bytes) = (self.text, self.bytes());
        let start = self.pos + 1;
        let mut i = plain_end(bytes, start);
        if bytes.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(Cow::Borrowed(&text[start..i]));
        }
        let mut out = String::from(&text[start..i]);
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => i = self.unescape(i, &mut out)?,
                Some(_) => return Err(control(i)),
                None => return Err(self.eof("EOF while parsing a string")),
            }
            let run = plain_end(bytes, i);
            out.push_str(&text[i..run]);
            i = run;
        }
    }

    #[inline(never)]
    fn skip_string(&mut self) -> Result<(), Fault> {
        let bytes = self.bytes();
        let mut i = self.pos + 1;
        loop {
            i = plain_end(bytes, i);
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    i = match bytes.get(i + 1) {
                        Some(b'u') => self.unicode(i)?.1,
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i + 2,
                        Some(_) => return Err(Fault::syntax(i + 1, "invalid escape")),
                        None => return Err(self.eof("EOF while parsing a string")),
                    }
                }
                Some(_) => return Err(control(i)),
                None => return Err(self.eof("EOF while parsing a string")),
            }
        }
    }

    /// Appends the escape at `i` (a backslash) to `out`; returns where the text goes on.
    fn unescape(&self, i: usize, out: &mut String) -> Result<usize, Fault> {
        let simple = match self.bytes().get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (c, end) = self.unicode(i)?;
                out.push(c);
                return Ok(end);
            }
            Some(_) => return Err(Fault::syntax(i + 1, "invalid escape")),
            None => return Err(self.eof("EOF while parsing a string")),
        };
        out.push(simple);
        Ok(i + 2)
    }

    /// The character of `\uXXXX` at `i`, or of a surrogate pair `\uXXXX\uXXXX`, and where the
    /// escape ends. A lone surrogate is refused wherever it is, read or skipped: it is no text,
    /// and many receivers' parsers refuse it.
    fn unicode(&self, i: usize) -> Result<(char, usize), Fault> {
        let lone = || Fault::syntax(i + 5, "lone leading surrogate in hex escape");
        let first = self.hex(i + 2)?;
        let (code, end) = match first {
            0xD800..=0xDBFF => {
                if self.bytes().get(i + 6..i + 8) != Some(b"\\u") {
                    return Err(Fault::syntax(i + 6, "unexpected end of hex escape"));
                }
                let second = self.hex(i + 8)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(lone());
                }
                let code =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                (code, i + 12)
            }
            0xDC00..=0xDFFF => return Err(lone()),
            _ => (u32::from(first), i + 6),
        };
        let c = char::from_u32(code)
            .ok_or_else(|| Fault::syntax(end - 1, "invalid unicode code point"))?;
        Ok((c, end))
    }

    /// Four hex digits at `i`.
    fn hex(&self, i: usize) -> Result<u16, Fault> {
        let mut value = 0u16;
        for at in i..i + 4 {
            let digit = match self.bytes().get(at) {
                Some(&b) => char::from(b)
                    .to_digit(16)
                    .ok_or_else(|| Fault::syntax(at, "invalid escape"))?,
                None => return Err(self.eof("EOF while parsing a string")),
            };
            value = value << 4 | digit as u16;
        }
        Ok(value)
    }
}

/// Which of `names` is `name`: lengths and first bytes rule out nearly all before a comparison.
fn position(names: &[&str], name: &str) -> Option<usize> {
    let (length, first) = (name.len(), name.as_bytes().first());
    names.iter().position(|known| {
        known.len() == length && known.as_bytes().first() == first && *known == name
    })
}

fn control(at: usize) -> Fault {
    Fault::syntax(
        at,
        "control character (\\u0000-\\u001F) found while parsing a string",
    )
}

/// From `i`, the first byte that ends a plain run of string contents: a quote, a backslash or
/// a control character. Most of a payload is string contents: eight bytes at a time, the first
/// such byte found from the lowest bit of the word's mask (the classic zero-byte test is exact
/// for the first byte it marks).
fn plain_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..i + 8) {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        let special = scan::below(word, 0x20)
            | scan::equal_bytes(word, b'"')
            | scan::equal_bytes(word, b'\\');
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes
        .get(i)
        .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn joins_paths() {
        assert_eq!(join("details", "source.value"), "details.source.value");
        assert_eq!(
            join("details.behaviors", "[1].label"),
            "details.behaviors[1].label"
        );
        assert_eq!(join("", "metadata"), "metadata");
    }

    fn string(json: &str) -> Result<Cow<'_, str>, String> {
        let mut reader = Reader::new(json);
        reader
            .string("a string")
            .map_err(|f| f.locate(json, "").to_string())
    }

    #[test]
    fn unescapes_strings() {
        assert!(matches!(
            string(r#""plain text""#),
            Ok(Cow::Borrowed("plain text"))
        ));
        assert_eq!(
            string(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 long enough for a word""#).unwrap(),
            "a\"b\\c/d\u{8}\u{c}\n\r\t\u{e9}\u{1F600} long enough for a word"
        );
        assert!(string(r#""\ud83d""#)
            .unwrap_err()
            .ends_with("unexpected end of hex escape"));
        assert!(string(r#""\ud83d\u0041""#)
            .unwrap_err()
            .ends_with("lone leading surrogate in hex escape"));
        assert!(string(r#""\ude00x""#)
            .unwrap_err()
            .ends_with("lone leading surrogate in hex escape"));
        assert!(string(r#""\x""#).unwrap_err().ends_with("invalid escape"));
        assert!(string(r#""\u12g4""#)
            .unwrap_err()
            .ends_with("invalid escape"));
        assert!(string("\"tab\there\"")
            .unwrap_err()
            .contains("control character"));
        assert!(string("\"unterminated")
            .unwrap_err()
            .ends_with("EOF while parsing a string"));
    }

    fn skip(json: &str) -> Result<(), String> {
        let mut reader = Reader::new(json);
        reader
            .skip()
            .and_then(|()| reader.end())
            .map_err(|f| f.locate(json, "").to_string())
    }

    #[test]
    fn validates_what_it_skips() {
        for good in [
            r#"{"a": [1, -0, 2.5e-3, 1E+2, true, false, null, "x\"\u00e9", {}, []]}"#,
            " [ ] ",
            "0",
        ] {
            assert_eq!(skip(good), Ok(()), "{good}");
        }
        for (bad, message) in [
            ("[1,]", "line 1 column 4: trailing comma"),
            (r#"{"a":1,}"#, "line 1 column 8: trailing comma"),
            (r#"{"a" 1}"#, "line 1 column 6: expected `:`"),
            (r#"{1: 2}"#, "line 1 column 2: key must be a string"),
            ("[1 2]", "line 1 column 4: expected `,` or `]`"),
            ("01", "line 1 column 2: invalid number"),
            ("1.", "line 1 column 2: EOF while parsing a value"),
            ("-x", "line 1 column 2: invalid number"),
            ("tru", "line 1 column 3: EOF while parsing a value"),
            ("nul1", "line 1 column 4: expected ident"),
            ("[", "line 1 column 1: EOF while parsing a list"),
            (r#""\q""#, "line 1 column 3: invalid escape"),
            ("1 2", "line 1 column 3: trailing characters"),
            ("\u{c}1", "line 1 column 1: expected value"),
        ] {
            assert_eq!(skip(bad), Err(String::from(message)), "{bad}");
        }
    }

    #[test]
    fn bounds_its_own_recursion() {
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert!(skip(&deep)
            .unwrap_err()
            .ends_with("recursion limit exceeded"));
        let fine = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(skip(&fine), Ok(()));
    }

    #[test]
    fn finds_plain_runs_word_by_word() {
        for pad in 0..20 {
            for stop in ["\"", "\\", "\n", "\u{1f}"] {
                let text = format!("{}{stop}xxxxxxxx", "é".repeat(pad));
                assert_eq!(plain_end(text.as_bytes(), 0), pad * 2, "{pad} {stop:?}");
            }
        }
    }

    #[test]
    fn type_errors_never_quote_the_value() {
        let read = |json: &str| {
            Reader::new(json)
                .string("a string")
                .map(drop)
                .map_err(|f| f.locate(json, "").to_string())
        };
        for (json, found) in [
            ("73915582011", "integer"),
            ("-7.5e3", "floating point"),
            (&"9".repeat(40), "integer"),
            ("true", "boolean"),
            ("null", "null"),
            ("[1]", "sequence"),
            ("{\"a\": 1}", "map"),
        ] {
            assert_eq!(
                read(json),
                Err(format!("invalid type: {found}, expected a string")),
                "{json}"
            );
        }
        let variant = Reader::new("\"hunter2\"")
            .variant(&[("a", 1)], "`a`")
            .map_err(|f| f.locate("\"hunter2\"", "").to_string());
        assert_eq!(variant, Err(String::from("unknown variant, expected `a`")));
    }

    #[test]
    fn reads_integers_in_range_only() {
        let read = |json: &str| {
            Reader::new(json)
                .integer::<i64>("i64")
                .map_err(|f| f.locate(json, "").to_string())
        };
        assert_eq!(read("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(read("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(
            read("9223372036854775808"),
            Err(String::from("number out of range"))
        );
        assert_eq!(
            read(&"9".repeat(400)),
            Err(String::from("number out of range"))
        );
        assert_eq!(
            read("1.5"),
            Err(String::from("invalid type: floating point, expected i64"))
        );
        assert_eq!(
            read("\"7\""),
            Err(String::from("invalid type: string, expected i64"))
        );
    }
}
