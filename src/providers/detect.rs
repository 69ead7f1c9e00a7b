//! Which provider sent a payload, from its shape alone.
//!
//! One skimming pass captures the top-level members that tell the providers apart, and
//! `details.event_type`, which chooses the model that CrowdSec's parser then reads the body with. Cloud66's and Sectigo's models
//! read a whole body in one pass, so on their own routes they run first and detection only
//! explains a refusal; they check the same [`Markers`], so both ways decide alike.

use alloc::borrow::Cow;
use alloc::format;
use core::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::Provider;
use crate::input::{self, present, Object, Text};
use crate::{Error, ErrorKind, Location};

/// The top-level members that identify a provider, captured unparsed (`null` included).
#[derive(Debug, Deserialize)]
pub(crate) struct Probe<'a> {
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<IgnoredAny>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub details: Option<Details<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub event_type: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub timestamp: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    pub event: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    pub target: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    pub partner: Option<IgnoredAny>,
}

impl Probe<'_> {
    /// Neither envelope nor `event_type`: on a CrowdSec route, the bare `blocking_safe_ip`,
    /// whose JSON Schema gives `event_type` that default; its model says what else is missing.
    fn is_bare(&self) -> bool {
        self.metadata.is_none() && self.details.is_none() && self.event_type.is_none()
    }
}

/// CrowdSec's `details` as far as choosing its model needs: an object's `event_type`, unparsed
/// (the first, if repeated: the model refuses a repeat), or something else, which the model
/// refuses.
#[derive(Debug)]
pub(crate) enum Details<'a> {
    Object { event_type: Option<&'a RawValue> },
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Details<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DetailsVisitor)
    }
}

struct DetailsVisitor;

impl<'de> Visitor<'de> for DetailsVisitor {
    type Value = Details<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut event_type = None;
        while let Some(Text(key)) = map.next_key()? {
            if key == "event_type" && event_type.is_none() {
                event_type = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Details::Object { event_type })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Details::Other)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Details::Other)
    }
}

/// Which provider's one-pass model reads the body, from its first member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guess {
    CrowdSec,
    Cloud66,
    Sectigo,
    None,
}

/// Guesses the provider from the body's first member, as each provider documents its
/// payload's order, to save the detection pass. A CrowdSec envelope (`metadata` or `details`,
/// which make one whatever else the body holds) is read at once; otherwise Cloud66's or
/// Sectigo's model reads the body, checking its whole shape (their [`Markers`]). Only a guess:
/// a body that its model refuses, or that starts otherwise, goes through detection as before,
/// so the outcome is the same either way.
pub(crate) fn guess(text: &str) -> Guess {
    match first_name(text) {
        Some("metadata" | "details") => Guess::CrowdSec,
        Some("timestamp" | "event_type") => Guess::Cloud66,
        Some("id" | "event") => Guess::Sectigo,
        _ => Guess::None,
    }
}

/// The name of the body's first member, if written without escapes: enough for a guess, which
/// the model then checks, so no more of the text is looked at by hand than this.
fn first_name(text: &str) -> Option<&str> {
    let space = |c: char| u8::try_from(c).is_ok_and(input::is_space);
    let rest = text.trim_start_matches(space).strip_prefix('{')?;
    let (name, _) = rest
        .trim_start_matches(space)
        .strip_prefix('"')?
        .split_once('"')?;
    (!name.contains('\\')).then_some(name)
}

/// Whose payload this is, with what the detection pass already captured.
pub(crate) enum Shape<'a> {
    /// CrowdSec's `metadata`/`details` envelope.
    CrowdSecEnvelope(Probe<'a>),
    /// CrowdSec's `blocking_safe_ip`, which the docs show without the envelope.
    CrowdSecBare,
    Cloud66,
    Sectigo,
}

/// Detects the provider; a `hint` (from the route) that the payload contradicts is an error,
/// and a payload in no known shape is parsed as the hinted provider's, for precise errors.
pub(crate) fn shape<'a>(text: &'a str, hint: Option<Provider>) -> Result<Shape<'a>, Error> {
    let Object(probe): Object<Probe<'a>> = input::read(text, "")?;
    let detected = detect(&probe);
    match (detected, hint) {
        (Some(found), Some(expected)) if found != expected => {
            Err(mismatch(found.provider(), expected))
        }
        (Some(found), _) => Ok(found.with(probe)),
        (None, Some(Provider::CrowdSec)) if probe.is_bare() => Ok(Shape::CrowdSecBare),
        (None, Some(Provider::CrowdSec)) => Ok(Shape::CrowdSecEnvelope(probe)),
        (None, Some(Provider::Cloud66)) => Ok(Shape::Cloud66),
        (None, Some(Provider::Sectigo)) => Ok(Shape::Sectigo),
        (None, None) => Err(unrecognized()),
    }
}

fn unrecognized() -> Error {
    Error::new(
        ErrorKind::Unrecognized,
        Location::Whole,
        "no provider's shape: expected CrowdSec's metadata/details envelope, Cloud66's \
         dotted event_type with an integer timestamp, or Sectigo's id/event/target/body/partner",
    )
}

/// A payload of one provider on a route of another.
fn mismatch(found: Provider, expected: Provider) -> Error {
    Error::new(
        ErrorKind::ProviderMismatch,
        Location::Whole,
        format!("payload has the shape of a {found} event, but this route expects {expected}"),
    )
}

/// The shapes, before they take what the probe captured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    CrowdSecEnvelope,
    CrowdSecBare,
    Cloud66,
    Sectigo,
}

impl Found {
    fn provider(self) -> Provider {
        match self {
            Self::CrowdSecEnvelope | Self::CrowdSecBare => Provider::CrowdSec,
            Self::Cloud66 => Provider::Cloud66,
            Self::Sectigo => Provider::Sectigo,
        }
    }

    fn with(self, probe: Probe<'_>) -> Shape<'_> {
        match self {
            Self::CrowdSecEnvelope => Shape::CrowdSecEnvelope(probe),
            Self::CrowdSecBare => Shape::CrowdSecBare,
            Self::Cloud66 => Shape::Cloud66,
            Self::Sectigo => Shape::Sectigo,
        }
    }
}

impl PartialEq<Provider> for Found {
    fn eq(&self, other: &Provider) -> bool {
        self.provider() == *other
    }
}

fn detect(probe: &Probe<'_>) -> Option<Found> {
    let event_type = text(probe.event_type);
    Markers {
        metadata: probe.metadata.is_some(),
        details: probe.details.is_some(),
        event_type: event_type.as_deref(),
        integer_timestamp: is_integer(probe.timestamp),
        event: probe.event.is_some(),
        target: probe.target.is_some(),
        partner: probe.partner.is_some(),
    }
    .found()
}

/// A captured member's value, if it is a string.
pub(crate) fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    raw.and_then(|r| serde_json::from_str::<Text>(r.get()).ok())
        .map(|t| t.0)
}

/// Whether a captured member is an integer.
pub(crate) fn is_integer(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| serde_json::from_str::<i64>(r.get()).is_ok())
}

/// What tells the providers apart, however a parser read it: which marking members are
/// present, and what `event_type` and `timestamp` are.
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per marking member, each present or not independently"
)]
pub(crate) struct Markers<'s> {
    pub metadata: bool,
    pub details: bool,
    /// `event_type`, when it is a string.
    pub event_type: Option<&'s str>,
    /// `timestamp` is an integer.
    pub integer_timestamp: bool,
    pub event: bool,
    pub target: bool,
    pub partner: bool,
}

impl Markers<'_> {
    fn found(&self) -> Option<Found> {
        if self.metadata || self.details {
            return Some(Found::CrowdSecEnvelope);
        }
        if self.event_type == Some("blocking_safe_ip") {
            return Some(Found::CrowdSecBare);
        }
        if self.event_type.is_some_and(|t| t.contains('.')) && self.integer_timestamp {
            return Some(Found::Cloud66);
        }
        if self.event && (self.target || self.partner) {
            return Some(Found::Sectigo);
        }
        None
    }

    /// Refuses a payload that a model of `expected` read, if it has another provider's shape;
    /// without a route's `hint`, also one in no provider's shape, which the model was only
    /// guessed for (detection then decides).
    pub fn check(&self, expected: Provider, hint: Option<Provider>) -> Result<(), Error> {
        match (self.found(), hint) {
            (Some(found), _) if found != expected => Err(mismatch(found.provider(), expected)),
            (None, None) => Err(unrecognized()),
            _ => Ok(()),
        }
    }
}
