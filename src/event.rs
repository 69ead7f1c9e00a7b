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
    /// Plans, invoices and payments.
    Billing,
    /// A protective service was switched on or reconfigured.
    Configuration,
    /// A type the provider has not documented yet.
    Unknown,
}

impl Category {
    /// The lowercase name events, destinations' `match` and OCSF's mapping use.
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
    /// Nothing to act on: a record of something expected or requested.
    Info,
    /// Worth knowing; nothing urgent.
    Low,
    /// Needs action soon.
    Medium,
    /// Needs action now: harm is likely.
    High,
    /// Harm is under way (a confirmed attack, malware on a live site).
    Critical,
}

// A severity is read as `as_str` writes it (`info` … `critical`), as the admin API and the CLI
// take it.
from_name!(
    Severity,
    /// A name that is no severity's.
    UnknownSeverity,
    "severity must be info, low, medium, high or critical"
);

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// The lowercase name events, destinations' `match`, the admin API and the CLI use.
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
    /// The provider account as a whole (a CrowdSec organization, a Sectigo partner).
    Organization,
    /// A CrowdSec Security Engine: the agent that reads logs and detects attacks.
    SecurityEngine,
    /// A CrowdSec Log Processor, the detection half of a Security Engine.
    LogProcessor,
    /// A CrowdSec Remediation Component (bouncer), which enforces decisions.
    RemediationComponent,
    /// A CrowdSec firewall integration, which pulls blocklists into a firewall.
    FirewallIntegration,
    /// A machine (a Cloud66 server, a CrowdSec alert's target).
    Server,
    /// A site a provider scans or protects (Sectigo).
    Website,
    /// A database a provider backs up or watches.
    Database,
    /// A person's account at the provider.
    User,
    /// Whatever an undocumented event points at.
    Resource,
}

impl SubjectKind {
    /// The `snake_case` name written in the event's `subject.type`.
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

into_name!(Category, Severity, SubjectKind);

/// What an event is about: its kind of subject follows from the event's kind (the table's
/// row), its id and name from the payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject<'a> {
    /// What kind of thing it is.
    #[serde(rename = "type")]
    pub(crate) kind: SubjectKind,
    /// The provider's identifier for it, when the payload has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<Cow<'a, str>>,
    /// Its human-readable name, when the payload has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<Cow<'a, str>>,
}

impl Subject<'_> {
    /// What kind of thing it is.
    pub const fn kind(&self) -> SubjectKind {
        self.kind
    }

    /// The provider's identifier for it, when the payload has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Its human-readable name, when the payload has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// An event's type: a documented kind names itself, so only an undocumented type keeps the
/// provider's string, and the two cannot disagree.
#[derive(Debug, Clone)]
pub(crate) enum EventType<'a> {
    Documented { kind: Kind, name: &'static str },
    Undocumented { kind: Kind, name: Cow<'a, str> },
}

impl<'a> EventType<'a> {
    /// The type of an event of `kind` that the provider calls `name`.
    pub(crate) fn new(kind: Kind, name: Cow<'a, str>) -> Self {
        match kind.as_str() {
            Some(name) => Self::Documented { kind, name },
            None => Self::Undocumented { kind, name },
        }
    }
}

/// An event's id: stable across retries of one delivery, different between deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventId<'a> {
    /// The provider's own id (bounded: a long one is cut and hashed), borrowed from the body
    /// where it had no escapes.
    Provided(Cow<'a, str>),
    /// Derived from the body because the provider sent none, or an empty one.
    Derived(String),
}

impl EventId<'_> {
    /// The id, however it was obtained.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Provided(id) => id,
            Self::Derived(id) => id,
        }
    }

    /// Whether hookwall derived it, the provider having sent none.
    pub const fn is_derived(&self) -> bool {
        matches!(self, Self::Derived(_))
    }
}

impl core::fmt::Display for EventId<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One classified event. Borrows from the body it was parsed from. Only the core builds one
/// (`classify`), so what follows from the kind (its type string, provider, category and kind
/// of subject) always agrees with it; runtimes read it through the accessors.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// The provider's event type, as hookwall knows it, and its string where undocumented.
    pub(crate) ty: EventType<'a>,
    /// Stable across retries of one delivery, different between deliveries.
    pub(crate) id: EventId<'a>,
    /// The provider's time, else when hookwall received the event.
    pub(crate) time: Option<Timestamp<'a>>,
    /// When hookwall received the event (Unix seconds), if the runtime said.
    pub(crate) received_at: Option<i64>,
    /// The provider account the event belongs to (CrowdSec organization, Sectigo partner).
    pub(crate) account: Option<Cow<'a, str>>,
    /// What the event is about, from the classification table.
    pub(crate) category: Category,
    /// How urgent the event is, from the table's rule for its kind and its content.
    pub(crate) severity: Severity,
    /// Why the severity is what it is, in words.
    pub(crate) severity_reason: &'static str,
    /// One sentence for a person, built only from what redaction left.
    pub(crate) summary: String,
    /// What the event is about.
    pub(crate) subject: Subject<'a>,
    /// What a rule can match on (attacker, target, scenario…).
    pub(crate) indicators: Indicators<'a>,
    /// The provider's payload, with secrets redacted.
    pub(crate) payload: Payload<'a>,
}

impl<'a> Event<'a> {
    /// The provider's event type, as hookwall knows it (`Unknown` for an undocumented one).
    pub const fn kind(&self) -> Kind {
        match self.ty {
            EventType::Documented { kind, .. } | EventType::Undocumented { kind, .. } => kind,
        }
    }

    /// The provider's own type string: the kind's documented name, or, for a type hookwall
    /// does not know, the provider's string as sent (bounded).
    pub fn event_type(&self) -> &str {
        match &self.ty {
            EventType::Documented { name, .. } => name,
            EventType::Undocumented { name, .. } => name,
        }
    }

    /// Follows from the kind, so the two cannot disagree.
    pub const fn provider(&self) -> Provider {
        self.kind().provider()
    }

    /// Whether the provider had not documented this event's type when hookwall was built.
    pub const fn is_unknown(&self) -> bool {
        matches!(self.ty, EventType::Undocumented { .. })
    }

    /// Stable across retries of one delivery, different between deliveries.
    pub const fn id(&self) -> &EventId<'a> {
        &self.id
    }

    /// The provider's time, else when hookwall received the event, if the runtime said.
    pub const fn time(&self) -> Option<&Timestamp<'a>> {
        self.time.as_ref()
    }

    /// When hookwall received the event (Unix seconds), if the runtime said.
    pub const fn received_at(&self) -> Option<i64> {
        self.received_at
    }

    /// The provider account the event belongs to (CrowdSec organization, Cloud66 stack, Sectigo
    /// partner).
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// What the event is about, from the classification table.
    pub const fn category(&self) -> Category {
        self.category
    }

    /// How urgent the event is, from the table's rule for its kind and its content.
    pub const fn severity(&self) -> Severity {
        self.severity
    }

    /// Why the severity is what it is, in words.
    pub const fn severity_reason(&self) -> &'static str {
        self.severity_reason
    }

    /// One sentence for a person, built only from what redaction left.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// What the event is about.
    pub const fn subject(&self) -> &Subject<'a> {
        &self.subject
    }

    /// What a rule can match on (attacker, target, scenario…).
    pub const fn indicators(&self) -> &Indicators<'a> {
        &self.indicators
    }

    /// The provider's payload, with secrets redacted.
    pub const fn payload(&self) -> &Payload<'a> {
        &self.payload
    }

    /// The event as received at `at` (Unix seconds): the time of an event whose payload carries
    /// none.
    pub(crate) fn received(mut self, at: Option<i64>) -> Self {
        self.received_at = at;
        if self.time.is_none() {
            self.time = at.map(Timestamp::Received);
        }
        self
    }
}
