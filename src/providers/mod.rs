//! The providers: each owns its models (read by serde_json), how its events are described,
//! and its redaction rules (Sectigo's secrets are Sectigo's business). A provider turns a body
//! into [`Parts`]; the classification table (`crate::classify`) makes them an event.

pub mod cloud66;
pub mod crowdsec;
mod detect;
pub mod sectigo;

use alloc::borrow::Cow;
use alloc::string::String;

use serde::Serialize;

use crate::indicators::Indicators;
use crate::time::Timestamp;
use crate::{Error, ErrorKind};
use detect::{Guess, Shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "&str")]
pub enum Provider {
    CrowdSec,
    Cloud66,
    Sectigo,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::CrowdSec, Provider::Cloud66, Provider::Sectigo];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CrowdSec => "crowdsec",
            Self::Cloud66 => "cloud66",
            Self::Sectigo => "sectigo",
        }
    }

    /// The provider named `name` exactly as in configs and CLI flags (`crowdsec`, `cloud66`, `sectigo`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl core::fmt::Display for Provider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Provider> for &'static str {
    fn from(provider: Provider) -> Self {
        provider.as_str()
    }
}

/// Declares a provider's event-type enum from its documented type strings; every provider also
/// gets `Unknown` for types it documents later, so no event is dropped.
macro_rules! event_types {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// A type this provider had not documented when hookwall was built.
            Unknown,
        }

        impl $name {
            /// Every documented type, in the provider's documentation order.
            pub const DOCUMENTED: &'static [$name] = &[$($name::$variant,)*];

            /// The provider's type string, `None` for `Unknown`.
            pub const fn as_str(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($text),)*
                    Self::Unknown => None,
                }
            }

            pub fn from_type(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    _ => Self::Unknown,
                }
            }
        }
    };
}
pub(crate) use event_types;

/// An event's type, per provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    CrowdSec(crowdsec::EventType),
    Cloud66(cloud66::EventType),
    Sectigo(sectigo::EventType),
}

impl Kind {
    pub const fn provider(self) -> Provider {
        match self {
            Self::CrowdSec(_) => Provider::CrowdSec,
            Self::Cloud66(_) => Provider::Cloud66,
            Self::Sectigo(_) => Provider::Sectigo,
        }
    }

    pub fn is_unknown(self) -> bool {
        matches!(
            self,
            Self::CrowdSec(crowdsec::EventType::Unknown)
                | Self::Cloud66(cloud66::EventType::Unknown)
                | Self::Sectigo(sectigo::EventType::Unknown)
        )
    }

    /// The documented type string; `None` for an unknown type.
    pub const fn as_str(self) -> Option<&'static str> {
        match self {
            Self::CrowdSec(t) => t.as_str(),
            Self::Cloud66(t) => t.as_str(),
            Self::Sectigo(t) => t.as_str(),
        }
    }
}

/// What a provider's parser found, before the table classifies it.
pub(crate) struct Parts<'a> {
    pub kind: Kind,
    pub event_type: Cow<'a, str>,
    /// The provider's own delivery id, if it sent a non-empty one.
    pub id: Option<Cow<'a, str>>,
    pub time: Option<Timestamp<'a>>,
    pub account: Option<Cow<'a, str>>,
    pub subject_id: Option<Cow<'a, str>>,
    pub subject_name: Option<Cow<'a, str>>,
    pub indicators: Indicators<'a>,
    pub summary: String,
    /// The provider's built-in redaction rules must run on the payload: it holds a secret.
    pub redact: bool,
}

/// Reads a body into its provider's parts. On Cloud66's or Sectigo's route, its one model reads
/// the body at once, and detection runs only to explain a refusal (another provider's payload,
/// or a bad one). Otherwise the provider is guessed from the body's first member and its model
/// reads the body at once, checking the whole shape; only a body that the guess does not fit
/// goes through detection, which decides, and captures what CrowdSec's model needs.
pub(crate) fn parse(text: &str, hint: Option<Provider>) -> Result<Parts<'_>, Error> {
    let routed = match hint {
        Some(Provider::Cloud66) => Some(cloud66::parse(text, hint)),
        Some(Provider::Sectigo) => Some(sectigo::parse(text, hint)),
        Some(Provider::CrowdSec) | None => None,
    };
    if let Some(parsed) = routed {
        return parsed.map_err(|err| match detect::shape(text, hint) {
            Err(mismatch) if mismatch.kind() == ErrorKind::ProviderMismatch => mismatch,
            _ => err,
        });
    }
    let guessed = match (detect::guess(text), hint) {
        (Guess::CrowdSec(parts), _) => Some(parts),
        (Guess::Cloud66, None) => cloud66::parse(text, None).ok(),
        (Guess::Sectigo, None) => sectigo::parse(text, None).ok(),
        _ => None,
    };
    if let Some(parts) = guessed {
        return Ok(parts);
    }
    match detect::shape(text, hint)? {
        Shape::CrowdSecEnvelope(probe) => crowdsec::parse_envelope(text, &probe),
        Shape::CrowdSecBare => crowdsec::parse_bare(text),
        Shape::Cloud66 => cloud66::parse(text, Some(Provider::Cloud66)),
        Shape::Sectigo => sectigo::parse(text, Some(Provider::Sectigo)),
    }
}
