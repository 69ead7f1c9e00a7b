//! The normalized event: what every provider's payload becomes, whatever its shape.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::classify::Kind;
use crate::json_writer::{self, WriteJson};
use crate::redact::Payload;
use crate::time::Timestamp;

/// Version of the normalized `data` schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "hookwall.event/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The enums are written as their names.
macro_rules! write_name {
    ($($ty:ty),*) => {$(
        impl WriteJson for $ty {
            fn write_json(&self, out: &mut String) {
                json_writer::string(out, self.as_str());
            }
        }
    )*};
}

write_name!(Provider, Category, Severity, SubjectKind);

#[derive(Debug, Clone, PartialEq)]
pub struct Subject<'a> {
    pub kind: SubjectKind,
    pub id: Option<Cow<'a, str>>,
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

impl WriteJson for Subject<'_> {
    fn write_json(&self, out: &mut String) {
        json_writer::object(out, |o| {
            o.field("type", &self.kind)
                .optional("id", self.id.as_deref())
                .optional("name", self.name.as_deref());
        });
    }
}

/// What an event carries that a detection or response rule can match on. Absent fields are
/// omitted from the output; none of them is ever a secret.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indicators<'a> {
    /// The attacker: an IP, a range, an AS… as `source_scope` says.
    pub source_value: Option<Cow<'a, str>>,
    pub source_scope: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    pub country: Option<Cow<'a, str>>,
    pub city: Option<Cow<'a, str>>,
    pub as_number: Option<i64>,
    pub as_name: Option<Cow<'a, str>>,
    pub rdns: Option<Cow<'a, str>>,
    pub scenario: Option<Cow<'a, str>>,
    /// The provider's confidence in the detection, 0–100.
    pub confidence: Option<i64>,
    pub behaviors: Vec<Cow<'a, str>>,
    pub false_positives: Vec<Cow<'a, str>>,
    pub manual: Option<bool>,
    pub attack_detected: Option<bool>,
    pub signals: Option<i64>,
    pub attack: Option<Cow<'a, str>>,
    pub port: Option<i64>,
    pub banned: Option<bool>,
    pub target_ip: Option<Cow<'a, str>>,
    pub file_path: Option<Cow<'a, str>>,
    pub changed: Option<bool>,
    /// An IP address the event is about that is not an attacker's (a failed IP change).
    pub address: Option<Cow<'a, str>>,
    /// How many things the event counts (outdated components, malware issues…).
    pub count: Option<i64>,
    /// When the subject was last heard from (an offline component's last pull, push or login).
    pub last_seen: Option<Cow<'a, str>>,
    pub previous_state: Option<Cow<'a, str>>,
    pub current_state: Option<Cow<'a, str>>,
}

/// Members in declaration order; absent and empty ones are omitted.
impl WriteJson for Indicators<'_> {
    fn write_json(&self, out: &mut String) {
        json_writer::object(out, |o| {
            o.optional("source_value", self.source_value.as_deref())
                .optional("source_scope", self.source_scope.as_deref())
                .optional("source_ip", self.source_ip.as_deref())
                .optional("country", self.country.as_deref())
                .optional("city", self.city.as_deref())
                .optional("as_number", self.as_number)
                .optional("as_name", self.as_name.as_deref())
                .optional("rdns", self.rdns.as_deref())
                .optional("scenario", self.scenario.as_deref())
                .optional("confidence", self.confidence)
                .strings("behaviors", &self.behaviors)
                .strings("false_positives", &self.false_positives)
                .optional("manual", self.manual)
                .optional("attack_detected", self.attack_detected)
                .optional("signals", self.signals)
                .optional("attack", self.attack.as_deref())
                .optional("port", self.port)
                .optional("banned", self.banned)
                .optional("target_ip", self.target_ip.as_deref())
                .optional("file_path", self.file_path.as_deref())
                .optional("changed", self.changed)
                .optional("address", self.address.as_deref())
                .optional("count", self.count)
                .optional("last_seen", self.last_seen.as_deref())
                .optional("previous_state", self.previous_state.as_deref())
                .optional("current_state", self.current_state.as_deref());
        });
    }
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
