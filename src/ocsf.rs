//! OCSF output, schema version 1.5.0: every event as the one OCSF class its kind maps to
//! ([`mapping`], one table), for the SIEMs and data lakes that ingest OCSF (Security Lake,
//! Splunk, Sentinel…). The structures are declared once (`objects`) and written by serde.
//!
//! What OCSF has no attribute for (our category, why the severity, indicators no class
//! carries) goes to `unmapped`. The provider's payload is left out unless asked for
//! ([`Options::raw_data`]): it is free-form and may hold what no redaction rule names.

mod objects;
mod table;
mod time;

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use alloc::{format, vec};

use serde::Serialize;

use crate::cloudevent;
use crate::event::{Event, Severity, SubjectKind};
use crate::json;
use crate::payload::Payload;
use crate::providers::Provider;
use crate::time::Timestamp;
use objects::{
    observable, Analytic, AutonomousSystem, Endpoint, Entity, Enum, Evidence, Feature, File,
    FindingInfo, Location, Metadata, Observable, Product, Resource, Service, User,
};
pub use table::{
    mapping, markdown, AccountActivity, AppActivity, AuthenticationActivity, BaseActivity, Class,
    EntityActivity, FindingActivity, Mapping, Outcome, WebActivity,
};

/// The OCSF schema version hookwall writes, and that its tests validate against.
pub const VERSION: &str = "1.5.0";

/// What goes into the OCSF event beyond the mapping.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Adds `raw_data`: the provider's payload as hookwall forwards it, secrets redacted.
    pub raw_data: bool,
}

/// The event as one OCSF 1.5.0 event, JSON.
pub fn to_ocsf_json(event: &Event<'_>, options: Options) -> String {
    json::to_string(&Ocsf::new(event, options), cloudevent::capacity(event))
}

/// An event as an OCSF 1.5.0 event, ready for serde.
#[derive(Debug, Serialize)]
pub struct Ocsf<'e> {
    category_uid: u8,
    category_name: &'static str,
    class_uid: u16,
    class_name: &'static str,
    activity_id: u8,
    activity_name: &'static str,
    type_uid: u32,
    type_name: String,
    severity_id: u8,
    severity: &'static str,
    time: i64,
    message: &'e str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_id: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<&'e str>,
    metadata: Metadata<'e>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finding_info: Option<FindingInfo<'e>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_alert: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence_score: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidences: Vec<Evidence<'e>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<Resource<'e>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<User<'e>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<Service>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<Entity<'e>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<Product<'e>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    web_resources: Vec<Resource<'e>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    observables: Vec<Observable<'e>>,
    unmapped: Unmapped<'e>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_data: Option<Cow<'e, str>>,
}

/// What no attribute of the class carries. Indicators that a class maps (the attacker, the
/// file, the state) appear only where it maps them.
#[derive(Debug, Serialize)]
struct Unmapped<'e> {
    category: &'static str,
    severity_reason: &'static str,
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    id_derived: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    redacted: &'e [String],
    /// The subject where the class has no object that says what it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<Subject<'e>>,
    /// An attacker that is not one address (a range, an AS, a country).
    #[serde(skip_serializing_if = "Option::is_none")]
    source_scope: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_value: Option<&'e str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    false_positives: &'e [Cow<'e, str>],
    #[serde(skip_serializing_if = "Option::is_none")]
    manual: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attack_detected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signals: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    banned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_state: Option<&'e str>,
}

#[derive(Debug, Serialize)]
struct Subject<'e> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'e str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'e str>,
}

/// OCSF's Other, for `type_id`s whose enum has no member for ours.
const OTHER: u8 = 99;

impl<'e> Ocsf<'e> {
    /// Maps the event through its kind's row of the table; borrows the event's strings.
    pub fn new(event: &'e Event<'_>, options: Options) -> Self {
        let Mapping { class, outcome, .. } = mapping(event.kind());
        let i = &event.indicators;
        let status = status(outcome, i.current_state.as_deref());
        let severity = severity(event.severity);
        let mut ocsf = Self {
            category_uid: class.category_uid(),
            category_name: class.category_caption(),
            class_uid: class.uid(),
            class_name: class.caption(),
            activity_id: class.activity_id(),
            activity_name: class.activity_caption(),
            type_uid: class.type_uid(),
            type_name: format!("{}: {}", class.caption(), class.activity_caption()),
            severity_id: severity.id,
            severity: severity.caption,
            // OCSF requires a time: the provider's, else the receive time; the epoch only for
            // an event a caller classified without either (runtimes and the CLI always pass one).
            time: event
                .time
                .as_ref()
                .and_then(time::epoch_millis)
                .or(received_millis(event))
                .unwrap_or(0),
            message: &event.summary,
            status_id: status.map(|s| s.id),
            status: status.map(|s| s.caption),
            status_detail: (outcome == Outcome::State)
                .then_some(i.current_state.as_deref())
                .flatten(),
            metadata: metadata(event),
            finding_info: None,
            is_alert: None,
            confidence_score: None,
            evidences: Vec::new(),
            resources: Vec::new(),
            user: None,
            service: None,
            entity: None,
            app: None,
            web_resources: Vec::new(),
            observables: Vec::new(),
            unmapped: Unmapped {
                category: event.category.as_str(),
                severity_reason: event.severity_reason,
                id_derived: event.id.is_derived(),
                redacted: event.payload.redacted(),
                subject: None,
                source_scope: None,
                source_value: None,
                false_positives: &i.false_positives,
                manual: i.manual,
                attack_detected: i.attack_detected,
                signals: i.signals,
                banned: i.banned,
                changed: i.changed,
                address: i.address.as_deref(),
                count: i.count,
                last_seen: i.last_seen.as_deref(),
                previous_state: i.previous_state.as_deref(),
            },
            raw_data: options.raw_data.then(|| raw_data(&event.payload)),
        };
        ocsf.objects(class, event);
        if let Some(address) = i.address.as_deref() {
            ocsf.observe("unmapped.address", observable::IP_ADDRESS, address);
        }
        ocsf
    }

    /// The class's own objects, each holding the subject or the indicators it has room for.
    fn objects(&mut self, class: Class, event: &'e Event<'_>) {
        let subject = &event.subject;
        let (id, name) = (subject.id.as_deref(), subject.name.as_deref());
        let kind = subject.kind.as_str();
        match class {
            Class::DetectionFinding(activity) => {
                self.finding(event, activity);
                self.resources = vec![Resource {
                    uid: id,
                    name,
                    kind,
                }];
                self.observe_subject(subject.kind, "resources.name", name);
            }
            Class::AccountChange(_) => self.user(id, name),
            Class::Authentication(_) => {
                self.user(id, name);
                self.service = Some(Service {
                    name: product_name(event.provider()),
                });
            }
            Class::EntityManagement(_) => {
                self.entity = Some(Entity {
                    uid: id,
                    name,
                    type_id: OTHER,
                    kind,
                });
                self.observe_subject(subject.kind, "entity.name", name);
            }
            Class::ApplicationLifecycle(_, feature) => self.app(event, feature),
            Class::WebResourcesActivity(_) => {
                self.web_resources = vec![Resource {
                    uid: id,
                    name,
                    kind,
                }];
                self.observe_subject(subject.kind, "web_resources.name", name);
            }
            Class::BaseEvent(_) => {
                self.unmapped.subject = Some(Subject { kind, id, name });
                self.observe_subject(subject.kind, "unmapped.subject.name", name);
            }
        }
    }

    /// The application: the subject (a component, a server, a website), or, when the subject
    /// is the account (CrowdSec's outdated components), the provider's product, the account
    /// being the tenant already.
    fn app(&mut self, event: &'e Event<'_>, feature: Option<&'static str>) {
        let subject = &event.subject;
        let vendor_name = vendor_name(event.provider());
        let (uid, name) = match subject.kind {
            SubjectKind::Organization => (None, Some(vendor_name)),
            _ => (subject.id.as_deref(), subject.name.as_deref()),
        };
        self.app = Some(Product {
            name,
            uid,
            vendor_name,
            feature: feature.map(|name| Feature { name }),
        });
        self.unmapped.subject = Some(Subject {
            kind: subject.kind.as_str(),
            id: None,
            name: None,
        });
        self.observe_subject(subject.kind, "app.name", subject.name.as_deref());
    }

    /// A Detection Finding: the finding, its evidence (the attacker, the target, the file) and
    /// whether it calls for attention.
    fn finding(&mut self, event: &'e Event<'_>, activity: FindingActivity) {
        let i = &event.indicators;
        let types = core::iter::once(event.event_type())
            .chain(i.behaviors.iter().map(|b| &**b))
            .chain(i.attack.as_deref())
            .collect();
        self.finding_info = Some(FindingInfo {
            uid: event.id.as_str(),
            title: &event.summary,
            types,
            analytic: i.scenario.as_deref().map(|name| Analytic {
                name,
                type_id: 1,
                caption: "Rule",
            }),
        });
        self.is_alert =
            Some(activity == FindingActivity::Create && event.severity > Severity::Info);
        self.confidence_score = i.confidence;
        let evidence = Evidence {
            src_endpoint: self.attacker(event),
            dst_endpoint: self.target(event),
            file: self.file(event),
            ..Evidence::default()
        };
        if evidence.src_endpoint.is_some()
            || evidence.dst_endpoint.is_some()
            || evidence.file.is_some()
        {
            let false_positive = !i.false_positives.is_empty();
            self.evidences = vec![Evidence {
                verdict_id: false_positive.then_some(1),
                verdict: false_positive.then_some("False Positive"),
                ..evidence
            }];
        }
    }

    /// The attacker: one address, with where it is and whose network; an attacker that is a
    /// range, an AS or a country stays in `unmapped`.
    fn attacker(&mut self, event: &'e Event<'_>) -> Option<Endpoint<'e>> {
        let i = &event.indicators;
        let Some(ip) = i.source_ip.as_deref() else {
            self.unmapped.source_scope = i.source_scope.as_deref();
            self.unmapped.source_value = i.source_value.as_deref();
            return None;
        };
        self.observe("evidences.src_endpoint.ip", observable::IP_ADDRESS, ip);
        if let Some(rdns) = i.rdns.as_deref() {
            self.observe(
                "evidences.src_endpoint.hostname",
                observable::HOSTNAME,
                rdns,
            );
        }
        if let Some(country) = i.country.as_deref() {
            self.observe(
                "evidences.src_endpoint.location.country",
                observable::COUNTRY,
                country,
            );
        }
        let location = (i.country.is_some() || i.city.is_some()).then_some(Location {
            country: i.country.as_deref(),
            city: i.city.as_deref(),
        });
        let autonomous_system =
            (i.as_number.is_some() || i.as_name.is_some()).then_some(AutonomousSystem {
                number: i.as_number,
                name: i.as_name.as_deref(),
            });
        Some(Endpoint {
            ip: Some(ip),
            hostname: i.rdns.as_deref(),
            location,
            autonomous_system,
            ..Endpoint::default()
        })
    }

    /// The attacked address and port.
    fn target(&mut self, event: &'e Event<'_>) -> Option<Endpoint<'e>> {
        let i = &event.indicators;
        let ip = i.target_ip.as_deref();
        if let Some(ip) = ip {
            self.observe("evidences.dst_endpoint.ip", observable::IP_ADDRESS, ip);
        }
        (ip.is_some() || i.port.is_some()).then_some(Endpoint {
            ip,
            port: i.port,
            ..Endpoint::default()
        })
    }

    /// The watched file.
    fn file(&mut self, event: &'e Event<'_>) -> Option<File<'e>> {
        let path = event.indicators.file_path.as_deref()?;
        let name = path.rsplit('/').next().unwrap_or(path);
        self.observe("evidences.file.name", observable::FILE_NAME, name);
        self.observe("evidences.file.path", observable::FILE_PATH, path);
        Some(File {
            name,
            path,
            type_id: 1,
            caption: "Regular File",
        })
    }

    fn user(&mut self, uid: Option<&'e str>, name: Option<&'e str>) {
        self.user = Some(User { uid, name });
        if let Some(name) = name {
            self.observe("user.name", observable::USER_NAME, name);
        }
    }

    /// A website's name is its domain: a hostname to correlate on.
    fn observe_subject(&mut self, kind: SubjectKind, path: &'static str, name: Option<&'e str>) {
        if let (SubjectKind::Website, Some(name)) = (kind, name) {
            self.observe(path, observable::HOSTNAME, name);
        }
    }

    fn observe(&mut self, name: &'static str, kind: Enum<'static>, value: &'e str) {
        self.observables.push(Observable {
            name,
            type_id: kind.id,
            caption: kind.caption,
            value,
        });
    }
}

fn metadata<'e>(event: &'e Event<'_>) -> Metadata<'e> {
    Metadata {
        version: VERSION,
        product: Product {
            name: Some(product_name(event.provider())),
            vendor_name: vendor_name(event.provider()),
            ..Product::default()
        },
        uid: event.id.as_str(),
        event_code: event.event_type(),
        log_name: "webhook",
        log_provider: "hookwall",
        original_time: original_time(event),
        logged_time: received_millis(event),
        processed_time: received_millis(event),
        tenant_uid: event.account.as_deref(),
    }
}

/// When hookwall received the event, in epoch milliseconds: it logged and processed it then.
fn received_millis(event: &Event<'_>) -> Option<i64> {
    event.received_at.and_then(|secs| secs.checked_mul(1000))
}

/// The provider's own timestamp, as it sent it (RFC 3339 text, Cloud66's seconds); absent when
/// the time is the receive time.
fn original_time(event: &Event<'_>) -> Option<String> {
    match &event.time {
        Some(Timestamp::Rfc3339(time)) => Some(String::from(time.as_str())),
        Some(Timestamp::Unix(secs)) => Some(format!("{secs}")),
        Some(Timestamp::Received(_)) | None => None,
    }
}

const fn product_name(provider: Provider) -> &'static str {
    match provider {
        Provider::CrowdSec => "CrowdSec Console",
        Provider::Cloud66 => "Cloud66",
        Provider::Sectigo => "Sectigo Web Security Platform",
    }
}

const fn vendor_name(provider: Provider) -> &'static str {
    match provider {
        Provider::CrowdSec => "CrowdSec",
        Provider::Cloud66 => "Cloud66",
        Provider::Sectigo => "Sectigo",
    }
}

/// OCSF's `severity_id`: the same five levels, from 1.
const fn severity(severity: Severity) -> Enum<'static> {
    let (id, caption) = match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    };
    Enum { id, caption }
}

/// `status_id` and `status` of an outcome; a provider's state is Success when completed,
/// Failure when failed, and otherwise Other, named by the state.
fn status(outcome: Outcome, state: Option<&str>) -> Option<Enum<'_>> {
    let (id, caption) = match outcome {
        Outcome::Unset => return None,
        Outcome::New => (1, "New"),
        Outcome::Resolved => (4, "Resolved"),
        Outcome::Success => (1, "Success"),
        Outcome::Failure => (2, "Failure"),
        Outcome::Other(caption) => (OTHER, caption),
        Outcome::State => match state? {
            s if s.eq_ignore_ascii_case("completed") => (1, "Success"),
            s if s.eq_ignore_ascii_case("failed") => (2, "Failure"),
            s => (OTHER, s),
        },
    };
    Some(Enum { id, caption })
}

/// The payload as forwarded: the body's own text, or the redacted tree written out.
fn raw_data<'e>(payload: &'e Payload<'_>) -> Cow<'e, str> {
    match payload {
        Payload::Raw(raw) => Cow::Borrowed(raw.as_str()),
        Payload::Redacted { value, .. } => Cow::Owned(json::to_string(value, json::SMALL)),
    }
}
