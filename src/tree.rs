//! A JSON value that borrows its strings from the input: for the free-form parts of a payload
//! (Sectigo's bodies) and for redaction, at a fraction of `serde_json::Value`'s allocations.
//! Object members keep their order and their repeats, so a redacted payload reads like the
//! original (`serde_json`'s `Value` sorts members and keeps the last of a repeated name unless
//! built with `std`).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use alloc::string::ToString;
use core::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::input::Text;
use crate::json::Verbatim;

/// One JSON value, its strings borrowed from the input unless they had escapes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Tree<'a> {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// As `serde_json` reads and writes it: integers exactly, others as the nearest f64.
    Number(Number<'a>),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array, in order.
    Array(Vec<Tree<'a>>),
    /// An object's members in the input's order, repeated names included.
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
}

impl<'de: 'a, 'a> Deserialize<'de> for Tree<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Values)
    }
}

struct Values;

impl<'de> Visitor<'de> for Values {
    type Value = Tree<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Tree::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Tree::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Tree::Number(Number::read(Cow::Owned(n.to_string()))))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Tree::Number(Number::read(Cow::Owned(n.to_string()))))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        // serde_json reads only finite numbers.
        let text = serde_json::Number::from_f64(n).map(|n| n.to_string());
        Ok(text.map_or(Tree::Null, |text| {
            Tree::Number(Number::read(Cow::Owned(text)))
        }))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Tree::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Tree::String(Cow::Owned(s.into())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Tree::Object(members))
    }
}

/// Written as read: members in order, numbers as their text.
impl Serialize for Tree<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Number(n) => Verbatim(n.as_str()).serialize(serializer),
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

/// A number's JSON text, as `serde_json` read it. Only the core builds one, from what it read,
/// so writers copy it as it is without checking it again:
///
/// ```compile_fail
/// let n = hookwall::tree::Number::read(std::borrow::Cow::Borrowed("not a number"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number<'a>(Cow<'a, str>);

impl<'a> Number<'a> {
    /// `text`, which is a JSON number.
    pub(crate) const fn read(text: Cow<'a, str>) -> Self {
        Self(text)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;

    #[test]
    fn trees_keep_order_and_repeats_and_borrow_plain_strings() {
        let text = r#"{"b": [1, -2, 2.50, true, null], "a": "x", "b": "\u00e9"}"#;
        let tree: Tree = serde_json::from_str(text).unwrap();
        let Tree::Object(members) = &tree else {
            panic!("{tree:?}")
        };
        let keys: Vec<&str> = members.iter().map(|(k, _)| &**k).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert!(matches!(&members[1].1, Tree::String(Cow::Borrowed("x"))));
        assert_eq!(
            serde_json::to_string(&tree).unwrap(),
            r#"{"b":[1,-2,2.5,true,null],"a":"x","b":"é"}"#
        );
    }

    #[test]
    fn trees_are_written_as_read() {
        let numbers = ["1.50", "-0", "1e400", "12345678901234567890", "2.5E+3", "0"];
        let tree = Tree::Object(vec![
            (
                Cow::Borrowed("n"),
                Tree::Array(
                    numbers
                        .iter()
                        .map(|&n| Tree::Number(Number::read(Cow::Borrowed(n))))
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
}
