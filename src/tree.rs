//! A JSON value that borrows its strings from the input: for the free-form parts of a payload
//! (Sectigo's bodies) and for redaction, at a fraction of `serde_json::Value`'s allocations.
//! Object members keep their order, so a redacted payload reads like the original.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::decode::Decode;
use crate::json::{Fault, Reader};

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Tree<'a> {
    #[default]
    Null,
    Bool(bool),
    /// As written in the input, so it is forwarded exactly.
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Vec<(Cow<'a, str>, Tree<'a>)>),
}

impl<'a> Tree<'a> {
    /// The first member named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Self::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Tree<'a>> {
        match self {
            Self::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
}

impl<'a> Decode<'a> for Tree<'a> {
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        Ok(match reader.peek_value()? {
            b'{' => {
                let mut members = Vec::new();
                reader.object(|reader, key| {
                    members.push((key.name, Tree::decode(reader)?));
                    Ok(())
                })?;
                Tree::Object(members)
            }
            b'[' => Tree::Array(Vec::decode(reader)?),
            b'"' => Tree::String(reader.string("a string")?),
            b't' | b'f' => Tree::Bool(reader.boolean()?),
            b'n' => {
                reader.null()?;
                Tree::Null
            }
            _ => Tree::Number(Cow::Borrowed(reader.number("any JSON value")?)),
        })
    }
}

/// Written as read: members in order, numbers as their text.
impl Serialize for Tree<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Number(n) => raw(n).serialize(serializer),
            Self::String(s) => serializer.serialize_str(s),
            Self::Array(items) => serializer.collect_seq(items),
            Self::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// `json`, valid JSON text, as a value serde_json writes verbatim. serde_json only borrows text
/// it has checked, so text that is not JSON (a tree built by hand, not read) is written as a
/// string rather than corrupting the output.
pub(crate) fn raw(json: &str) -> Raw<'_> {
    match serde_json::from_str::<&RawValue>(json) {
        Ok(value) => Raw::Json(value),
        Err(_) => Raw::Text(json),
    }
}

/// See [`raw`].
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Raw<'a> {
    Json(&'a RawValue),
    Text(&'a str),
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    #[test]
    fn trees_are_written_as_read() {
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
                Tree::String(Cow::Borrowed("\u{2028}\u{1f}/")),
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
            (Cow::Borrowed("n"), Tree::Bool(true)),
        ]);
        assert_eq!(
            serde_json::to_string(&tree).unwrap(),
            "{\"n\":[1.50,-0,1e400,12345678901234567890,2.5E+3,0],\
             \"k\\n\\\"é\":\"\u{2028}\\u001f/\",\"rest\":[null,false,[],{}],\"n\":true}"
        );
    }

    #[test]
    fn a_number_that_is_not_json_is_written_as_a_string() {
        for text in ["", "1 2", "NaN", "{}x", "\""] {
            let tree = Tree::Array(vec![Tree::Number(Cow::Borrowed(text))]);
            let json = serde_json::to_string(&tree).unwrap();
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(back[0], text, "{json}");
        }
    }
}
