//! The normalized event: what every provider's payload becomes, whatever its shape.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;

use crate::classify::Kind;
use crate::redact::Payload;
use crate::time::Timestamp;

/// Version of the normalized `data` schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "hookwall.event/1";

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

/// What an event is about, in the terms a security team triages by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&str")]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "&str")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
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

into_name!(Provider, Category, Severity, SubjectKind);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject<'a> {
    #[serde(rename = "type")]
    pub kind: SubjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
}

impl<'a> Subject<'a> {
    pub fn new(kind: SubjectKind) -> Self {
        Self {
            kind,
            id: None,
            name: None,
        }
    }
}

/// What an event carries that a detection or response rule can match on. Written in
/// declaration order; absent and empty fields are omitted. None of them is ever a secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicators<'a> {
    /// The attacker: an IP, a range, an AS… as `source_scope` says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_value: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_scope: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdns: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Cow<'a, str>>,
    /// The provider's confidence in the detection, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub false_positives: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_detected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ip: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// An IP address the event is about that is not an attacker's (a failed IP change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Cow<'a, str>>,
    /// How many things the event counts (outdated components, malware issues…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// When the subject was last heard from (an offline component's last pull, push or login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<Cow<'a, str>>,
}

/// One classified event. Borrows from the body it was parsed from.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub provider: Provider,
    pub kind: Kind,
    /// The provider's own type string, unchanged.
    pub event_type: Cow<'a, str>,
    /// Stable across retries of one delivery, different between deliveries.
    pub id: String,
    /// Whether `id` was derived from the payload because the provider sent none.
    pub id_derived: bool,
    pub time: Option<Timestamp<'a>>,
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
    /// Whether the provider had not documented this event's type when hookwall was built.
    pub fn is_unknown(&self) -> bool {
        self.kind.is_unknown()
    }
}
