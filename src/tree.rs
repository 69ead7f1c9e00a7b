//! A JSON value that borrows its strings from the input: for the free-form parts of a payload
//! (Sectigo's bodies) and for redaction, at a fraction of `serde_json::Value`'s allocations.
//! Object members keep their order, so a redacted payload reads like the original.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::decode::Decode;
use crate::json::{Fault, Reader};
use crate::json_writer::{self, WriteJson};

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

impl WriteJson for Tree<'_> {
    fn write_json(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => b.write_json(out),
            Self::Number(n) => out.push_str(n),
            Self::String(s) => json_writer::string(out, s),
            Self::Array(items) => json_writer::array(out, items),
            Self::Object(members) => json_writer::object(out, |o| {
                for (key, value) in members {
                    o.field(key, value);
                }
            }),
        }
    }
}
