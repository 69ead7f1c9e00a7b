//! Decoding JSON into typed models, as serde's derive would, in a fraction of its code: one
//! trait, its impls for the field types the models use, and [`model!`](crate::model), which
//! declares a model and writes its decoder from the field list. Public so that the runtimes read
//! their own configuration the same way, without a second JSON library in the .wasm.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::json::{Fault, Raw, Reader, Text};

/// A type that reads itself from the reader's next value. The impls here are kept out of line:
/// inlined into every model's match arms, they cost more size than their calls cost time.
pub trait Decode<'a>: Sized {
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault>;
}

impl<'a> Decode<'a> for Text<'a> {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.string("a string").map(Text)
    }
}

impl<'a> Decode<'a> for String {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.string("a string").map(Cow::into_owned)
    }
}

impl<'a> Decode<'a> for bool {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.boolean()
    }
}

/// Integers the fields hold; one out of the type's range is refused as such.
macro_rules! integers {
    ($($ty:ident),*) => {$(
        impl<'a> Decode<'a> for $ty {
            #[inline(never)]
            fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
                reader.integer(stringify!($ty))
            }
        }
    )*};
}
integers!(i64, u64, usize);

/// `null` is `None`.
impl<'a, T: Decode<'a>> Decode<'a> for Option<T> {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        match reader.null()? {
            true => Ok(None),
            false => T::decode(reader).map(Some),
        }
    }
}

impl<'a, T: Decode<'a>> Decode<'a> for Vec<T> {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        let mut items = Vec::new();
        reader.array(|reader| T::decode(reader).map(|item| items.push(item)))?;
        Ok(items)
    }
}

impl<'a> Decode<'a> for Raw<'a> {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.raw()
    }
}

/// A number the schema requires but nothing reads (coordinates, percentages): validated, not
/// converted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Number;

impl<'a> Decode<'a> for Number {
    #[inline(never)]
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.number("f64").map(|_| Number)
    }
}

/// Declares a model and its decoder: a struct read from a JSON object, one field per member. A
/// required member's type must be `Default`: the decoder fills the model from its slots after
/// `Reader::members` has checked every required member is there, without an error path per
/// field (which would cost a drop of every other slot, per field).
/// The decoder is a table (the members' names, which are required) for `Reader::members`,
/// and one match arm per field, so each model costs little code.
///
/// Each field is `name: Type`, optionally `name as "json_name": Type`, then a rule for when the
/// member is absent: none (required: absence is an error), `= default` (absent is the type's
/// default; for `Option`, `null` is `None` too), `= present` (an `Option` that may be absent but
/// not `null`) or `= or(expr)`. A member named twice is refused; members the model does not name
/// are validated and skipped, or refused with `strict`.
#[macro_export]
macro_rules! model {
    (@model $strict:literal; $(#[$meta:meta])* $vis:vis struct $name:ident $(<$lt:lifetime>)? {
        $($(#[$fmeta:meta])* $fvis:vis $field:ident $(as $key:literal)? : $ty:ty $(= $rule:ident $(($default:expr))?)?),* $(,)?
    }) => {
        $(#[$meta])*
        $vis struct $name $(<$lt>)? {
            $($(#[$fmeta])* $fvis $field: $ty,)*
        }

        impl<'a> $crate::decode::Decode<'a> for $name $(<$lt>)? {
            fn decode(reader: &mut $crate::json::Reader<'a>) -> Result<Self, $crate::json::Fault> {
                #[allow(non_camel_case_types)]
                enum Field {
                    $($field,)*
                }
                const FIELDS: &[Field] = &[$(Field::$field,)*];
                const NAMES: &[&str] = &[$($crate::model!(@key $field $($key)?),)*];
                const REQUIRED: u64 = 0 $(| $crate::model!(@required $($rule)?) << Field::$field as u64)*;
                #[derive(Default)]
                struct Slots $(<$lt>)? {
                    $($field: Option<$ty>,)*
                }
                let mut slots = Slots::default();
                reader.members(NAMES, REQUIRED, $strict, &mut |reader, index| {
                    match FIELDS.get(index) {
                        $(Some(Field::$field) => {
                            slots.$field = Some($crate::model!(@read reader $ty $(, $rule)?)?);
                        })*
                        None => {}
                    }
                    Ok(())
                })?;
                Ok(Self {
                    $($field: $crate::model!(@absent slots.$field $(, $rule $(($default))?)?),)*
                })
            }
        }
    };
    (@key $field:ident) => { stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
    (@required) => { 1u64 };
    (@required $rule:ident) => { 0u64 };
    (@read $reader:ident $ty:ty, present) => { $crate::decode::Decode::decode($reader).map(Some) };
    (@read $reader:ident $ty:ty $(, $rule:ident)?) => { <$ty as $crate::decode::Decode>::decode($reader) };
    // Required members were checked by `members`.
    (@absent $slot:expr) => { $slot.unwrap_or_default() };
    (@absent $slot:expr, or($default:expr)) => { $slot.unwrap_or_else(|| $default) };
    (@absent $slot:expr, $rule:ident) => { $slot.unwrap_or_default() };
    ($(#[$meta:meta])* $vis:vis struct $($rest:tt)*) => {
        $crate::model!(@model false; $(#[$meta])* $vis struct $($rest)*);
    };
    ($(#[$meta:meta])* $vis:vis strict struct $($rest:tt)*) => {
        $crate::model!(@model true; $(#[$meta])* $vis struct $($rest)*);
    };
}
