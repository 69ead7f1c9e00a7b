//! CrowdSec Console webhooks: the `metadata`/`details` envelope and its 15 event types.
//!
//! The models follow the published JSON Schemas field by field: `T` for required fields,
//! `Option<T>` read with `nullable` for required fields that may be `null`, with `present` for
//! optional fields that may not, `default` where the schema gives one; objects are read as
//! `Object`s. One deliberate deviation: the schemas require `event_id`, `organization_id` and
//! `event_timestamp`, yet the documentation's own examples of six event types omit them;
//! rejecting those would make CrowdSec retry and then drop real alerts, so they are optional
//! here (typed when present) and the id is then derived.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::detect::{Details, Probe};
use super::{event_types, Kind, Parts};
use crate::input::{self, nullable, present, Object, Text};
use crate::time;
use crate::{Error, Indicators};

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

/// Parses an enveloped event that detection found: `details.event_type`, which the probe
/// captured, chooses the model that reads `details`; `metadata` must say version 1 from
/// crowdsec.net.
pub(crate) fn parse_envelope<'a>(text: &'a str, probe: &Probe<'a>) -> Result<Parts<'a>, Error> {
    if probe.metadata.is_none() {
        return Err(Error::missing("metadata"));
    }
    let event_type = match &probe.details {
        None => return Err(Error::missing("details")),
        Some(Details::Object {
            event_type: Some(event_type),
        }) => event_type,
        Some(Details::Object { event_type: None }) => {
            return Err(Error::missing("details.event_type"))
        }
        Some(Details::Other) => {
            // The model says how `details` is wrong; it reads objects only.
            read_known(text, Cow::Borrowed(""))?;
            return Err(Error::schema("details", "expected an object"));
        }
    };
    let Text(ty) = input::read(event_type.get(), "details.event_type")?;
    read_known(text, ty)
}

/// Reads the envelope, `details` as the model of type `ty`, and checks `metadata`.
fn read_known<'a>(text: &'a str, ty: Cow<'a, str>) -> Result<Parts<'a>, Error> {
    let (Object(metadata), parts) = input::read_seed(text, Envelope(Some(ty)), "")?;
    metadata.check()?;
    Ok(parts)
}

/// Reads a body as an envelope in one pass, without detection (see [`Envelope`]); `None` if
/// it is not an accepted one, for detection to decide and explain.
pub(crate) fn read_guessed(text: &str) -> Option<Parts<'_>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let (Object(metadata), parts) = Envelope(None).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    metadata.check().ok()?;
    Some(parts)
}

/// The envelope: `metadata`, and `details` read as the model its event type chooses. Detection
/// has captured that type (`Some`), or it is found in `details` (`None`): its members up to its
/// first `event_type` are then kept unparsed and replayed into the model. The members that mark
/// other providers' shapes may not be repeated, as detection requires.
struct Envelope<'a>(Option<Cow<'a, str>>);

impl<'de> DeserializeSeed<'de> for Envelope<'de> {
    type Value = (Object<Metadata<'de>>, Parts<'de>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'de> {
    type Value = (Object<Metadata<'de>>, Parts<'de>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        const MARKERS: [&str; 5] = ["event_type", "timestamp", "event", "target", "partner"];
        let mut metadata = None;
        let mut parts = None;
        let mut markers = [false; MARKERS.len()];
        while let Some(Text(key)) = map.next_key()? {
            match &*key {
                "metadata" if metadata.is_some() => {
                    return Err(de::Error::duplicate_field("metadata"))
                }
                "metadata" => metadata = Some(map.next_value()?),
                "details" if parts.is_some() => return Err(de::Error::duplicate_field("details")),
                "details" => parts = Some(map.next_value_seed(DetailsSeed(self.0.take()))?),
                name => {
                    if let Some(seen) = MARKERS.iter().position(|m| *m == name) {
                        if core::mem::replace(&mut markers[seen], true) {
                            return Err(de::Error::duplicate_field(MARKERS[seen]));
                        }
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let metadata = metadata.ok_or_else(|| de::Error::missing_field("metadata"))?;
        let parts = parts.ok_or_else(|| de::Error::missing_field("details"))?;
        Ok((metadata, parts))
    }
}

/// `details`, read as the model its event type chooses.
struct DetailsSeed<'a>(Option<Cow<'a, str>>);

impl<'de> DeserializeSeed<'de> for DetailsSeed<'de> {
    type Value = Parts<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Parts<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DetailsSeed<'de> {
    type Value = Parts<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts<'de>, A::Error> {
        let mut before = Vec::new();
        let ty = match self.0 {
            Some(ty) => ty,
            None => loop {
                let Some(Text(key)) = map.next_key()? else {
                    return Err(de::Error::missing_field("event_type"));
                };
                let value: &'de RawValue = map.next_value()?;
                let event_type = key == "event_type";
                before.push((key, value));
                if event_type {
                    let Text(ty) = serde_json::from_str(value.get()).map_err(de::Error::custom)?;
                    break ty;
                }
            },
        };
        dispatch(
            ty,
            Replay {
                before: before.into_iter(),
                value: None,
                map,
            },
        )
    }
}

/// The type's model, and its parts.
fn dispatch<'a, A: MapAccess<'a>>(
    ty: Cow<'a, str>,
    details: Replay<'a, A>,
) -> Result<Parts<'a>, A::Error> {
    let kind = EventType::from_type(&ty);
    let parts = match kind {
        EventType::AmIUnderAttack => details.read::<AmIUnderAttack>()?.parts(ty),
        EventType::AlertTriggered => details.read::<AlertTriggered>()?.parts(ty),
        EventType::SecurityEngineEnrolled
        | EventType::SecurityEngineUnenrolled
        | EventType::SecurityEngineLongPendingEnroll => {
            details.read::<EngineEnrollment>()?.parts(kind, ty)
        }
        EventType::FirewallIntegrationOffline
        | EventType::RemediationComponentIntegrationOffline => {
            details.read::<IntegrationOffline>()?.parts(kind, ty)
        }
        EventType::LogProcessorNoAlerts => details.read::<LogProcessorNoAlerts>()?.parts(ty),
        EventType::ComponentOutdated => details.read::<ComponentOutdated>()?.parts(ty),
        EventType::LogProcessorOffline => details.read::<LogProcessorOffline>()?.parts(ty),
        EventType::RemediationComponentOffline => {
            details.read::<RemediationComponentOffline>()?.parts(ty)
        }
        EventType::SecurityEngineNoAlerts => details.read::<EngineNoAlerts>()?.parts(ty),
        EventType::SecurityEngineOffline => details.read::<EngineOffline>()?.parts(ty),
        EventType::BlockingSafeIp => details.read::<BlockingSafeIp>()?.parts(ty),
        EventType::PaymentFailed | EventType::Unknown => details.read::<Common>()?.parts(kind, ty),
    };
    Ok(parts)
}

/// `details`' members read so far, unparsed (none when detection found the type), then the
/// rest of it.
struct Replay<'de, A> {
    before: alloc::vec::IntoIter<(Cow<'de, str>, &'de RawValue)>,
    value: Option<&'de RawValue>,
    map: A,
}

impl<'de, A: MapAccess<'de>> Replay<'de, A> {
    fn read<T: Deserialize<'de>>(self) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(self))
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some((key, value)) = self.before.next() else {
            return self.map.next_key_seed(seed);
        };
        self.value = Some(value);
        match key {
            Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
            Cow::Owned(key) => seed.deserialize(StringDeserializer::new(key)),
        }
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// Parses `blocking_safe_ip` sent bare, as the documentation shows it.
pub(crate) fn parse_bare(text: &str) -> Result<Parts<'_>, Error> {
    let Object(event): Object<BlockingSafeIp> = input::read(text, "")?;
    Ok(event.parts(Cow::Borrowed("blocking_safe_ip")))
}

#[derive(Deserialize)]
struct Metadata<'a> {
    version: i64,
    #[serde(borrow)]
    issuer: Text<'a>,
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
        $(#[$meta])*
        #[derive(Deserialize)]
        struct $name<'a> {
            #[serde(rename = "event_type")]
            _event_type: IgnoredAny,
            #[serde(borrow, default, deserialize_with = "present")]
            event_id: Option<Text<'a>>,
            #[serde(borrow, default, deserialize_with = "present")]
            organization_id: Option<Text<'a>>,
            #[serde(borrow, default, deserialize_with = "present")]
            event_timestamp: Option<Text<'a>>,
            $($body)*
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
                    redact: false,
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
        #[serde(borrow)]
        start_date: Text<'a>,
        #[serde(borrow)]
        end_date: Text<'a>,
        #[serde(borrow, rename = "segments_with_anomaly")]
        _segments_with_anomaly: Vec<Text<'a>>,
        total_signals: i64,
        #[serde(borrow, deserialize_with = "nullable")]
        report_data: Option<Object<AnomalyReport<'a>>>,
        #[serde(borrow, rename = "watchers")]
        _watchers: Vec<Object<WatcherReport<'a>>>,
    }
}

#[derive(Deserialize)]
struct AnomalyReport<'a> {
    is_attack_detected: bool,
    unique_detections: i64,
    total_detections: i64,
    #[serde(rename = "attack_length")]
    _attack_length: i64,
    #[serde(borrow, rename = "first_detection_date")]
    _first_detection_date: Text<'a>,
    #[serde(borrow, rename = "last_detection_date")]
    _last_detection_date: Text<'a>,
    /// Validated as a number, not read.
    #[serde(rename = "increased_percentage")]
    _increased_percentage: f64,
}

#[derive(Deserialize)]
struct WatcherReport<'a> {
    #[serde(borrow, rename = "watcher_uuid")]
    _watcher_uuid: Text<'a>,
    #[serde(rename = "total_signals")]
    _total_signals: i64,
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

/// A behavior of `alert_triggered`: all three fields required.
#[derive(Deserialize)]
struct Behavior<'a> {
    #[serde(borrow, rename = "name")]
    _name: Text<'a>,
    #[serde(borrow, rename = "description")]
    _description: Text<'a>,
    #[serde(borrow)]
    label: Text<'a>,
}

#[derive(Deserialize)]
struct Target<'a> {
    #[serde(borrow)]
    ip: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Source<'a> {
    #[serde(borrow)]
    scope: Text<'a>,
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(borrow, default)]
    as_name: Option<Text<'a>>,
    #[serde(default)]
    as_number: Option<i64>,
    #[serde(borrow, default)]
    country: Option<Text<'a>>,
    #[serde(borrow, default)]
    city: Option<Text<'a>>,
    #[serde(default, rename = "latitude")]
    _latitude: Option<f64>,
    #[serde(default, rename = "longitude")]
    _longitude: Option<f64>,
    #[serde(borrow, default)]
    rdns: Option<Text<'a>>,
}

details! {
    AlertTriggered {
        #[serde(borrow, rename = "uuid", deserialize_with = "nullable")]
        _uuid: Option<Text<'a>>,
        #[serde(borrow, rename = "message", deserialize_with = "nullable")]
        _message: Option<Text<'a>>,
        #[serde(borrow)]
        scenario: Text<'a>,
        #[serde(borrow)]
        behaviors: Vec<Object<Behavior<'a>>>,
        #[serde(borrow, rename = "start_at")]
        _start_at: Text<'a>,
        #[serde(borrow, rename = "stop_at")]
        _stop_at: Text<'a>,
        #[serde(borrow)]
        target: Object<Target<'a>>,
        #[serde(borrow)]
        source: Object<Source<'a>>,
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

#[derive(Deserialize)]
struct OperatingSystem<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    version: Text<'a>,
}

details! {
    /// `security_engine_enrolled`, `_unenrolled` and `_long_pending_enroll` share a schema.
    EngineEnrollment {
        #[serde(borrow)]
        id: Text<'a>,
        #[serde(borrow, deserialize_with = "nullable")]
        version: Option<Text<'a>>,
        #[serde(borrow, deserialize_with = "nullable")]
        os: Option<Object<OperatingSystem<'a>>>,
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

fn os_suffix(os: &Option<Object<OperatingSystem<'_>>>) -> String {
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
        #[serde(borrow)]
        id: Text<'a>,
        #[serde(borrow)]
        name: Text<'a>,
        #[serde(borrow)]
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
                #[serde(borrow)]
                id: Text<'a>,
                #[serde(borrow)]
                name: Text<'a>,
                #[serde(borrow, deserialize_with = "nullable")]
                version: Option<Text<'a>>,
                #[serde(borrow)]
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
                #[serde(borrow)]
                id: Text<'a>,
                #[serde(borrow, deserialize_with = "nullable")]
                version: Option<Text<'a>>,
                #[serde(borrow, deserialize_with = "nullable")]
                os: Option<Object<OperatingSystem<'a>>>,
                #[serde(borrow, deserialize_with = "nullable")]
                name: Option<Text<'a>>,
                #[serde(borrow)]
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

/// A behavior or false positive of `blocking_safe_ip`: `description` is optional there.
#[derive(Deserialize)]
struct Label<'a> {
    #[serde(borrow, rename = "name")]
    _name: Text<'a>,
    #[serde(borrow)]
    label: Text<'a>,
    #[serde(borrow, default, rename = "description", deserialize_with = "present")]
    _description: Option<Text<'a>>,
}

/// `blocking_safe_ip`, with or without the envelope. Its schema makes the shared fields
/// optional and adds `false_positives`, required but nullable.
#[derive(Deserialize)]
struct BlockingSafeIp<'a> {
    #[serde(borrow, default, rename = "event_type", deserialize_with = "present")]
    _event_type: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    event_id: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    organization_id: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    event_timestamp: Option<Text<'a>>,
    #[serde(borrow, default, rename = "uuid")]
    _uuid: Option<Text<'a>>,
    #[serde(borrow, default, rename = "message")]
    _message: Option<Text<'a>>,
    #[serde(borrow)]
    scenario: Text<'a>,
    #[serde(borrow, default)]
    behaviors: Vec<Object<Label<'a>>>,
    #[serde(borrow, rename = "start_at")]
    _start_at: Text<'a>,
    #[serde(borrow, rename = "stop_at")]
    _stop_at: Text<'a>,
    #[serde(borrow)]
    target: Object<Target<'a>>,
    #[serde(borrow)]
    source: Object<Source<'a>>,
    #[serde(default)]
    is_manual_decision: bool,
    #[serde(default)]
    scenario_confidence: i64,
    #[serde(borrow, deserialize_with = "nullable")]
    false_positives: Option<Vec<Object<Label<'a>>>>,
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
            redact: false,
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
