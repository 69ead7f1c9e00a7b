//! CrowdSec Console webhooks: the `metadata`/`details` envelope and its 15 event types.
//!
//! The models follow the published JSON Schemas field by field (see [`crate::model!`]): `T` for
//! required fields, `Option<T>` for required fields that may be `null`, `= present` for
//! optional fields that may not, `= default` where the schema gives one. One deliberate deviation: the schemas require
//! `event_id`, `organization_id` and `event_timestamp`, yet the documentation's own examples
//! of six event types omit them; rejecting those would make CrowdSec retry and then drop real
//! alerts, so they are optional here (typed when present) and the id is then derived.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::classify::{event_types, finish, Kind, Parts};
use crate::decode::{Decode, Number};
use crate::detect::Probe;
use crate::json::{self, Fault, Raw, Reader, Text};
use crate::model;
use crate::{scan, time};
use crate::{Error, Event, Indicators};

event_types! {
    /// CrowdSec Console's documented webhook event types.
    EventType {
        AmIUnderAttack = "am_i_under_attack",
        AlertTriggered = "alert_triggered",
        SecurityEngineEnrolled = "security_engine_enrolled",
        SecurityEngineUnenrolled = "security_engine_unenrolled",
        SecurityEngineLongPendingEnroll = "security_engine_long_pending_enroll",
        FirewallIntegrationOffline = "firewall_integration_offline",
        RemediationComponentIntegrationOffline = "remediation_component_integration_offline",
        LogProcessorNoAlerts = "log_processor_no_alerts",
        ComponentOutdated = "component_outdated",
        LogProcessorOffline = "log_processor_offline",
        RemediationComponentOffline = "remediation_component_offline",
        SecurityEngineNoAlerts = "security_engine_no_alerts",
        SecurityEngineOffline = "security_engine_offline",
        BlockingSafeIp = "blocking_safe_ip",
        PaymentFailed = "payment_failed",
    }
}

/// Parses an enveloped event: `metadata` must say version 1 from crowdsec.net.
pub(crate) fn parse_envelope<'a>(text: &'a str, probe: &Probe<'a>) -> Result<Event<'a>, Error> {
    let metadata: Metadata = json::member(probe.metadata.map(|r| Raw(r.get())), "metadata")?;
    metadata.check()?;
    let details = probe
        .details
        .ok_or_else(|| Error::missing("details"))?
        .get();
    let event_type = details_type(details)?;
    let kind = EventType::from_type(&event_type);
    let parts = json::read(details, "details", |reader| {
        decode_details(kind, event_type.cow(), reader)
    })?;
    Ok(finish(parts, text.trim()))
}

/// Parses `blocking_safe_ip` sent bare, as the documentation shows it.
pub(crate) fn parse_bare(text: &str) -> Result<Event<'_>, Error> {
    let event: BlockingSafeIp = json::from_body(text)?;
    Ok(finish(
        event.parts(Cow::Borrowed("blocking_safe_ip")),
        text.trim(),
    ))
}

/// Decodes `details` into its event's model, wherever the reader stands: at captured text, or
/// at the member inside the whole body.
fn decode_details<'a>(
    kind: EventType,
    ty: Cow<'a, str>,
    details: &mut Reader<'a>,
) -> Result<Parts<'a>, Fault> {
    Ok(match kind {
        EventType::AmIUnderAttack => AmIUnderAttack::decode(details)?.parts(ty),
        EventType::AlertTriggered => AlertTriggered::decode(details)?.parts(ty),
        EventType::SecurityEngineEnrolled
        | EventType::SecurityEngineUnenrolled
        | EventType::SecurityEngineLongPendingEnroll => {
            EngineEnrollment::decode(details)?.parts(kind, ty)
        }
        EventType::FirewallIntegrationOffline
        | EventType::RemediationComponentIntegrationOffline => {
            IntegrationOffline::decode(details)?.parts(kind, ty)
        }
        EventType::LogProcessorNoAlerts => LogProcessorNoAlerts::decode(details)?.parts(ty),
        EventType::ComponentOutdated => ComponentOutdated::decode(details)?.parts(ty),
        EventType::LogProcessorOffline => LogProcessorOffline::decode(details)?.parts(ty),
        EventType::RemediationComponentOffline => {
            RemediationComponentOffline::decode(details)?.parts(ty)
        }
        EventType::SecurityEngineNoAlerts => EngineNoAlerts::decode(details)?.parts(ty),
        EventType::SecurityEngineOffline => EngineOffline::decode(details)?.parts(ty),
        EventType::BlockingSafeIp => BlockingSafeIp::decode(details)?.parts(ty),
        EventType::PaymentFailed | EventType::Unknown => Common::decode(details)?.parts(kind, ty),
    })
}

/// Parses an enveloped payload on a CrowdSec route in one pass: a scan finds
/// `details.event_type` first, so `details` decodes straight into its event's model, which
/// refuses a repeated `event_type` as the envelope's reader refuses a repeated `details`.
/// `None` when the scan cannot tell (no envelope, a name escaped, a type that is not a string):
/// detection then decides, and explains.
pub(crate) fn parse_routed(text: &str) -> Option<Result<Event<'_>, Error>> {
    let event_type = scan::first_member(text, &["details", "event_type"])?;
    let event_type: Text = json::from_text(event_type, "details.event_type").ok()?;
    Some(parse_in_one_pass(text, event_type))
}

/// Reads the envelope, decoding `details` as the event type found beforehand says.
fn parse_in_one_pass<'a>(text: &'a str, event_type: Text<'a>) -> Result<Event<'a>, Error> {
    let kind = EventType::from_type(&event_type);
    let (metadata, parts) = json::read(text, "", |reader| {
        let (mut metadata, mut parts) = (None, None);
        let end = reader.object(|reader, key| {
            match &*key.name {
                "metadata" if metadata.is_some() => return Err(Fault::duplicate(&key)),
                "details" if parts.is_some() => return Err(Fault::duplicate(&key)),
                "metadata" => metadata = Some(Metadata::decode(reader)?),
                "details" => parts = Some(decode_details(kind, event_type.cow(), reader)?),
                _ => reader.skip()?,
            }
            Ok(())
        })?;
        Ok((
            metadata.ok_or_else(|| Fault::missing(end, "metadata"))?,
            parts.ok_or_else(|| Fault::missing(end, "details"))?,
        ))
    })?;
    metadata.check()?;
    Ok(finish(parts, text.trim()))
}

/// `details.event_type`, which chooses the model. Found by scanning, as `details` is most of
/// the payload and the model reads it again (and refuses a repeated `event_type`); a full parse
/// only explains what the scan cannot find, such as a missing `event_type`.
fn details_type(details: &str) -> Result<Text<'_>, Error> {
    match scan::first_member(details, &["event_type"]) {
        Some(text) => json::from_text(text, "details.event_type"),
        None => json::from_text::<DetailsHead>(details, "details").map(|head| head.event_type),
    }
}

model! {
    /// What `details` must say before its event's model is chosen.
    struct DetailsHead<'a> {
        event_type: Text<'a>,
    }
}

model! {
    struct Metadata<'a> {
        version: i64,
        issuer: Text<'a>,
    }
}

impl Metadata<'_> {
    fn check(&self) -> Result<(), Error> {
        if self.version != 1 {
            return Err(Error::schema("metadata.version", "must be 1"));
        }
        if &*self.issuer != "crowdsec.net" {
            return Err(Error::schema("metadata.issuer", "must be \"crowdsec.net\""));
        }
        Ok(())
    }
}

/// Declares a `details` model: the fields every event shares, then the event's own.
/// `event_type` chose the model before it is read; declared, it may not appear twice.
macro_rules! details {
    ($(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        model! {
            $(#[$meta])*
            struct $name<'a> {
                _event_type as "event_type": Text<'a>,
                event_id: Option<Text<'a>> = present,
                organization_id: Option<Text<'a>> = present,
                event_timestamp: Option<Text<'a>> = present,
                $($body)*
            }
        }

        impl<'a> $name<'a> {
            /// The parts every event shares; the caller fills in the rest.
            fn common(&self, kind: EventType, event_type: Cow<'a, str>) -> Parts<'a> {
                Parts {
                    kind: Kind::CrowdSec(kind),
                    event_type,
                    id: self.event_id.as_ref().map(Text::cow),
                    time: self.event_timestamp.as_ref().and_then(|t| time::rfc3339(t.cow())),
                    account: self.organization_id.as_ref().map(Text::cow),
                    subject_id: None,
                    subject_name: None,
                    indicators: Indicators::default(),
                    summary: String::new(),
                }
            }
        }
    };
}

details! {
    /// `payment_failed`, and any type CrowdSec documents later.
    Common {}
}

impl<'a> Common<'a> {
    fn parts(self, kind: EventType, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(kind, ty);
        parts.subject_id = parts.account.clone();
        parts.summary = match kind {
            EventType::PaymentFailed => format!(
                "A payment for the CrowdSec subscription of organization {} failed",
                or_unknown(&parts.account)
            ),
            _ => format!(
                "CrowdSec sent a {} event, a type not documented yet",
                parts.event_type
            ),
        };
        parts
    }
}

details! {
    AmIUnderAttack {
        start_date: Text<'a>,
        end_date: Text<'a>,
        _segments_with_anomaly as "segments_with_anomaly": Vec<Text<'a>>,
        total_signals: i64,
        report_data: Option<AnomalyReport<'a>>,
        _watchers as "watchers": Vec<WatcherReport<'a>>,
    }
}

model! {
    struct AnomalyReport<'a> {
        is_attack_detected: bool,
        unique_detections: i64,
        total_detections: i64,
        _attack_length as "attack_length": i64,
        _first_detection_date as "first_detection_date": Text<'a>,
        _last_detection_date as "last_detection_date": Text<'a>,
        _increased_percentage as "increased_percentage": Number,
    }
}

model! {
    struct WatcherReport<'a> {
        _watcher_uuid as "watcher_uuid": Text<'a>,
        _total_signals as "total_signals": i64,
    }
}

impl<'a> AmIUnderAttack<'a> {
    fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(EventType::AmIUnderAttack, ty);
        parts.subject_id = parts.account.clone();
        let report = self.report_data.as_ref();
        parts.indicators.attack_detected = Some(report.is_some_and(|r| r.is_attack_detected));
        parts.indicators.signals = Some(self.total_signals);
        parts.indicators.count = report.map(|r| r.total_detections);
        parts.summary = match report {
            Some(r) if r.is_attack_detected => format!(
                "Organization {} is under attack: {} detections from {} unique sources between {} and {}",
                or_unknown(&parts.account),
                r.total_detections,
                r.unique_detections,
                &*self.start_date,
                &*self.end_date
            ),
            _ => format!(
                "Signal anomaly for organization {} between {} and {} ({} signals), no attack confirmed",
                or_unknown(&parts.account),
                &*self.start_date,
                &*self.end_date,
                self.total_signals
            ),
        };
        parts
    }
}

model! {
    /// A behavior of `alert_triggered`: all three fields required.
    struct Behavior<'a> {
        _name as "name": Text<'a>,
        _description as "description": Text<'a>,
        label: Text<'a>,
    }
}

model! {
    #[derive(Default)]
    struct Target<'a> {
        ip: Text<'a>,
        id: Text<'a>,
        name: Option<Text<'a>> = default,
    }
}

model! {
    #[derive(Default)]
    struct Source<'a> {
        scope: Text<'a>,
        value: Text<'a>,
        as_name: Option<Text<'a>> = default,
        as_number: Option<i64> = default,
        country: Option<Text<'a>> = default,
        city: Option<Text<'a>> = default,
        _latitude as "latitude": Option<Number> = default,
        _longitude as "longitude": Option<Number> = default,
        rdns: Option<Text<'a>> = default,
    }
}

details! {
    AlertTriggered {
        _uuid as "uuid": Option<Text<'a>>,
        _message as "message": Option<Text<'a>>,
        scenario: Text<'a>,
        behaviors: Vec<Behavior<'a>>,
        _start_at as "start_at": Text<'a>,
        _stop_at as "stop_at": Text<'a>,
        target: Target<'a>,
        source: Source<'a>,
        is_manual_decision: bool,
        scenario_confidence: i64,
    }
}

impl<'a> AlertTriggered<'a> {
    fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(EventType::AlertTriggered, ty);
        let behaviors = self.behaviors.iter().map(|b| b.label.cow()).collect();
        attack_parts(&mut parts, &self.scenario, &self.target, &self.source);
        parts.indicators.confidence = Some(self.scenario_confidence);
        parts.indicators.manual = Some(self.is_manual_decision);
        parts.indicators.behaviors = behaviors;
        parts.summary = format!(
            "{} from {} {} against {} (confidence {})",
            &*self.scenario,
            &*self.source.scope,
            &*self.source.value,
            target_label(&self.target),
            self.scenario_confidence
        );
        parts
    }
}

/// What an alert and a false positive share: who attacked what, and from where.
fn attack_parts<'a>(
    parts: &mut Parts<'a>,
    scenario: &Text<'a>,
    target: &Target<'a>,
    source: &Source<'a>,
) {
    let i = &mut parts.indicators;
    i.scenario = Some(scenario.cow());
    i.source_scope = Some(source.scope.cow());
    i.source_value = Some(source.value.cow());
    if source.scope.eq_ignore_ascii_case("ip") {
        i.source_ip = Some(source.value.cow());
    }
    i.country = source.country.as_ref().map(Text::cow);
    i.city = source.city.as_ref().map(Text::cow);
    i.as_number = source.as_number;
    i.as_name = source.as_name.as_ref().map(Text::cow);
    i.rdns = source.rdns.as_ref().map(Text::cow);
    i.target_ip = Some(target.ip.cow());
    parts.subject_id = Some(target.id.cow());
    parts.subject_name = target.name.as_ref().map(Text::cow);
}

fn target_label<'t>(target: &'t Target<'_>) -> &'t str {
    target.name.as_deref().unwrap_or(&target.id)
}

model! {
    struct OperatingSystem<'a> {
        name: Text<'a>,
        version: Text<'a>,
    }
}

details! {
    /// `security_engine_enrolled`, `_unenrolled` and `_long_pending_enroll` share a schema.
    EngineEnrollment {
        id: Text<'a>,
        version: Option<Text<'a>>,
        os: Option<OperatingSystem<'a>>,
    }
}

impl<'a> EngineEnrollment<'a> {
    fn parts(self, kind: EventType, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(kind, ty);
        parts.subject_id = Some(self.id.cow());
        let what = match kind {
            EventType::SecurityEngineEnrolled => "was enrolled",
            EventType::SecurityEngineUnenrolled => "was unenrolled",
            _ => "has been waiting a long time for its enrollment to be accepted",
        };
        parts.summary = format!(
            "Security engine {}{}{} {what}",
            label(&self.id),
            version_suffix(&self.version),
            os_suffix(&self.os)
        );
        parts
    }
}

fn version_suffix(version: &Option<Text<'_>>) -> String {
    match version.as_deref() {
        Some(v) if !v.is_empty() => format!(" {v}"),
        _ => String::new(),
    }
}

fn os_suffix(os: &Option<OperatingSystem<'_>>) -> String {
    match os {
        Some(os) if !os.name.is_empty() => format!(" on {} {}", &*os.name, &*os.version),
        _ => String::new(),
    }
}

/// A component's id for a sentence; CrowdSec may send an empty one.
fn label(id: &str) -> &str {
    if id.is_empty() {
        "(unnamed)"
    } else {
        id
    }
}

details! {
    /// `firewall_integration_offline` and `remediation_component_integration_offline`.
    IntegrationOffline {
        id: Text<'a>,
        name: Text<'a>,
        last_pull: Text<'a>,
    }
}

impl<'a> IntegrationOffline<'a> {
    fn parts(self, kind: EventType, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(kind, ty);
        let what = match kind {
            EventType::FirewallIntegrationOffline => "Firewall integration",
            _ => "Remediation component integration",
        };
        parts.summary = format!(
            "{what} {} is offline: no blocklist pull since {}",
            &*self.name, &*self.last_pull
        );
        component(&mut parts, &self.id, Some(&self.name), &self.last_pull);
        parts
    }
}

/// Subject and last-seen time of an engine, processor or integration.
fn component<'a>(
    parts: &mut Parts<'a>,
    id: &Text<'a>,
    name: Option<&Text<'a>>,
    last_seen: &Text<'a>,
) {
    parts.subject_id = Some(id.cow());
    parts.subject_name = name.map(Text::cow);
    parts.indicators.last_seen = Some(last_seen.cow());
}

details! {
    ComponentOutdated {
        nb_remediation_component: i64,
        nb_log_processor: i64,
        nb_security_engine: i64,
    }
}

impl<'a> ComponentOutdated<'a> {
    fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = self.common(EventType::ComponentOutdated, ty);
        parts.subject_id = parts.account.clone();
        parts.indicators.count = Some(
            self.nb_security_engine
                .saturating_add(self.nb_log_processor)
                .saturating_add(self.nb_remediation_component),
        );
        parts.summary = format!(
            "Outdated CrowdSec components: {} security engines, {} log processors, {} remediation components",
            self.nb_security_engine, self.nb_log_processor, self.nb_remediation_component
        );
        parts
    }
}

/// `log_processor_no_alerts`, `log_processor_offline` and `remediation_component_offline`:
/// a named component, its version, and when it was last heard from, under a name of its own.
macro_rules! component_silent {
    ($name:ident, $last_seen:ident, $kind:expr, $component:literal, $what:literal) => {
        details! {
            $name {
                id: Text<'a>,
                name: Text<'a>,
                version: Option<Text<'a>>,
                $last_seen: Text<'a>,
            }
        }

        impl<'a> $name<'a> {
            fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
                let mut parts = self.common($kind, ty);
                parts.summary = format!(
                    concat!($component, " {}{} ", $what, " {}"),
                    &*self.name,
                    version_suffix(&self.version),
                    &*self.$last_seen
                );
                component(&mut parts, &self.id, Some(&self.name), &self.$last_seen);
                parts
            }
        }
    };
}

component_silent!(
    LogProcessorNoAlerts,
    last_push,
    EventType::LogProcessorNoAlerts,
    "Log processor",
    "has pushed no alerts since"
);
component_silent!(
    LogProcessorOffline,
    last_update,
    EventType::LogProcessorOffline,
    "Log processor",
    "is offline since"
);
component_silent!(
    RemediationComponentOffline,
    last_pull,
    EventType::RemediationComponentOffline,
    "Remediation component",
    "has not pulled decisions since"
);

/// `security_engine_no_alerts` and `security_engine_offline`: the same fields, but the time
/// the engine was last heard from is `last_push` in one and `last_login` in the other, each
/// required only in its own event.
macro_rules! engine_silent {
    ($name:ident, $last_seen:ident, $kind:expr, $what:literal) => {
        details! {
            $name {
                id: Text<'a>,
                version: Option<Text<'a>>,
                os: Option<OperatingSystem<'a>>,
                name: Option<Text<'a>>,
                $last_seen: Text<'a>,
            }
        }

        impl<'a> $name<'a> {
            fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
                let mut parts = self.common($kind, ty);
                parts.summary = format!(
                    concat!("Security engine {}{}{} ", $what, " {}"),
                    label(self.name.as_deref().unwrap_or(&self.id)),
                    version_suffix(&self.version),
                    os_suffix(&self.os),
                    &*self.$last_seen
                );
                component(&mut parts, &self.id, self.name.as_ref(), &self.$last_seen);
                parts
            }
        }
    };
}

engine_silent!(
    EngineNoAlerts,
    last_push,
    EventType::SecurityEngineNoAlerts,
    "has pushed no alerts since"
);
engine_silent!(
    EngineOffline,
    last_login,
    EventType::SecurityEngineOffline,
    "is offline, last login"
);

model! {
    /// A behavior or false positive of `blocking_safe_ip`: `description` is optional there.
    struct Label<'a> {
        _name as "name": Text<'a>,
        label: Text<'a>,
        _description as "description": Option<Text<'a>> = present,
    }
}

model! {
    /// `blocking_safe_ip`, with or without the envelope. Its schema makes the shared fields
    /// optional and adds `false_positives`, required but nullable.
    struct BlockingSafeIp<'a> {
        _event_type as "event_type": Option<Text<'a>> = present,
        event_id: Option<Text<'a>> = present,
        organization_id: Option<Text<'a>> = present,
        event_timestamp: Option<Text<'a>> = present,
        _uuid as "uuid": Option<Text<'a>> = default,
        _message as "message": Option<Text<'a>> = default,
        scenario: Text<'a>,
        behaviors: Vec<Label<'a>> = default,
        _start_at as "start_at": Text<'a>,
        _stop_at as "stop_at": Text<'a>,
        target: Target<'a>,
        source: Source<'a>,
        is_manual_decision: bool = default,
        scenario_confidence: i64 = default,
        false_positives: Option<Vec<Label<'a>>>,
    }
}

impl<'a> BlockingSafeIp<'a> {
    fn parts(self, ty: Cow<'a, str>) -> Parts<'a> {
        let mut parts = Parts {
            kind: Kind::CrowdSec(EventType::BlockingSafeIp),
            event_type: ty,
            id: self.event_id.as_ref().map(Text::cow),
            time: self
                .event_timestamp
                .as_ref()
                .and_then(|t| time::rfc3339(t.cow())),
            account: self.organization_id.as_ref().map(Text::cow),
            subject_id: None,
            subject_name: None,
            indicators: Indicators::default(),
            summary: String::new(),
        };
        attack_parts(&mut parts, &self.scenario, &self.target, &self.source);
        let labels: Vec<Cow<'a, str>> = self
            .false_positives
            .iter()
            .flatten()
            .map(|f| f.label.cow())
            .collect();
        parts.indicators.confidence = Some(self.scenario_confidence);
        parts.indicators.manual = Some(self.is_manual_decision);
        parts.indicators.behaviors = self.behaviors.iter().map(|b| b.label.cow()).collect();
        parts.summary = format!(
            "Known-safe {} {}{} was blocked by {} on {}",
            &*self.source.scope,
            &*self.source.value,
            if labels.is_empty() {
                String::new()
            } else {
                format!(" ({})", labels.join(", "))
            },
            &*self.scenario,
            target_label(&self.target)
        );
        parts.indicators.false_positives = labels;
        parts
    }
}

fn or_unknown<'s>(value: &'s Option<Cow<'_, str>>) -> &'s str {
    value.as_deref().unwrap_or("(unknown)")
}
