//! The JSON writer behind every output the core writes: a `serde` serializer that writes what
//! `serde_json::to_string` writes, byte for byte (the tests compare the two on every shape of
//! serde's data model), faster where hookwall's outputs spend their time.
//!
//! Why not `serde_json`'s own: without `std`, `to_vec` is its only writer, so no buffer can be
//! sized in advance, and it checks every byte of every string, member names included, one at a
//! time. This writer takes a capacity, asks eight bytes at a time whether a text has anything to
//! escape, and copies one that has not whole. Its hot functions are inlined always: in a derived
//! `Serialize`, member names are constants, so their check and copy fold away. Numbers are
//! formatted by the crates `serde_json` uses (`itoa`, `zmij`); `serde_json` still reads every
//! input.
#![expect(
    clippy::inline_always,
    reason = "measured with callgrind (docs/performance.md): a tenth fewer instructions per CloudEvent"
)]

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use core::fmt::{self, Display, Write as _};

use serde::ser::{self, Impossible, Serialize};

/// The struct name under which `serde_json` writes a `RawValue`: its one field's text, verbatim
/// (`serde_json/src/raw.rs`). This writer honours it as `serde_json` does, and [`Verbatim`] uses
/// it so that `serde_json` writes the core's types as this writer does (the tree's tests fail if
/// `serde_json` renames it).
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// JSON text written as it is, as a `RawValue` is. Only text the core has read whole as JSON
/// is: a payload's ([`crate::payload::Raw`]) and a number's ([`crate::tree::Number`]). A
/// `RawValue` of borrowed text can only be had by reading the text again, which they do not need.
pub(crate) struct Verbatim<'a>(pub(crate) &'a str);

impl Serialize for Verbatim<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeStruct;
        let mut raw = serializer.serialize_struct(RAW_VALUE, 1)?;
        raw.serialize_field(RAW_VALUE, self.0)?;
        raw.end()
    }
}

/// `value` as JSON text, in a buffer that starts with room for `capacity` bytes. Writing fails
/// only where a `Serialize` impl does, or on a map key that is not a string, a number or a
/// `bool`, and none of hookwall's outputs has either: there is no error to return.
pub(crate) fn to_string(value: &(impl Serialize + ?Sized), capacity: usize) -> String {
    write(value, capacity).unwrap_or_default()
}

/// Room for a short body: an acknowledgement, an error, a chat message.
pub(crate) const SMALL: usize = 256;

/// `value` as JSON text, or why it cannot be: where `serde_json` fails.
fn write(value: &(impl Serialize + ?Sized), capacity: usize) -> Result<String, Error> {
    let mut writer = Writer(String::with_capacity(capacity));
    value.serialize(&mut writer)?;
    Ok(writer.0)
}

/// Why a value could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(Cow<'static, str>);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Self {
        Self(Cow::Owned(message.to_string()))
    }
}

const KEY_MUST_BE_A_STRING: Error = Error(Cow::Borrowed("key must be a string"));
const FLOAT_KEY_MUST_BE_FINITE: Error = Error(Cow::Borrowed(
    "float key must be finite (got NaN or +/-inf)",
));
const DISPLAY_FAILED: Error = Error(Cow::Borrowed("a Display implementation returned an error"));
const RAW_VALUE_MUST_BE_TEXT: Error = Error(Cow::Borrowed("invalid raw value"));

/// The text being written.
struct Writer(String);

impl Writer {
    /// `text` in quotes, escaped: most texts have nothing to escape, and are copied whole.
    #[inline(always)]
    fn string(&mut self, text: &str) {
        if needs_escaping(text.as_bytes()) {
            self.escaped(text);
        } else {
            self.0.push('"');
            self.0.push_str(text);
            self.0.push('"');
        }
    }

    /// `text`, which has something to escape, in quotes.
    #[cold]
    fn escaped(&mut self, text: &str) {
        self.0.push('"');
        escape(&mut self.0, text);
        self.0.push('"');
    }

    /// `value` formatted as a string: formatted into the output, then escaped there in the rare
    /// case that it needs to be, with no string built first.
    fn display(&mut self, value: &(impl Display + ?Sized)) -> Result<(), Error> {
        self.0.push('"');
        let start = self.0.len();
        write!(self.0, "{value}").map_err(|_| DISPLAY_FAILED)?;
        if needs_escaping(&self.0.as_bytes()[start..]) {
            let formatted = self.0.split_off(start);
            escape(&mut self.0, &formatted);
        }
        self.0.push('"');
        Ok(())
    }

    fn integer(&mut self, value: impl itoa::Integer) {
        self.0.push_str(itoa::Buffer::new().format(value));
    }

    /// A finite float as `serde_json` writes it, `null` for NaN and the infinities.
    fn float(&mut self, value: impl zmij::Float, finite: bool) {
        if finite {
            self.0.push_str(zmij::Buffer::new().format_finite(value));
        } else {
            self.0.push_str("null");
        }
    }

    fn open(&mut self, bracket: char, close: &'static str) -> Compound<'_> {
        self.0.push(bracket);
        Compound {
            writer: self,
            first: true,
            close,
        }
    }

    /// `{"variant":`, for the variants that hold values.
    fn variant(&mut self, variant: &str) {
        self.0.push('{');
        self.string(variant);
        self.0.push(':');
    }
}

/// Writes `text`'s escaped form, a byte at a time.
fn escape(out: &mut String, text: &str) {
    let mut start = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        if is_escaped(byte) {
            out.push_str(&text[start..at]);
            push_escape(out, byte);
            start = at + 1;
        }
    }
    out.push_str(&text[start..]);
}

/// Whether any byte of `bytes` is escaped, looked at eight at a time: words that overlap where
/// the length is not a multiple of eight, two overlapping halves for four to seven bytes.
#[inline(always)]
pub(crate) fn needs_escaping(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len < 4 {
        return bytes.iter().any(|&b| is_escaped(b));
    }
    if len < 8 {
        let low = u64::from(u32::from_le_bytes(array(bytes, 0)));
        let high = u64::from(u32::from_le_bytes(array(bytes, len - 4)));
        return escaped_bytes(low | high << 32) != 0;
    }
    let last = escaped_bytes(u64::from_le_bytes(array(bytes, len - 8)));
    let words = bytes.chunks_exact(8);
    last != 0
        || words
            .map(|w| escaped_bytes(u64::from_le_bytes(array(w, 0))))
            .any(|f| f != 0)
}

/// The `N` bytes at `at`.
fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut array = [0; N];
    array.copy_from_slice(&bytes[at..at + N]);
    array
}

/// The high bit of each byte of `word` that is escaped (`< 0x20`, `"`, `\`), by the classic
/// "has a zero byte" test: a byte may be flagged wrongly only above one flagged rightly, so the
/// word has an escaped byte exactly when this is not zero.
const fn escaped_bytes(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    const fn zero_bytes(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word
    }
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = zero_bytes(word ^ (ONES * b'"' as u64));
    let backslash = zero_bytes(word ^ (ONES * b'\\' as u64));
    (control | quote | backslash) & HIGH
}

/// Whether JSON escapes `byte` in a string.
pub(crate) const fn is_escaped(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// JSON's two-character escape of `byte` (`\n` for a line feed), where it has one.
const fn short_escape(byte: u8) -> Option<char> {
    match byte {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'\n' => Some('n'),
        b'\r' => Some('r'),
        b'\t' => Some('t'),
        0x08 => Some('b'),
        0x0c => Some('f'),
        _ => None,
    }
}

/// How `serde_json` escapes `byte`: the short form where JSON has one, `\u00XX` for the other
/// control characters.
fn push_escape(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('\\');
    if let Some(short) = short_escape(byte) {
        out.push(short);
    } else {
        out.push_str("u00");
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
}

/// What `byte` adds to a string's length when escaped: one for `\n` and the like, five for
/// `\u00XX`, none for a byte written as it is.
pub(crate) const fn escape_extra(byte: u8) -> usize {
    match short_escape(byte) {
        Some(_) => 1,
        None if byte < 0x20 => 5,
        None => 0,
    }
}

/// `fn serialize_i8(self, value: i8) -> Result<(), Error>` and the like, for every integer type,
/// through the serializer's own `integer`.
macro_rules! integers {
    () => {
        integers! {
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128,
        }
    };
    ($($method:ident: $ty:ty,)*) => {
        $(fn $method(self, value: $ty) -> Result<(), Error> {
            self.integer(value);
            Ok(())
        })*
    };
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.0.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    integers!();

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value, value.is_finite());
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value, value.is_finite());
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    #[inline(always)]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.string(value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        ser::Serializer::collect_seq(self, value)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.0.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(variant);
        value.serialize(&mut *self)?;
        self.0.push('}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w>, Error> {
        Ok(self.open('[', "]"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound<'w>, Error> {
        Ok(self.open('[', "]"))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'w>, Error> {
        Ok(self.open('[', "]"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w>, Error> {
        self.variant(variant);
        Ok(self.open('[', "]}"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w>, Error> {
        Ok(self.open('{', "}"))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'w>, Error> {
        if name == RAW_VALUE {
            return Ok(Compound {
                writer: self,
                first: true,
                close: "",
            });
        }
        Ok(self.open('{', "}"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w>, Error> {
        self.variant(variant);
        Ok(self.open('{', "}}"))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.display(value)
    }
}

/// An array, an object or a variant's, being written; `close` ends it (empty for a raw value).
struct Compound<'w> {
    writer: &'w mut Writer,
    first: bool,
    close: &'static str,
}

impl Compound<'_> {
    /// The `,` before every element but the first.
    fn separate(&mut self) {
        if !core::mem::take(&mut self.first) {
            self.writer.0.push(',');
        }
    }

    fn element(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    #[inline(always)]
    fn field(&mut self, key: &str, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        if self.close.is_empty() {
            return value.serialize(RawText(self.writer));
        }
        self.separate();
        self.writer.string(key);
        self.writer.0.push(':');
        value.serialize(&mut *self.writer)
    }

    fn close(self) {
        self.writer.0.push_str(self.close);
    }
}

/// The `serde` traits of a sequence's elements (an array, a tuple, a tuple struct's or
/// variant's fields), each writing through [`Compound::element`].
macro_rules! elements {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.close();
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The `serde` traits of named fields (a struct's, a struct variant's), each writing through
/// [`Compound::field`].
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            #[inline(always)]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Error> {
                self.close();
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separate();
        key.serialize(Key(self.writer))?;
        self.writer.0.push(':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

/// `fn name(self, _: A, …) -> Result<R, Error>` for each method given, refusing with `error`.
macro_rules! refuse {
    ($error:expr; $($method:ident($($arg:ty),*) -> $out:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$out, Error> {
            Err($error)
        })*
    };
}

/// The compound types and methods of a serializer that takes a scalar only (a map key, a raw
/// value's text): every compound, a newtype variant included, is refused with `error`.
macro_rules! scalars_only {
    ($error:expr) => {
        type SerializeSeq = Impossible<(), Error>;
        type SerializeTuple = Impossible<(), Error>;
        type SerializeTupleStruct = Impossible<(), Error>;
        type SerializeTupleVariant = Impossible<(), Error>;
        type SerializeMap = Impossible<(), Error>;
        type SerializeStruct = Impossible<(), Error>;
        type SerializeStructVariant = Impossible<(), Error>;

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Error> {
            Err($error)
        }

        refuse! { $error;
            serialize_seq(Option<usize>) -> Impossible<(), Error>;
            serialize_tuple(usize) -> Impossible<(), Error>;
            serialize_tuple_struct(&'static str, usize) -> Impossible<(), Error>;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Impossible<(), Error>;
            serialize_map(Option<usize>) -> Impossible<(), Error>;
            serialize_struct(&'static str, usize) -> Impossible<(), Error>;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Impossible<(), Error>;
        }
    };
}

/// A map key, written as `serde_json` writes it: a string as it is, a number or a `bool` in
/// quotes, anything else refused.
struct Key<'w>(&'w mut Writer);

impl Key<'_> {
    /// A number or `bool`'s text, which needs no escaping, in quotes.
    fn quoted(self, value: &str) {
        self.0 .0.push('"');
        self.0 .0.push_str(value);
        self.0 .0.push('"');
    }

    fn integer(self, value: impl itoa::Integer) {
        self.quoted(itoa::Buffer::new().format(value));
    }

    fn float(self, value: impl zmij::Float, finite: bool) -> Result<(), Error> {
        if !finite {
            return Err(FLOAT_KEY_MUST_BE_FINITE);
        }
        self.quoted(zmij::Buffer::new().format_finite(value));
        Ok(())
    }
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    scalars_only!(KEY_MUST_BE_A_STRING);

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.0.string(value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.0.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(if value { "true" } else { "false" });
        Ok(())
    }

    integers!();

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.float(value, value.is_finite())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.0.display(value)
    }

    refuse! { KEY_MUST_BE_A_STRING;
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
    }
}

/// The one field of a raw value: its text, written as it is. Only text is a raw value.
struct RawText<'w>(&'w mut Writer);

impl ser::Serializer for RawText<'_> {
    type Ok = ();
    type Error = Error;
    scalars_only!(RAW_VALUE_MUST_BE_TEXT);

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.0 .0.push_str(value);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(RAW_VALUE_MUST_BE_TEXT)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(RAW_VALUE_MUST_BE_TEXT)
    }

    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(RAW_VALUE_MUST_BE_TEXT)
    }

    refuse! { RAW_VALUE_MUST_BE_TEXT;
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_i128(i128) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_u128(u128) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::string::{String, ToString};
    use alloc::vec;
    use alloc::vec::Vec;
    use core::fmt;

    use proptest::prelude::*;
    use serde::{Serialize, Serializer};
    use serde_json::Value;

    use super::{write, RAW_VALUE};

    /// What `serde_json` writes for `value`, or that it fails.
    fn serde_json(value: &(impl Serialize + ?Sized)) -> Option<String> {
        serde_json::to_string(value).ok()
    }

    fn ours(value: &(impl Serialize + ?Sized)) -> Option<String> {
        write(value, 0).ok()
    }

    /// A text formatted in pieces, as `collect_str` receives the CloudEvent's derived fields.
    struct Pieces<'a>(&'a [String]);

    impl fmt::Display for Pieces<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|piece| f.write_str(piece))
        }
    }

    impl Serialize for Pieces<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self)
        }
    }

    /// Bytes through `serialize_bytes`, which a slice's `Serialize` does not call.
    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }

    /// Every shape of serde's data model that is not a `Value`'s.
    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(i8),
        Tuple(u16, Option<char>),
        Struct {
            #[serde(rename = "a\"b\u{1}")]
            wide: i128,
            narrow: u128,
        },
    }

    #[derive(Serialize)]
    struct UnitStruct;

    #[derive(Serialize)]
    struct NewtypeStruct(f32);

    #[derive(Serialize)]
    struct TupleStruct(i16, u32, Shape);

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum KeyVariant {
        Named,
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct KeyNewtype(u8);

    #[derive(Serialize)]
    struct Everything<'a> {
        shapes: Vec<Shape>,
        unit: (),
        unit_struct: UnitStruct,
        newtype_struct: NewtypeStruct,
        tuple: (i32, i64, u8, u64),
        tuple_struct: TupleStruct,
        floats: [f64; 5],
        none: Option<bool>,
        bytes: Bytes<'a>,
        pieces: Pieces<'a>,
        raw: &'a serde_json::value::RawValue,
        int_keys: BTreeMap<i64, bool>,
        bool_keys: BTreeMap<bool, u8>,
        char_keys: BTreeMap<char, u8>,
        variant_keys: BTreeMap<KeyVariant, u8>,
        newtype_keys: BTreeMap<KeyNewtype, u8>,
        some_keys: BTreeMap<Option<u8>, u8>,
    }

    #[test]
    fn writes_every_shape_as_serde_json_does() {
        let raw = serde_json::from_str(r#" {"kept" : [1.50, "\u00e9"]} "#).unwrap();
        let pieces = ["a\"".into(), "é\n".into(), String::new(), "\\z".into()];
        let everything = Everything {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(-8),
                Shape::Tuple(16, Some('\u{7f}')),
                Shape::Tuple(0, None),
                Shape::Struct {
                    wide: i128::MIN,
                    narrow: u128::MAX,
                },
            ],
            unit: (),
            unit_struct: UnitStruct,
            newtype_struct: NewtypeStruct(0.1),
            tuple: (i32::MIN, i64::MAX, 0, u64::MAX),
            tuple_struct: TupleStruct(-1, 7, Shape::Unit),
            floats: [1e300, -0.0, f64::NAN, f64::INFINITY, 2.5e-8],
            none: None,
            bytes: Bytes(&[0, 255, 34]),
            pieces: Pieces(&pieces),
            raw,
            int_keys: [(-3, true), (12, false)].into(),
            bool_keys: [(false, 0), (true, 1)].into(),
            char_keys: [('"', 1), ('é', 2)].into(),
            variant_keys: [(KeyVariant::Named, 1)].into(),
            newtype_keys: [(KeyNewtype(9), 1)].into(),
            some_keys: [(Some(4), 1)].into(),
        };
        let expected = serde_json(&everything).unwrap();
        assert_eq!(ours(&everything).unwrap(), expected);
        assert_eq!(ours(&[(); 0]).unwrap(), "[]");
        assert_eq!(ours(&BTreeMap::<u8, u8>::new()).unwrap(), "{}");
        let float_keys: BTreeMap<_, _> = [(Ordered(1.5), 1), (Ordered(-2e40), 2)].into();
        assert_eq!(ours(&float_keys), serde_json(&float_keys));
    }

    /// An `f64` as a map key.
    struct Ordered(f64);

    impl PartialEq for Ordered {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }

    impl Eq for Ordered {}

    impl PartialOrd for Ordered {
        fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Ordered {
        fn cmp(&self, other: &Self) -> core::cmp::Ordering {
            self.0.total_cmp(&other.0)
        }
    }

    impl Serialize for Ordered {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_f64(self.0)
        }
    }

    /// A `Display` that fails.
    struct Failing;

    impl fmt::Display for Failing {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    impl Serialize for Failing {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self)
        }
    }

    /// Where `serde_json` refuses, this writer refuses too, with its words.
    #[test]
    fn refuses_what_serde_json_refuses() {
        let refused = |error: Option<super::Error>, words: &str| {
            assert_eq!(error.map(|e| e.to_string()).as_deref(), Some(words));
        };
        let list_keys: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        refused(write(&list_keys, 0).err(), "key must be a string");
        assert!(serde_json(&list_keys).is_none());
        let unit_keys: BTreeMap<(), u8> = [((), 1)].into();
        refused(write(&unit_keys, 0).err(), "key must be a string");
        assert!(serde_json(&unit_keys).is_none());
        let nan_keys: BTreeMap<_, _> = [(Ordered(f64::NAN), 1)].into();
        refused(
            write(&nan_keys, 0).err(),
            "float key must be finite (got NaN or +/-inf)",
        );
        assert!(serde_json(&nan_keys).is_none());
        refused(
            write(&Failing, 0).err(),
            "a Display implementation returned an error",
        );
        refused(write(&RawOf(1), 0).err(), "invalid raw value");
        assert!(serde_json(&RawOf(1)).is_none());
    }

    /// A raw value whose field is not text, which only a misuse of the private name makes.
    struct RawOf(u8);

    impl Serialize for RawOf {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut raw = serializer.serialize_struct(RAW_VALUE, 1)?;
            raw.serialize_field(RAW_VALUE, &self.0)?;
            raw.end()
        }
    }

    fn values() -> impl Strategy<Value = Value> {
        let text = "\\PC{0,24}|[\\x00-\\x7f]{0,40}|[\"\\\\\\x00-\\x1f a-z]{0,20}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((text, inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn writes_values_as_serde_json_does(value in values()) {
            prop_assert_eq!(ours(&value), serde_json(&value));
        }

        /// Strings of every length around the eight-byte words, escapes anywhere in them,
        /// whole and formatted in pieces.
        #[test]
        fn escapes_strings_as_serde_json_does(
            text in "[\"\\\\\\x00-\\x1f\\x7f a-zé\u{10000}]{0,40}",
            pieces in prop::collection::vec("\\PC{0,12}|[\\x00-\\x1f\"\\\\]{0,3}", 0..5),
        ) {
            prop_assert_eq!(ours(&text), serde_json(&text));
            let joined: String = pieces.concat();
            prop_assert_eq!(ours(&Pieces(&pieces)), serde_json(&joined));
        }
    }
}
