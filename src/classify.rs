//! The one table that maps every provider's event type to a category, a severity and the kind
//! of subject it is about. The README's classification table is generated from it
//! (`hookwall table`), and a test keeps the two identical.

use alloc::string::String;

use crate::event::{Category, Event, EventId, EventType, Severity, Subject, SubjectKind};
use crate::payload::Payload;
use crate::providers::{cloud66, crowdsec, sectigo, Kind, Parts};
use crate::rating::Rating;
use crate::{bound, id};

/// How an event's severity follows from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityRule {
    /// The same severity for every event of the kind, with the reason given for it.
    Fixed(Severity, &'static str),
    /// CrowdSec `scenario_confidence`: the more certain the detection, the more urgent.
    Confidence,
    /// CrowdSec `report_data.is_attack_detected`.
    AttackDetected,
    /// Cloud66 `watched_file.is_changed`.
    FileChanged,
    /// Cloud66 `activeprotect_action.banned`.
    Banned,
}

impl SeverityRule {
    /// The severity for what an event says, and why.
    pub fn evaluate(self, rating: &Rating) -> (Severity, &'static str) {
        match self {
            Self::Fixed(severity, reason) => (severity, reason),
            Self::Confidence => match rating.confidence.unwrap_or(0) {
                80.. => (
                    Severity::High,
                    "attack detected with scenario confidence of 80 or more",
                ),
                50..=79 => (
                    Severity::Medium,
                    "attack detected with scenario confidence of 50 to 79",
                ),
                _ => (
                    Severity::Low,
                    "attack detected with scenario confidence below 50",
                ),
            },
            Self::AttackDetected => match rating.attack_detected {
                Some(true) => (
                    Severity::Critical,
                    "anomaly detection confirms an attack on the organization",
                ),
                _ => (Severity::Low, "signal anomaly without a confirmed attack"),
            },
            Self::FileChanged => match rating.changed {
                Some(true) => (
                    Severity::High,
                    "a watched file changed without a deployment",
                ),
                _ => (Severity::Info, "watched file checked and unchanged"),
            },
            Self::Banned => match rating.banned {
                Some(false) => (
                    Severity::Medium,
                    "attack seen but the address was not banned",
                ),
                _ => (
                    Severity::Low,
                    "attacker's address already banned by ActiveProtect",
                ),
            },
        }
    }

    /// Every severity this rule can give, with its reason, for the README table.
    pub fn outcomes(self) -> &'static [(Severity, &'static str)] {
        match self {
            Self::Fixed(..) => &[],
            Self::Confidence => &[
                (Severity::High, "scenario_confidence ≥ 80"),
                (Severity::Medium, "scenario_confidence 50–79"),
                (Severity::Low, "scenario_confidence < 50"),
            ],
            Self::AttackDetected => &[
                (Severity::Critical, "report_data.is_attack_detected is true"),
                (Severity::Low, "otherwise"),
            ],
            Self::FileChanged => &[
                (Severity::High, "watched_file.is_changed is true"),
                (Severity::Info, "otherwise"),
            ],
            Self::Banned => &[
                (
                    Severity::Low,
                    "activeprotect_action.banned is true or absent",
                ),
                (Severity::Medium, "activeprotect_action.banned is false"),
            ],
        }
    }
}

/// One row of the classification table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The provider's event type the row is for.
    pub kind: Kind,
    /// What the event is about, for routing and OCSF's class.
    pub category: Category,
    /// What kind of thing the event's subject is.
    pub subject: SubjectKind,
    /// How the event's severity follows from its content.
    pub severity: SeverityRule,
}

const fn row(kind: Kind, category: Category, subject: SubjectKind, severity: SeverityRule) -> Rule {
    Rule {
        kind,
        category,
        subject,
        severity,
    }
}

use Category as C;
use Severity as S;
use SeverityRule::{AttackDetected, Banned, Confidence, FileChanged, Fixed};
use SubjectKind as O;

const fn cs(t: crowdsec::EventType) -> Kind {
    Kind::CrowdSec(t)
}
const fn c66(t: cloud66::EventType) -> Kind {
    Kind::Cloud66(t)
}
const fn sg(t: sectigo::EventType) -> Kind {
    Kind::Sectigo(t)
}

/// The classification of every documented event type, and of each provider's unknown types.
#[rustfmt::skip]
pub const RULES: &[Rule] = {
    use crowdsec::EventType as Cs;
    use cloud66::EventType as Cl;
    use sectigo::EventType as Sg;
    &[
        row(cs(Cs::AmIUnderAttack), C::Threat, O::Organization, AttackDetected),
        row(cs(Cs::AlertTriggered), C::Threat, O::Server, Confidence),
        row(cs(Cs::SecurityEngineEnrolled), C::Inventory, O::SecurityEngine, Fixed(S::Info, "an engine joined the organization, as requested")),
        row(cs(Cs::SecurityEngineUnenrolled), C::Inventory, O::SecurityEngine, Fixed(S::Medium, "an engine stopped protecting; confirm it was intended")),
        row(cs(Cs::SecurityEngineLongPendingEnroll), C::Inventory, O::SecurityEngine, Fixed(S::Low, "an engine waits for approval and protects nothing yet")),
        row(cs(Cs::FirewallIntegrationOffline), C::Availability, O::FirewallIntegration, Fixed(S::High, "the firewall has not pulled the blocklist for 24 hours: blocks are stale")),
        row(cs(Cs::RemediationComponentIntegrationOffline), C::Availability, O::RemediationComponent, Fixed(S::High, "the remediation component has not pulled the blocklist for 24 hours")),
        row(cs(Cs::LogProcessorNoAlerts), C::Availability, O::LogProcessor, Fixed(S::Medium, "no alerts for 48 hours may mean the log processor is blind")),
        row(cs(Cs::ComponentOutdated), C::Inventory, O::Organization, Fixed(S::Low, "updates are available; nothing is broken yet")),
        row(cs(Cs::LogProcessorOffline), C::Availability, O::LogProcessor, Fixed(S::High, "a log processor offline for 24 hours detects nothing")),
        row(cs(Cs::RemediationComponentOffline), C::Availability, O::RemediationComponent, Fixed(S::High, "attacks are detected but no longer blocked")),
        row(cs(Cs::SecurityEngineNoAlerts), C::Availability, O::SecurityEngine, Fixed(S::Medium, "no alerts for 48 hours may mean the engine is blind")),
        row(cs(Cs::SecurityEngineOffline), C::Availability, O::SecurityEngine, Fixed(S::High, "an engine offline for 48 hours protects nothing")),
        row(cs(Cs::BlockingSafeIp), C::Availability, O::Server, Fixed(S::High, "a known-safe address (a CDN, a partner) is blocked: legitimate traffic is cut off")),
        row(cs(Cs::PaymentFailed), C::Billing, O::Organization, Fixed(S::Medium, "the subscription, and the protection it pays for, is at risk")),
        row(cs(Cs::Unknown), C::Unknown, O::Resource, Fixed(S::Medium, "not documented yet, so unrated: flagged for review rather than ignored")),
        row(c66(Cl::ActiveProtectBlock), C::Threat, O::Server, Banned),
        row(c66(Cl::ActiveProtectChange), C::Integrity, O::Server, FileChanged),
        row(c66(Cl::ServerBackOn), C::Availability, O::Server, Fixed(S::Info, "the server recovered")),
        row(c66(Cl::ServerIpChangeFail), C::Configuration, O::Server, Fixed(S::Medium, "the server kept its old address; DNS and allow-lists may disagree")),
        row(c66(Cl::ServerStopped), C::Availability, O::Server, Fixed(S::High, "the server stopped responding")),
        row(c66(Cl::Unknown), C::Unknown, O::Resource, Fixed(S::Medium, "not documented yet, so unrated: flagged for review rather than ignored")),
        row(sg(Sg::DatabaseBackupRestoreStateChanged), C::Integrity, O::Database, Fixed(S::Low, "a restore the account started is progressing")),
        row(sg(Sg::DatabaseBackupZipDownloadAvailable), C::Integrity, O::Database, Fixed(S::Low, "a requested export is ready; its link is a secret and is redacted")),
        row(sg(Sg::UserCreate), C::Account, O::User, Fixed(S::Low, "a new user can sign in; confirm it was expected")),
        row(sg(Sg::UserLoginLink), C::Account, O::User, Fixed(S::Medium, "a one-time login link was issued; it is a credential and is redacted")),
        row(sg(Sg::UserResetPassword), C::Account, O::User, Fixed(S::Medium, "a password was reset; the temporary password is redacted")),
        row(sg(Sg::WebsiteAccelerateEnabled), C::Configuration, O::Website, Fixed(S::Info, "the CDN was switched on, as requested")),
        row(sg(Sg::WebsiteBackupChangeAlert), C::Integrity, O::Website, Fixed(S::High, "files changed between backups: possible tampering")),
        row(sg(Sg::WebsiteCleanEnabled), C::Configuration, O::Website, Fixed(S::Low, "malware remediation was switched on, usually after a finding")),
        row(sg(Sg::WebsiteDnssecRotationComplete), C::Configuration, O::Website, Fixed(S::Info, "the DNSSEC key rotation finished")),
        row(sg(Sg::WebsiteDnssecRotationStart), C::Configuration, O::Website, Fixed(S::Medium, "the new DS record must reach the registrar or DNS resolution fails")),
        row(sg(Sg::WebsiteFirewallEnabled), C::Configuration, O::Website, Fixed(S::Info, "the web application firewall was switched on")),
        row(sg(Sg::WebsiteMalwareIssueFixed), C::Integrity, O::Website, Fixed(S::Low, "malware was removed; verify and close the incident")),
        row(sg(Sg::WebsiteMalwareIssueFound), C::Integrity, O::Website, Fixed(S::Critical, "malware on a live website harms its visitors now")),
        row(sg(Sg::WebsiteMonitorEnabled), C::Configuration, O::Website, Fixed(S::Info, "monitoring was switched on")),
        row(sg(Sg::WebsiteRestoreStateChanged), C::Integrity, O::Website, Fixed(S::Low, "a restore the account started is progressing")),
        row(sg(Sg::WebsiteZipDownloadAvailable), C::Integrity, O::Website, Fixed(S::Low, "a requested export is ready; its link is a secret and is redacted")),
        row(sg(Sg::Unknown), C::Unknown, O::Resource, Fixed(S::Medium, "not documented yet, so unrated: flagged for review rather than ignored")),
    ]
};

/// Where `kind`'s row sits: the providers in turn, each one's types in declaration order (its
/// documentation's), then its `Unknown`.
const fn position(kind: Kind) -> usize {
    const CROWDSEC: usize = crowdsec::EventType::DOCUMENTED.len() + 1;
    const CLOUD66: usize = cloud66::EventType::DOCUMENTED.len() + 1;
    match kind {
        Kind::CrowdSec(t) => t as usize,
        Kind::Cloud66(t) => CROWDSEC + t as usize,
        Kind::Sectigo(t) => CROWDSEC + CLOUD66 + t as usize,
    }
}

// The lookup is exhaustive and needs no fallback: checked when compiling, every row sits at its
// kind's position, and the last kind's is the last row, so each kind has exactly one.
const _: () = {
    let mut i = 0;
    while i < RULES.len() {
        assert!(position(RULES[i].kind) == i);
        i += 1;
    }
    assert!(position(Kind::Sectigo(sectigo::EventType::Unknown)) == RULES.len() - 1);
};

/// The table's row for `kind`.
pub fn rule(kind: Kind) -> &'static Rule {
    &RULES[position(kind)]
}

/// Classifies what a parser found into the normalized event, around its payload as it
/// leaves; `text` is the body as received. What it derives is bounded (`bound`).
pub(crate) fn finish<'a>(parts: Parts<'a>, payload: Payload<'a>, text: &'a str) -> Event<'a> {
    let rule = rule(parts.kind);
    let (severity, severity_reason) = rule.severity.evaluate(&parts.rating);
    let id = match parts.id.filter(|id| !id.is_empty()) {
        Some(id) => EventId::Provided(bound::identifier(id)),
        None => EventId::Derived(id::derive(parts.kind.provider(), text.as_bytes())),
    };
    let mut indicators = parts.indicators;
    bound::indicators(&mut indicators);
    Event {
        ty: EventType::new(parts.kind, bound::identifier(parts.event_type)),
        id,
        time: parts.time,
        received_at: None,
        account: parts.account.map(bound::identifier),
        category: rule.category,
        severity,
        severity_reason,
        summary: String::from(bound::cut(parts.summary.into(), bound::MAX_SUMMARY)),
        subject: Subject {
            kind: rule.subject,
            id: parts.subject_id.map(bound::identifier),
            name: parts
                .subject_name
                .map(|name| bound::cut(name, bound::MAX_TEXT)),
        },
        indicators,
        payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_row() {
        let kinds = Kind::documented().chain([
            Kind::CrowdSec(crowdsec::EventType::Unknown),
            Kind::Cloud66(cloud66::EventType::Unknown),
            Kind::Sectigo(sectigo::EventType::Unknown),
        ]);
        let mut n = 0;
        for kind in kinds {
            assert_eq!(
                RULES.iter().filter(|r| r.kind == kind).count(),
                1,
                "{kind:?}"
            );
            n += 1;
        }
        assert_eq!(n, RULES.len());
        assert_eq!(n, 36 + 3);
    }
}
