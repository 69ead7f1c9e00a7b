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

use core::cell::Cell;
use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::detect::{Details, Probe};
use super::{event_types, Kind, Parts};
use crate::input::{self, nullable, present, Object, Text};
use crate::mask::Mask;
use crate::time;
use crate::Error;

event_types! {
    /// CrowdSec Console's documented webhook event types.
    EventType in "net.crowdsec.console." {
        /// The periodic anomaly report: whether the organization's signals amount to an attack.
        AmIUnderAttack = "am_i_under_attack",
        /// A scenario fired on a Security Engine: an attack from a source on a machine.
        AlertTriggered = "alert_triggered",
        /// A Security Engine joined the organization.
        SecurityEngineEnrolled = "security_engine_enrolled",
        /// A Security Engine left the organization and protects nothing any more.
        SecurityEngineUnenrolled = "security_engine_unenrolled",
        /// A Security Engine's enrollment has long waited for approval.
        SecurityEngineLongPendingEnroll = "security_engine_long_pending_enroll",
        /// A firewall integration has not pulled its blocklist for 24 hours.
        FirewallIntegrationOffline = "firewall_integration_offline",
        /// A remediation component integration has not pulled its blocklist for 24 hours.
        RemediationComponentIntegrationOffline = "remediation_component_integration_offline",
        /// A Log Processor raised no alert for 48 hours.
        LogProcessorNoAlerts = "log_processor_no_alerts",
        /// Components of the organization have updates available.
        ComponentOutdated = "component_outdated",
        /// A Log Processor has not reported for 24 hours.
        LogProcessorOffline = "log_processor_offline",
        /// A Remediation Component (bouncer) stopped reporting: detections are no longer enforced.
        RemediationComponentOffline = "remediation_component_offline",
        /// A Security Engine raised no alert for 48 hours.
        SecurityEngineNoAlerts = "security_engine_no_alerts",
        /// A Security Engine has not reported for 48 hours.
        SecurityEngineOffline = "security_engine_offline",
        /// A known-safe address (a CDN, a partner) was blocked.
        BlockingSafeIp = "blocking_safe_ip",
        /// The organization's subscription payment failed.
        PaymentFailed = "payment_failed",
    }
}

/// Parses an enveloped event that detection found: `details.event_type`, which the probe
/// captured, chooses the model that reads `details`; `metadata` must say version 1 from
/// crowdsec.net.
pub(crate) fn parse_envelope<'a>(text: &'a str, probe: &Probe<'a>) -> Result<Parsed<'a>, Error> {
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
fn read_known<'a>(text: &'a str, ty: Cow<'a, str>) -> Result<Parsed<'a>, Error> {
    let replayed = Cell::new(false);
    let (Object(metadata), parsed) = input::read_seed(text, Envelope(Some(ty), &replayed), "")?;
    metadata.check()?;
    Ok(parsed)
}

/// Reads a body as an envelope in one pass, without detection (see [`Envelope`]). The model's
/// refusal is returned as detection's reading would give it, so that a refused body is read
/// once more to explain it, not three times; but not where it is not exact (in a member of
/// `details` before its `event_type`, replayed and so placed at the type) nor for text that is
/// not JSON, which `serde_json` words after the reader: then `Err(None)`, and detection decides
/// and explains.
pub(crate) fn read_guessed(text: &str) -> Result<Parsed<'_>, Option<Error>> {
    let replayed = Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = Envelope(None, &replayed)
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match read {
        Ok((Object(metadata), parsed)) => metadata.check().map(|()| parsed).map_err(Some),
        Err(e) if input::is_refusal(&e) && !replayed.get() => {
            Err(Some(input::explain(text, "", &e)))
        }
        Err(_) => Err(None),
    }
}

/// The envelope: `metadata`, and `details` read as the model its event type chooses. Detection
/// has captured that type (`Some`), or it is found in `details` (`None`): its members up to its
/// first `event_type` are then kept unparsed and replayed into the model. The members that mark
/// other providers' shapes may not be repeated, as detection requires. The cell says whether
/// a member was replayed (see [`read_guessed`]).
struct Envelope<'a, 'r>(Option<Cow<'a, str>>, &'r Cell<bool>);

impl<'de> DeserializeSeed<'de> for Envelope<'de, '_> {
    type Value = (Object<Metadata<'de>>, Parsed<'de>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'de, '_> {
    type Value = (Object<Metadata<'de>>, Parsed<'de>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        const MARKERS: [&str; 5] = ["event_type", "timestamp", "event", "target", "partner"];
        let mut metadata = None;
        let mut parsed = None;
        let mut markers = [false; MARKERS.len()];
        while let Some(Text(key)) = map.next_key()? {
            match &*key {
                "metadata" if metadata.is_some() => {
                    return Err(de::Error::duplicate_field("metadata"))
                }
                "metadata" => metadata = Some(map.next_value()?),
                "details" if parsed.is_some() => return Err(de::Error::duplicate_field("details")),
                "details" => {
                    parsed = Some(map.next_value_seed(DetailsSeed(self.0.take(), self.1))?);
                }
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
        let parsed = parsed.ok_or_else(|| de::Error::missing_field("details"))?;
        Ok((metadata, parsed))
    }
}

/// `details`, read as the model its event type chooses; the cell is set when members before
/// the type are replayed, or the type is no string.
struct DetailsSeed<'a, 'r>(Option<Cow<'a, str>>, &'r Cell<bool>);

impl<'de> DeserializeSeed<'de> for DetailsSeed<'de, '_> {
    type Value = Parsed<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Parsed<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DetailsSeed<'de, '_> {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed<'de>, A::Error> {
        let mut before = Vec::new();
        let ty = match self.0 {
            Some(ty) => ty,
            None => loop {
                let Some(Text(key)) = map.next_key()? else {
                    self.1.set(!before.is_empty());
                    return Err(de::Error::missing_field("event_type"));
                };
                let value: &'de RawValue = map.next_value()?;
                let event_type = key == "event_type";
                before.push((key, value));
                if event_type {
                    self.1.set(true);
                    let Text(ty) = serde_json::from_str(value.get()).map_err(de::Error::custom)?;
                    self.1.set(before.len() > 1);
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

/// The type's model, read.
fn dispatch<'a, A: MapAccess<'a>>(
    ty: Cow<'a, str>,
    details: Replay<'a, A>,
) -> Result<Parsed<'a>, A::Error> {
    use EventType as E;
    let kind = EventType::from_type(&ty);
    let model = match kind {
        E::AmIUnderAttack => Model::AmIUnderAttack(details.read()?),
        E::AlertTriggered => Model::AlertTriggered(details.read()?),
        E::SecurityEngineEnrolled
        | E::SecurityEngineUnenrolled
        | E::SecurityEngineLongPendingEnroll => Model::EngineEnrollment(details.read()?),
        E::FirewallIntegrationOffline | E::RemediationComponentIntegrationOffline => {
            Model::IntegrationOffline(details.read()?)
        }
        E::LogProcessorNoAlerts => Model::LogProcessorNoAlerts(details.read()?),
        E::ComponentOutdated => Model::ComponentOutdated(details.read()?),
        E::LogProcessorOffline => Model::LogProcessorOffline(details.read()?),
        E::RemediationComponentOffline => Model::RemediationComponentOffline(details.read()?),
        E::SecurityEngineNoAlerts => Model::EngineNoAlerts(details.read()?),
        E::SecurityEngineOffline => Model::EngineOffline(details.read()?),
        E::BlockingSafeIp => Model::BlockingSafeIp(details.read()?),
        E::PaymentFailed | E::Unknown => Model::Common(details.read()?),
    };
    Ok(Parsed {
        kind,
        ty,
        enveloped: true,
        model,
    })
}

/// A CrowdSec payload its model accepted.
pub(crate) struct Parsed<'a> {
    kind: EventType,
    /// The type as sent.
    ty: Cow<'a, str>,
    /// In the `metadata`/`details` envelope, rather than `blocking_safe_ip` sent bare.
    enveloped: bool,
    model: Model<'a>,
}

/// `details` (or a bare `blocking_safe_ip`) as the model its type chose.
// Read once per body and described at once: boxing the models would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum Model<'a> {
    Common(Common<'a>),
    AmIUnderAttack(AmIUnderAttack<'a>),
    AlertTriggered(AlertTriggered<'a>),
    EngineEnrollment(EngineEnrollment<'a>),
    IntegrationOffline(IntegrationOffline<'a>),
    LogProcessorNoAlerts(LogProcessorNoAlerts<'a>),
    ComponentOutdated(ComponentOutdated<'a>),
    LogProcessorOffline(LogProcessorOffline<'a>),
    RemediationComponentOffline(RemediationComponentOffline<'a>),
    EngineNoAlerts(EngineNoAlerts<'a>),
    EngineOffline(EngineOffline<'a>),
    BlockingSafeIp(BlockingSafeIp<'a>),
}

impl<'a> Parsed<'a> {
    pub(crate) fn kind(&self) -> EventType {
        self.kind
    }

    /// Its parts, from what `mask` (the payload's) leaves.
    pub(crate) fn describe(self, mask: Mask<'_>) -> Parts<'a> {
        let m = if self.enveloped {
            mask.key("details")
        } else {
            mask
        };
        let (kind, ty) = (self.kind, self.ty);
        match self.model {
            Model::Common(d) => d.parts(kind, ty, m),
            Model::AmIUnderAttack(d) => d.parts(ty, m),
            Model::AlertTriggered(d) => d.parts(ty, m),
            Model::EngineEnrollment(d) => d.parts(kind, ty, m),
            Model::IntegrationOffline(d) => d.parts(kind, ty, m),
            Model::LogProcessorNoAlerts(d) => d.parts(ty, m),
            Model::ComponentOutdated(d) => d.parts(ty, m),
            Model::LogProcessorOffline(d) => d.parts(ty, m),
            Model::RemediationComponentOffline(d) => d.parts(ty, m),
            Model::EngineNoAlerts(d) => d.parts(ty, m),
            Model::EngineOffline(d) => d.parts(ty, m),
            Model::BlockingSafeIp(d) => d.parts(ty, m),
        }
    }
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
pub(crate) fn parse_bare(text: &str) -> Result<Parsed<'_>, Error> {
    let Object(event): Object<BlockingSafeIp> = input::read(text, "")?;
    Ok(Parsed {
        kind: EventType::BlockingSafeIp,
        ty: Cow::Borrowed("blocking_safe_ip"),
        enveloped: false,
        model: Model::BlockingSafeIp(event),
    })
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
            fn common(&self, kind: EventType, event_type: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
                shared(
                    kind,
                    event_type,
                    [&self.event_id, &self.organization_id, &self.event_timestamp],
                    m,
                )
            }
        }
    };
}

/// The parts every event shares, from its `event_id`, `organization_id` and `event_timestamp`.
fn shared<'a>(
    kind: EventType,
    event_type: Cow<'a, str>,
    [id, organization, timestamp]: [&Option<Text<'a>>; 3],
    m: Mask<'_>,
) -> Parts<'a> {
    let account = m.keep("organization_id", organization.as_ref().map(Text::cow));
    // A redacted organization leaves the CloudEvent source unable to tell two organizations'
    // events apart: the id is then derived from the body, which still tells a retry.
    let id = m
        .keep("event_id", id.as_ref().map(Text::cow))
        .filter(|_| account.is_some() || organization.is_none());
    let mut parts = Parts::new(
        Kind::CrowdSec(kind),
        m.keep("event_type", Some(event_type)),
        id,
        account,
    );
    parts.time = m
        .keep("event_timestamp", timestamp.as_ref())
        .and_then(|t| time::rfc3339(t.cow()));
    parts
}

details! {
    /// `payment_failed`, and any type CrowdSec documents later.
    Common {}
}

impl<'a> Common<'a> {
    fn parts(self, kind: EventType, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(kind, ty, m);
        parts.subject_id = parts.account.clone();
        parts.summary = match kind {
            EventType::PaymentFailed => format!(
                "A payment for the CrowdSec subscription of organization {} failed",
                organization(self.organization_id.as_deref(), m)
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
    fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(EventType::AmIUnderAttack, ty, m);
        parts.subject_id = parts.account.clone();
        let report = self.report_data.as_ref();
        let rm = m.key("report_data");
        // Without a report, no attack was detected.
        let detected = match report {
            Some(r) => rm.keep("is_attack_detected", Some(r.is_attack_detected)),
            None => Some(false),
        };
        parts.rating.attack_detected = Some(report.is_some_and(|r| r.is_attack_detected));
        parts.indicators.attack_detected = detected;
        parts.indicators.signals = m.keep("total_signals", Some(self.total_signals));
        parts.indicators.count = rm.keep("total_detections", report.map(|r| r.total_detections));
        let organization = organization(self.organization_id.as_deref(), m);
        let (start, end) = (
            m.said("start_date", &*self.start_date),
            m.said("end_date", &*self.end_date),
        );
        let signals = m.said("total_signals", self.total_signals);
        parts.summary = match (report, detected) {
            (Some(r), Some(true)) => format!(
                "Organization {organization} is under attack: {} detections from {} unique sources between {start} and {end}",
                rm.said("total_detections", r.total_detections),
                rm.said("unique_detections", r.unique_detections),
            ),
            (Some(_), None) => format!(
                "Signal anomaly for organization {organization} between {start} and {end} ({signals} signals)"
            ),
            _ => format!(
                "Signal anomaly for organization {organization} between {start} and {end} ({signals} signals), no attack confirmed"
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
    fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(EventType::AlertTriggered, ty, m);
        attack_parts(&mut parts, &self.scenario, &self.target, &self.source, m);
        parts.rating.confidence = Some(self.scenario_confidence);
        parts.indicators.confidence = m.keep("scenario_confidence", Some(self.scenario_confidence));
        parts.indicators.manual = m.keep("is_manual_decision", Some(self.is_manual_decision));
        parts.indicators.behaviors = labels(&self.behaviors, |b| &b.label, m.key("behaviors"));
        parts.summary = format!(
            "{} from {} {} against {} (confidence {})",
            m.say("scenario", &self.scenario),
            m.key("source").say("scope", &self.source.scope),
            m.key("source").say("value", &self.source.value),
            target_label(&self.target, m.key("target")),
            m.said("scenario_confidence", self.scenario_confidence)
        );
        parts
    }
}

/// The `label` of each item of a list, but those redacted; `m` is the list's mask.
fn labels<'a, T>(
    items: &[Object<T>],
    label: impl Fn(&T) -> &Text<'a>,
    m: Mask<'_>,
) -> Vec<Cow<'a, str>> {
    items
        .iter()
        .enumerate()
        .filter_map(|(n, item)| m.index(n).keep("label", Some(label(item).cow())))
        .collect()
}

/// What an alert and a false positive share: who attacked what, and from where.
fn attack_parts<'a>(
    parts: &mut Parts<'a>,
    scenario: &Text<'a>,
    target: &Target<'a>,
    source: &Source<'a>,
    m: Mask<'_>,
) {
    let (sm, tm) = (m.key("source"), m.key("target"));
    let i = &mut parts.indicators;
    i.scenario = m.keep("scenario", Some(scenario.cow()));
    i.source_scope = sm.keep("scope", Some(source.scope.cow()));
    i.source_value = sm.keep("value", Some(source.value.cow()));
    if i.source_scope
        .as_deref()
        .is_some_and(|scope| scope.eq_ignore_ascii_case("ip"))
    {
        i.source_ip.clone_from(&i.source_value);
    }
    i.country = sm.keep("country", source.country.as_ref().map(Text::cow));
    i.city = sm.keep("city", source.city.as_ref().map(Text::cow));
    i.as_number = sm.keep("as_number", source.as_number);
    i.as_name = sm.keep("as_name", source.as_name.as_ref().map(Text::cow));
    i.rdns = sm.keep("rdns", source.rdns.as_ref().map(Text::cow));
    i.target_ip = tm.keep("ip", Some(target.ip.cow()));
    parts.subject_id = tm.keep("id", Some(target.id.cow()));
    parts.subject_name = tm.keep("name", target.name.as_ref().map(Text::cow));
}

/// The target's name, else its id, for a sentence; `m` is the target's mask.
fn target_label<'t>(target: &'t Target<'_>, m: Mask<'_>) -> &'t str {
    m.keep("name", target.name.as_deref())
        .unwrap_or(m.say("id", &target.id))
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
    fn parts(self, kind: EventType, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(kind, ty, m);
        parts.subject_id = m.keep("id", Some(self.id.cow()));
        let what = match kind {
            EventType::SecurityEngineEnrolled => "was enrolled",
            EventType::SecurityEngineUnenrolled => "was unenrolled",
            _ => "has been waiting a long time for its enrollment to be accepted",
        };
        parts.summary = format!(
            "Security engine {}{}{} {what}",
            m.say("id", label(&self.id)),
            version_suffix(self.version.as_deref(), m),
            os_suffix(self.os.as_deref(), m.key("os"))
        );
        parts
    }
}

fn version_suffix(version: Option<&str>, m: Mask<'_>) -> String {
    match version {
        Some(v) if !v.is_empty() => format!(" {}", m.say("version", v)),
        _ => String::new(),
    }
}

/// The operating system, for a sentence; `m` is its mask.
fn os_suffix(os: Option<&OperatingSystem<'_>>, m: Mask<'_>) -> String {
    match os {
        Some(os) if !os.name.is_empty() => format!(
            " on {} {}",
            m.say("name", &os.name),
            m.say("version", &os.version)
        ),
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
    fn parts(self, kind: EventType, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(kind, ty, m);
        let what = match kind {
            EventType::FirewallIntegrationOffline => "Firewall integration",
            _ => "Remediation component integration",
        };
        parts.summary = format!(
            "{what} {} is offline: no blocklist pull since {}",
            m.say("name", &self.name),
            m.say("last_pull", &self.last_pull)
        );
        component(
            &mut parts,
            &self.id,
            Some(&self.name),
            ("last_pull", &self.last_pull),
            m,
        );
        parts
    }
}

/// Subject and last-seen time (and the member it is read from) of an engine, processor or
/// integration.
fn component<'a>(
    parts: &mut Parts<'a>,
    id: &Text<'a>,
    name: Option<&Text<'a>>,
    (last_seen_key, last_seen): (&str, &Text<'a>),
    m: Mask<'_>,
) {
    parts.subject_id = m.keep("id", Some(id.cow()));
    parts.subject_name = m.keep("name", name.map(Text::cow));
    parts.indicators.last_seen = m.keep(last_seen_key, Some(last_seen.cow()));
}

details! {
    ComponentOutdated {
        nb_remediation_component: i64,
        nb_log_processor: i64,
        nb_security_engine: i64,
    }
}

impl<'a> ComponentOutdated<'a> {
    fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = self.common(EventType::ComponentOutdated, ty, m);
        parts.subject_id = parts.account.clone();
        let counts = [
            ("nb_security_engine", self.nb_security_engine),
            ("nb_log_processor", self.nb_log_processor),
            ("nb_remediation_component", self.nb_remediation_component),
        ];
        parts.indicators.count = counts.iter().try_fold(0i64, |sum, &(key, n)| {
            m.keep(key, Some(n)).map(|n| sum.saturating_add(n))
        });
        let [engines, processors, components] = counts.map(|(key, n)| m.said(key, n));
        parts.summary = format!(
            "Outdated CrowdSec components: {engines} security engines, {processors} log processors, {components} remediation components"
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
            fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
                let mut parts = self.common($kind, ty, m);
                let last_seen = (stringify!($last_seen), &self.$last_seen);
                parts.summary = format!(
                    concat!($component, " {}{} ", $what, " {}"),
                    m.say("name", &self.name),
                    version_suffix(self.version.as_deref(), m),
                    m.say(last_seen.0, last_seen.1)
                );
                component(&mut parts, &self.id, Some(&self.name), last_seen, m);
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
            fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
                let mut parts = self.common($kind, ty, m);
                let last_seen = (stringify!($last_seen), &self.$last_seen);
                let name = m
                    .keep("name", self.name.as_deref())
                    .unwrap_or(m.say("id", &self.id));
                parts.summary = format!(
                    concat!("Security engine {}{}{} ", $what, " {}"),
                    label(name),
                    version_suffix(self.version.as_deref(), m),
                    os_suffix(self.os.as_deref(), m.key("os")),
                    m.say(last_seen.0, last_seen.1)
                );
                component(&mut parts, &self.id, self.name.as_ref(), last_seen, m);
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
struct SafeIpLabel<'a> {
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
    behaviors: Vec<Object<SafeIpLabel<'a>>>,
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
    false_positives: Option<Vec<Object<SafeIpLabel<'a>>>>,
}

impl<'a> BlockingSafeIp<'a> {
    fn parts(self, ty: Cow<'a, str>, m: Mask<'_>) -> Parts<'a> {
        let mut parts = shared(
            EventType::BlockingSafeIp,
            ty,
            [&self.event_id, &self.organization_id, &self.event_timestamp],
            m,
        );
        attack_parts(&mut parts, &self.scenario, &self.target, &self.source, m);
        let false_positives = self.false_positives.as_deref().unwrap_or_default();
        let labels_said = labels(false_positives, |f| &f.label, m.key("false_positives"));
        parts.rating.confidence = Some(self.scenario_confidence);
        parts.indicators.confidence = m.keep("scenario_confidence", Some(self.scenario_confidence));
        parts.indicators.manual = m.keep("is_manual_decision", Some(self.is_manual_decision));
        parts.indicators.behaviors = labels(&self.behaviors, |b| &b.label, m.key("behaviors"));
        parts.summary = format!(
            "Known-safe {} {}{} was blocked by {} on {}",
            m.key("source").say("scope", &self.source.scope),
            m.key("source").say("value", &self.source.value),
            if labels_said.is_empty() {
                String::new()
            } else {
                format!(" ({})", labels_said.join(", "))
            },
            m.say("scenario", &self.scenario),
            target_label(&self.target, m.key("target"))
        );
        parts.indicators.false_positives = labels_said;
        parts
    }
}

/// The organization, for a sentence.
fn organization<'s>(id: Option<&'s str>, m: Mask<'_>) -> &'s str {
    m.say("organization_id", id.unwrap_or("(unknown)"))
}
