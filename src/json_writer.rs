//! The output side of JSON, written by hand: a serializer's generic machinery would cost the
//! Envoy filter code size for the few shapes hookwall writes. Strings are escaped exactly as
//! serde_json escapes them, so the output is the same byte for byte.

use alloc::string::String;

/// A value that appends itself to `out` as JSON.
pub(crate) trait WriteJson {
    fn write_json(&self, out: &mut String);
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl WriteJson for str {
    fn write_json(&self, out: &mut String) {
        string(out, self);
    }
}

impl WriteJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl WriteJson for i64 {
    fn write_json(&self, out: &mut String) {
        let mut digits = [0u8; 20];
        let mut rest = self.unsigned_abs();
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if *self < 0 {
            out.push('-');
        }
        out.extend(digits[start..].iter().map(|&d| char::from(d)));
    }
}

/// `text` as a JSON string. Like serde_json, escapes only `"`, `\` and control characters
/// (`\b \t \n \f \r`, the others as `\u00XX`); everything else stays as UTF-8.
pub(crate) fn string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut clean = 0;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0..0x20 => "\\u00",
            _ => continue,
        };
        // `byte` is ASCII, so `i` is a character boundary.
        out.push_str(&text[clean..i]);
        out.push_str(escape);
        if escape == "\\u00" {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        clean = i + 1;
    }
    out.push_str(&text[clean..]);
    out.push('"');
}

/// A JSON array of `items`.
pub(crate) fn array<I>(out: &mut String, items: I)
where
    I: IntoIterator,
    I::Item: WriteJson,
{
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item.write_json(out);
    }
    out.push(']');
}

/// A JSON object whose members `members` writes, in the order it writes them.
pub(crate) fn object(out: &mut String, members: impl FnOnce(&mut Object<'_>)) {
    out.push('{');
    members(&mut Object { out, empty: true });
    out.push('}');
}

/// The members of an object being written; see [`object`].
pub(crate) struct Object<'o> {
    out: &'o mut String,
    empty: bool,
}

impl Object<'_> {
    pub(crate) fn field<T: WriteJson + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        value.write_json(self.key(name));
        self
    }

    /// A member only when there is a value: absent rather than `null`.
    pub(crate) fn optional<T: WriteJson>(&mut self, name: &str, value: Option<T>) -> &mut Self {
        if let Some(value) = value {
            self.field(name, &value);
        }
        self
    }

    /// An array of strings, absent when empty.
    pub(crate) fn strings<S: AsRef<str>>(&mut self, name: &str, values: &[S]) -> &mut Self {
        if !values.is_empty() {
            array(self.key(name), values.iter().map(AsRef::as_ref));
        }
        self
    }

    /// A member whose value is already JSON text.
    pub(crate) fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name).push_str(json);
        self
    }

    /// Writes `"name":`, after a comma unless it is the first member; returns where the value goes.
    fn key(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        string(self.out, name);
        self.out.push(':');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use alloc::borrow::Cow;
    use alloc::vec;

    use super::*;
    use crate::tree::Tree;

    fn json(value: &(impl WriteJson + ?Sized)) -> String {
        let mut out = String::new();
        value.write_json(&mut out);
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_control: String = (0u8..0x20).map(char::from).collect();
        every_control.push_str("\u{7f}\u{80}\u{9f}");
        for text in [
            "",
            "plain",
            every_control.as_str(),
            "\"quoted\" and \\back\\slashed\\",
            "é, ü, 中文, 😀, \u{feff}",
            "line\u{2028}paragraph\u{2029}separators",
            "</script><!-- & ' /",
            "\u{0}\"\\\u{1f}",
        ] {
            assert_eq!(json(text), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn integers_are_written_in_full() {
        for n in [
            0,
            7,
            -7,
            10,
            99,
            100,
            -100,
            1_700_000_000,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(json(&n), serde_json::to_string(&n).unwrap());
        }
    }

    #[test]
    fn objects_skip_absent_members() {
        let mut out = String::new();
        object(&mut out, |o| {
            o.field("a", "x")
                .optional("none", None::<bool>)
                .optional("some", Some(true))
                .strings("empty", &[] as &[&str])
                .strings("list", &["1", "2"])
                .raw("raw", "{\"k\":[]}");
        });
        assert_eq!(
            out,
            r#"{"a":"x","some":true,"list":["1","2"],"raw":{"k":[]}}"#
        );
        out.clear();
        object(&mut out, |_| {});
        assert_eq!(out, "{}");
    }

    #[test]
    fn tree_numbers_are_written_verbatim() {
        let numbers = ["1.50", "-0", "1e400", "12345678901234567890", "2.5E+3", "0"];
        let tree = Tree::Object(vec![
            (
                Cow::Borrowed("n"),
                Tree::Array(
                    numbers
                        .iter()
                        .map(|&n| Tree::Number(Cow::Borrowed(n)))
                        .collect(),
                ),
            ),
            (
                Cow::Borrowed("k\n\"é"),
                Tree::String(Cow::Borrowed("\u{2028}")),
            ),
            (
                Cow::Borrowed("rest"),
                Tree::Array(vec![
                    Tree::Null,
                    Tree::Bool(false),
                    Tree::Array(vec![]),
                    Tree::Object(vec![]),
                ]),
            ),
        ]);
        assert_eq!(
            json(&tree),
            "{\"n\":[1.50,-0,1e400,12345678901234567890,2.5E+3,0],\
             \"k\\n\\\"é\":\"\u{2028}\",\"rest\":[null,false,[],{}]}"
        );
    }
}
