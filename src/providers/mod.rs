//! The providers: each owns its models (read by `serde_json`), how its events are described,
//! and its redaction rules (Sectigo's secrets are Sectigo's business). A provider turns a body
//! into its parts; the classification table ([`mod@crate::classify`]) makes them an event.

pub mod cloud66;
pub mod crowdsec;
mod detect;
pub mod sectigo;

use alloc::borrow::Cow;
use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::indicators::Indicators;
use crate::mask::Mask;
use crate::rating::Rating;
use crate::time::Timestamp;
use crate::{Error, ErrorKind};
use detect::{Guess, Shape};

/// Read under the names `as_str` writes (a destination's `match` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&str", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// CrowdSec Console's notification webhooks.
    CrowdSec,
    /// Cloud66's server and ActiveProtect webhooks.
    Cloud66,
    /// Sectigo Web Security Platform's partner webhooks.
    Sectigo,
}

impl Provider {
    /// Every provider, for what lists the names or goes through each.
    pub const ALL: [Provider; 3] = [Provider::CrowdSec, Provider::Cloud66, Provider::Sectigo];

    /// The lowercase name configs, CLI flags and events use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CrowdSec => "crowdsec",
            Self::Cloud66 => "cloud66",
            Self::Sectigo => "sectigo",
        }
    }
}

// A provider is read exactly as configs and CLI flags name it (`crowdsec`, `cloud66`, `sectigo`).
from_name!(
    Provider,
    /// A name that is no provider's.
    UnknownProvider,
    "unknown provider (crowdsec, cloud66, sectigo)"
);

impl core::fmt::Display for Provider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

into_name!(Provider);

/// Declares a provider's event-type enum from its documented type strings; every provider also
/// gets `Unknown` for types it documents later, so no event is dropped.
macro_rules! event_types {
    (
        $(#[$meta:meta])* $name:ident in $prefix:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
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

            /// What starts the CloudEvent `type` of this provider's events: its reverse DNS name.
            pub const CLOUDEVENT_PREFIX: &'static str = $prefix;

            /// The CloudEvent `type` of a documented type, spelled out at build time (its type
            /// string needs no reducing, a test keeps it so); `None` for `Unknown`.
            pub const fn cloudevent_type(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some(concat!($prefix, $text)),)*
                    Self::Unknown => None,
                }
            }

            /// The type a type string names; `Unknown` for any string not documented.
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
    /// A CrowdSec Console event.
    CrowdSec(crowdsec::EventType),
    /// A Cloud66 event.
    Cloud66(cloud66::EventType),
    /// A Sectigo Web Security Platform event.
    Sectigo(sectigo::EventType),
}

impl Kind {
    /// The provider that sends events of this type.
    pub const fn provider(self) -> Provider {
        match self {
            Self::CrowdSec(_) => Provider::CrowdSec,
            Self::Cloud66(_) => Provider::Cloud66,
            Self::Sectigo(_) => Provider::Sectigo,
        }
    }

    /// Whether the type is one its provider had not documented when hookwall was built.
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

    /// Every documented type of every provider: the providers in turn, each one's types in its
    /// documentation's order.
    pub fn documented() -> impl Iterator<Item = Self> {
        let crowdsec = crowdsec::EventType::DOCUMENTED
            .iter()
            .map(|&t| Self::CrowdSec(t));
        let cloud66 = cloud66::EventType::DOCUMENTED
            .iter()
            .map(|&t| Self::Cloud66(t));
        let sectigo = sectigo::EventType::DOCUMENTED
            .iter()
            .map(|&t| Self::Sectigo(t));
        crowdsec.chain(cloud66).chain(sectigo)
    }

    /// What starts the CloudEvent `type` of this provider's events (`com.cloud66.`).
    pub const fn cloudevent_prefix(self) -> &'static str {
        match self {
            Self::CrowdSec(_) => crowdsec::EventType::CLOUDEVENT_PREFIX,
            Self::Cloud66(_) => cloud66::EventType::CLOUDEVENT_PREFIX,
            Self::Sectigo(_) => sectigo::EventType::CLOUDEVENT_PREFIX,
        }
    }

    /// The CloudEvent `type` of a documented type; `None` for an unknown type, whose string
    /// is reduced as it is written.
    pub const fn cloudevent_type(self) -> Option<&'static str> {
        match self {
            Self::CrowdSec(t) => t.cloudevent_type(),
            Self::Cloud66(t) => t.cloudevent_type(),
            Self::Sectigo(t) => t.cloudevent_type(),
        }
    }
}

/// A body its provider's model accepted: validated, not yet described, since what it says
/// depends on what redaction leaves of it.
// Returned once per body and described at once: boxing the models would cost an allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Parsed<'a> {
    CrowdSec(crowdsec::Parsed<'a>),
    Cloud66(cloud66::Parsed<'a>),
    Sectigo(sectigo::Parsed<'a>),
}

impl<'a> Parsed<'a> {
    pub fn kind(&self) -> Kind {
        match self {
            Self::CrowdSec(parsed) => Kind::CrowdSec(parsed.kind()),
            Self::Cloud66(parsed) => Kind::Cloud66(parsed.kind()),
            Self::Sectigo(parsed) => Kind::Sectigo(parsed.kind()),
        }
    }

    /// Whether the provider's built-in rules must redact the payload: it holds a secret.
    pub fn holds_secret(&self) -> bool {
        match self {
            Self::Sectigo(parsed) => parsed.holds_secret(),
            Self::CrowdSec(_) | Self::Cloud66(_) => false,
        }
    }

    /// The event's parts, each derived field read through `mask`: what redaction hid is left
    /// out, or said to be redacted.
    pub fn describe(self, mask: Mask<'_>) -> Parts<'a> {
        match self {
            Self::CrowdSec(parsed) => parsed.describe(mask),
            Self::Cloud66(parsed) => parsed.describe(mask),
            Self::Sectigo(parsed) => parsed.describe(mask),
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
    /// What the severity rules read.
    pub rating: Rating,
}

impl<'a> Parts<'a> {
    /// The parts every event has, the rest to be filled in. Each is `None` where redaction hid
    /// it: the id is then derived, and the type is the kind's documented name, if it has one.
    pub fn new(
        kind: Kind,
        event_type: Option<Cow<'a, str>>,
        id: Option<Cow<'a, str>>,
        account: Option<Cow<'a, str>>,
    ) -> Self {
        let event_type = event_type
            .or(kind.as_str().map(Cow::Borrowed))
            .unwrap_or(Cow::Borrowed(crate::payload::REDACTED));
        Self {
            kind,
            event_type,
            id,
            time: None,
            account,
            subject_id: None,
            subject_name: None,
            indicators: Indicators::default(),
            summary: String::new(),
            rating: Rating::default(),
        }
    }
}

/// Reads a body into its provider's parts. On Cloud66's or Sectigo's route, its one model reads
/// the body at once, and detection runs only to explain a refusal (another provider's payload,
/// or a bad one). Otherwise the provider is guessed from the body's first member and its model
/// reads the body at once, checking the whole shape; only a body that the guess does not fit
/// goes through detection, which decides, and captures what CrowdSec's model needs.
pub(crate) fn parse(text: &str, hint: Option<Provider>) -> Result<Parsed<'_>, Error> {
    let routed = match hint {
        Some(Provider::Cloud66) => Some(cloud66::parse(text, hint).map(Parsed::Cloud66)),
        Some(Provider::Sectigo) => Some(sectigo::parse(text, hint).map(Parsed::Sectigo)),
        Some(Provider::CrowdSec) | None => None,
    };
    if let Some(parsed) = routed {
        return parsed.map_err(|err| match detect::shape(text, hint) {
            Err(mismatch) if mismatch.kind() == ErrorKind::ProviderMismatch => mismatch,
            _ => err,
        });
    }
    let guessed = match (detect::guess(text), hint) {
        (Guess::CrowdSec, _) => match crowdsec::read_guessed(text) {
            Ok(parsed) => Some(Parsed::CrowdSec(parsed)),
            Err(Some(refusal)) => return Err(refusal),
            Err(None) => None,
        },
        (Guess::Cloud66, None) => cloud66::parse(text, None).ok().map(Parsed::Cloud66),
        (Guess::Sectigo, None) => sectigo::parse(text, None).ok().map(Parsed::Sectigo),
        _ => None,
    };
    if let Some(parsed) = guessed {
        return Ok(parsed);
    }
    Ok(match detect::shape(text, hint)? {
        Shape::CrowdSecEnvelope(probe) => Parsed::CrowdSec(crowdsec::parse_envelope(text, &probe)?),
        Shape::CrowdSecBare => Parsed::CrowdSec(crowdsec::parse_bare(text)?),
        Shape::Cloud66 => Parsed::Cloud66(cloud66::parse(text, Some(Provider::Cloud66))?),
        Shape::Sectigo => Parsed::Sectigo(sectigo::parse(text, Some(Provider::Sectigo))?),
    })
}

#[cfg(test)]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use super::*;

    /// What detection's reading gives a body: the refusal a guess must match.
    fn detected(text: &str) -> Result<(), Error> {
        match detect::shape(text, None)? {
            Shape::CrowdSecEnvelope(probe) => crowdsec::parse_envelope(text, &probe).map(drop),
            _ => Ok(()),
        }
    }

    /// Bodies near the documented ones: cut short, a byte changed, a value of another type, a
    /// member repeated, `details` members reordered.
    fn mutations(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let step = text.len() / 60 + 1;
        for at in (1..text.len()).step_by(step) {
            if !text.is_char_boundary(at) {
                continue;
            }
            out.push(text[..at].to_string());
            for with in ["x", "5", "\"", "}", "[", "null"] {
                let mut changed = text.to_string();
                if changed.is_char_boundary(at + 1) {
                    changed.replace_range(at..=at, with);
                    out.push(changed);
                }
            }
        }
        for (from, to) in [
            ("\"scenario\": \"", "\"scenario\": 5, \"x\": \""),
            (
                "\"details\": {",
                "\"details\": {\"scenario_confidence\": \"x\", ",
            ),
            ("\"details\": {", "\"details\": {\"event_type\": 5, "),
            ("\"details\": {", "\"timestamp\": 1, \"details\": {"),
            ("}\n}", "}, \"timestamp\": 1, \"timestamp\": 2}"),
            ("\"version\": 1", "\"version\": \"1\""),
            ("\"issuer\": \"crowdsec.net\"", "\"issuer\": \"x\""),
        ] {
            out.push(text.replacen(from, to, 1));
        }
        out
    }

    /// A refusal read once by the guess is the one detection's three reads gave.
    #[test]
    fn a_guess_refuses_as_detection_does() {
        let fixtures = [
            include_str!("../../fixtures/crowdsec/alert_triggered.json"),
            include_str!("../../fixtures/crowdsec/am_i_under_attack.json"),
            include_str!("../../fixtures/crowdsec/security_engine_enrolled.json"),
            include_str!("../../fixtures/crowdsec/log_processor_offline.json"),
            include_str!("../../fixtures/crowdsec/component_outdated.json"),
            include_str!("../../fixtures/crowdsec/payment_failed.json"),
        ];
        let (mut exact, mut deferred) = (0, 0);
        for fixture in fixtures {
            for body in mutations(fixture) {
                if detect::guess(&body) != Guess::CrowdSec {
                    continue;
                }
                match crowdsec::read_guessed(&body) {
                    Ok(_) => assert_eq!(detected(&body), Ok(()), "{body}"),
                    Err(Some(refusal)) => {
                        assert_eq!(detected(&body), Err(refusal), "{body}");
                        exact += 1;
                    }
                    Err(None) => deferred += 1,
                }
            }
        }
        assert!(exact > 100, "{exact} exact, {deferred} left to detection");
    }
}
