//! The normalized event: what every provider's payload becomes, whatever its shape.

use alloc::borrow::Cow;
use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::indicators::Indicators;
use crate::payload::Payload;
use crate::providers::{Kind, Provider};
use crate::time::Timestamp;

/// Version of the normalized `data` schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "hookwall.event/1";

/// What an event is about, in the terms a security team triages by. Read under the names
/// `as_str` writes (a destination's `match` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(into = "&str", rename_all = "lowercase")]
pub enum Category {
    /// An attack, an attacker or a block.
    Threat,
    /// Files, malware or restores: is what runs still what should run.
    Integrity,
    /// Something stopped working or reporting.
    Availability,
    /// Assets joined, left or changed.
    Inventory,
    /// Users and credentials.
    Account,
    Billing,
    /// A protective service was switched on or reconfigured.
    Configuration,
    /// A type the provider has not documented yet.
    Unknown,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Threat => "threat",
            Self::Integrity => "integrity",
            Self::Availability => "availability",
            Self::Inventory => "inventory",
            Self::Account => "account",
            Self::Billing => "billing",
            Self::Configuration => "configuration",
            Self::Unknown => "unknown",
        }
    }
}

/// Ordered from the least to the most urgent. Read under the names `as_str` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&str", rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// A severity named as `as_str` writes it (`info` … `critical`), as the admin API and the CLI
/// take it.
impl core::str::FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(name: &str) -> Result<Self, UnknownSeverity> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(UnknownSeverity)
    }
}

/// A name that is no severity's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownSeverity;

impl core::fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("severity must be info, low, medium, high or critical")
    }
}

impl core::error::Error for UnknownSeverity {}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// The kind of thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&str")]
pub enum SubjectKind {
    Organization,
    SecurityEngine,
    LogProcessor,
    RemediationComponent,
    FirewallIntegration,
    Server,
    Website,
    Database,
    User,
    /// Whatever an undocumented event points at.
    Resource,
}

impl SubjectKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::SecurityEngine => "security_engine",
            Self::LogProcessor => "log_processor",
            Self::RemediationComponent => "remediation_component",
            Self::FirewallIntegration => "firewall_integration",
            Self::Server => "server",
            Self::Website => "website",
            Self::Database => "database",
            Self::User => "user",
            Self::Resource => "resource",
        }
    }

    /// The plural path segment used in the CloudEvent `subject` (`servers/<id>`).
    pub const fn collection(self) -> &'static str {
        match self {
            Self::Organization => "organizations",
            Self::SecurityEngine => "security-engines",
            Self::LogProcessor => "log-processors",
            Self::RemediationComponent => "remediation-components",
            Self::FirewallIntegration => "firewall-integrations",
            Self::Server => "servers",
            Self::Website => "websites",
            Self::Database => "databases",
            Self::User => "users",
            Self::Resource => "resources",
        }
    }
}

/// The enums are written as their names (`serde(into)`), spelled once, in `as_str`.
macro_rules! into_name {
    ($($ty:ty),*) => {$(
        impl From<$ty> for &'static str {
            fn from(value: $ty) -> Self {
                value.as_str()
            }
        }
    )*};
}

into_name!(Category, Severity, SubjectKind);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject<'a> {
    #[serde(rename = "type")]
    pub kind: SubjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
}

/// One classified event. Borrows from the body it was parsed from.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub kind: Kind,
    /// The provider's own type string, unchanged.
    pub event_type: Cow<'a, str>,
    /// Stable across retries of one delivery, different between deliveries.
    pub id: String,
    /// Whether `id` was derived from the payload because the provider sent none.
    pub id_derived: bool,
    /// The provider's time, else when hookwall received the event.
    pub time: Option<Timestamp<'a>>,
    /// When hookwall received the event (Unix seconds), if the runtime said.
    pub received_at: Option<i64>,
    /// The provider account the event belongs to (CrowdSec organization, Sectigo partner).
    pub account: Option<Cow<'a, str>>,
    pub category: Category,
    pub severity: Severity,
    /// Why the severity is what it is, in words.
    pub severity_reason: &'static str,
    pub summary: String,
    pub subject: Subject<'a>,
    pub indicators: Indicators<'a>,
    /// The provider's payload, with secrets redacted.
    pub payload: Payload<'a>,
}

impl Event<'_> {
    /// Follows from the kind, so the two cannot disagree.
    pub const fn provider(&self) -> Provider {
        self.kind.provider()
    }

    /// Whether the provider had not documented this event's type when hookwall was built.
    pub fn is_unknown(&self) -> bool {
        self.kind.is_unknown()
    }
}
