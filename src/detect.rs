//! Which provider sent a payload, from its shape alone.
//!
//! One skimming pass captures the top-level members that tell the providers apart; the
//! provider's parser then reuses what it captured instead of reading them again.

use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::{json, Error, ErrorKind, Provider};

/// The top-level members that identify a provider, captured unparsed (`null` included).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Probe<'a> {
    #[serde(borrow, default, deserialize_with = "raw")]
    pub metadata: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub details: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub event_type: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub timestamp: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub event: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub target: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub body: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw")]
    pub partner: Option<&'a RawValue>,
}

fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Whose payload this is, with what the detection pass already captured.
pub(crate) enum Shape<'a> {
    /// CrowdSec's `metadata`/`details` envelope.
    CrowdSecEnvelope(Probe<'a>),
    /// CrowdSec's `blocking_safe_ip`, which the docs show without the envelope.
    CrowdSecBare,
    Cloud66(Probe<'a>),
    Sectigo(Probe<'a>),
}

impl Shape<'_> {
    fn provider(&self) -> Provider {
        match self {
            Self::CrowdSecEnvelope(_) | Self::CrowdSecBare => Provider::CrowdSec,
            Self::Cloud66(_) => Provider::Cloud66,
            Self::Sectigo(_) => Provider::Sectigo,
        }
    }
}

/// Detects the provider; a `hint` (from the route) that the payload contradicts is an error,
/// and a payload in no known shape is parsed as the hinted provider's, for precise errors.
pub(crate) fn shape<'a>(text: &'a str, hint: Option<Provider>) -> Result<Shape<'a>, Error> {
    let probe: Probe<'a> = json::from_body(text)?;
    match (detect(probe), hint) {
        (Ok(shape), None) => Ok(shape),
        (Ok(shape), Some(expected)) if shape.provider() == expected => Ok(shape),
        (Ok(shape), Some(expected)) => Err(Error::new(
            ErrorKind::ProviderMismatch,
            "",
            format!(
                "payload has the shape of a {} event, but this route expects {expected}",
                shape.provider()
            ),
        )),
        (Err(probe), Some(Provider::CrowdSec)) => Ok(Shape::CrowdSecEnvelope(probe)),
        (Err(probe), Some(Provider::Cloud66)) => Ok(Shape::Cloud66(probe)),
        (Err(probe), Some(Provider::Sectigo)) => Ok(Shape::Sectigo(probe)),
        (Err(_), None) => Err(Error::new(
            ErrorKind::Unrecognized,
            "",
            "no provider's shape: expected CrowdSec's metadata/details envelope, Cloud66's \
             dotted event_type with an integer timestamp, or Sectigo's id/event/target/body/partner",
        )),
    }
}

fn detect(probe: Probe<'_>) -> Result<Shape<'_>, Probe<'_>> {
    let text = |raw: Option<&RawValue>| raw.and_then(|r| serde_json::from_str::<String>(r.get()).ok());
    let is_integer =
        |raw: Option<&RawValue>| raw.is_some_and(|r| serde_json::from_str::<i64>(r.get()).is_ok());
    if probe.metadata.is_some() || probe.details.is_some() {
        return Ok(Shape::CrowdSecEnvelope(probe));
    }
    let event_type = text(probe.event_type);
    if event_type.as_deref() == Some("blocking_safe_ip") {
        return Ok(Shape::CrowdSecBare);
    }
    if event_type.is_some_and(|t| t.contains('.')) && is_integer(probe.timestamp) {
        return Ok(Shape::Cloud66(probe));
    }
    if probe.event.is_some() && (probe.target.is_some() || probe.partner.is_some()) {
        return Ok(Shape::Sectigo(probe));
    }
    Err(probe)
}
