//! CloudEvents 1.0 in structured JSON mode, and the normalized event that is its `data`,
//! written by the core's JSON writer (`json`) from their derived `Serialize`.
//!
//! The provider's payload is written into `data.payload` as its own bytes when nothing in it
//! was redacted: copied as `serde_json` copies a `RawValue`, neither read into a second tree nor
//! checked again (the core read it whole).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use core::fmt::{self, Display, Formatter, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Serialize, Serializer};

use crate::event::{Category, Event, Severity, Subject, SCHEMA_VERSION};
use crate::indicators::Indicators;
use crate::json::{self, Verbatim};
use crate::payload::Payload;
use crate::providers::Provider;
use crate::time::Timestamp;

/// The media type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// An event as its CloudEvent.
#[derive(Serialize)]
pub(crate) struct CloudEvent<'e> {
    specversion: &'static str,
    #[serde(serialize_with = "display")]
    id: Id<'e>,
    #[serde(serialize_with = "display")]
    source: Source<'e>,
    #[serde(rename = "type")]
    ty: Type<'e>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<Cow<'e, str>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "display_some"
    )]
    subject: Option<SubjectPath<'e>>,
    datacontenttype: &'static str,
    data: Data<'e>,
}

/// An event as its normalized form: the CloudEvent's `data`.
#[derive(Serialize)]
struct Data<'e> {
    schema: &'static str,
    provider: Provider,
    event_type: &'e str,
    documented: bool,
    category: Category,
    severity: Severity,
    severity_reason: &'static str,
    summary: &'e str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'e str>,
    subject: &'e Subject<'e>,
    #[serde(skip_serializing_if = "Indicators::is_empty")]
    indicators: &'e Indicators<'e>,
    id: &'e str,
    id_derived: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    redacted: &'e [String],
    #[serde(serialize_with = "payload")]
    payload: &'e Payload<'e>,
}

impl<'e> CloudEvent<'e> {
    pub(crate) fn new(event: &'e Event<'e>) -> Self {
        Self {
            specversion: "1.0",
            id: Id(event),
            source: Source(event),
            ty: Type(event),
            time: event.time.as_ref().map(Timestamp::rfc3339),
            subject: event.subject.id.as_deref().map(|id| SubjectPath {
                collection: event.subject.kind.collection(),
                id,
            }),
            datacontenttype: "application/json",
            data: Data::new(event),
        }
    }
}

impl<'e> Data<'e> {
    fn new(event: &'e Event<'e>) -> Self {
        Self {
            schema: SCHEMA_VERSION,
            provider: event.provider(),
            event_type: event.event_type(),
            documented: !event.is_unknown(),
            category: event.category,
            severity: event.severity,
            severity_reason: event.severity_reason,
            summary: &event.summary,
            account: event.account.as_deref(),
            subject: &event.subject,
            indicators: &event.indicators,
            id: event.id.as_str(),
            id_derived: event.id.is_derived(),
            redacted: event.payload.redacted(),
            payload: &event.payload,
        }
    }
}

/// The payload as received (its value, without the whitespace around it) or as redacted.
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes a reference to the field, itself a reference"
)]
fn payload<S: Serializer>(payload: &&Payload<'_>, serializer: S) -> Result<S::Ok, S::Error> {
    match payload {
        Payload::Raw(raw) => Verbatim(raw.as_str()).serialize(serializer),
        Payload::Redacted { value, .. } => value.serialize(serializer),
    }
}

/// Room for all but the payload: the envelope and the normalized fields, whose texts are
/// bounded (`bound`), take under a kilobyte for every documented event.
const FIELDS_CAPACITY: usize = 1024;

/// Room for the event's JSON: the payload's text, when it is written as received, and the
/// fields around it. A redacted payload's room is found as it is written.
pub(crate) fn capacity(event: &Event<'_>) -> usize {
    FIELDS_CAPACITY
        + match &event.payload {
            Payload::Raw(raw) => raw.as_str().len(),
            Payload::Redacted { .. } => 0,
        }
}

impl Event<'_> {
    /// The CloudEvent (structured mode, [`CONTENT_TYPE`]) for this event.
    pub fn to_cloudevent_json(&self) -> String {
        json::to_string(&CloudEvent::new(self), capacity(self))
    }

    /// The bare normalized event: the CloudEvent's `data`.
    pub fn to_data_json(&self) -> String {
        json::to_string(&Data::new(self), capacity(self))
    }

    /// Unique per distinct event within its source, as CloudEvents require. CrowdSec's own
    /// examples give all its event types one `event_id`, so its id is prefixed with the type
    /// (`alert_triggered:<event_id>`); `data.id` keeps the id as sent. A derived id is a digest
    /// of the whole body, type included, so it is unique as it is.
    pub fn cloudevent_id(&self) -> Cow<'_, str> {
        let id = Id(self);
        match id.prefixed() {
            Some(_) => Cow::Owned(id.to_string()),
            None => Cow::Borrowed(self.id.as_str()),
        }
    }

    /// `https://<provider's console>/<account collection>/<account>`.
    pub fn source(&self) -> String {
        Source(self).to_string()
    }
}

/// The fields the CloudEvent derives from the event are formatted straight into the output
/// (`collect_str`), with no string built first.
fn display<S: Serializer>(value: &impl Display, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// [`display`] of a field present (`skip_serializing_if` leaves out the absent one).
#[expect(
    clippy::ref_option,
    reason = "serde's serialize_with passes a reference to the field, itself an Option"
)]
fn display_some<S: Serializer>(
    value: &Option<impl Display>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}

/// The CloudEvent `id`: see [`Event::cloudevent_id`].
struct Id<'e>(&'e Event<'e>);

impl Id<'_> {
    /// The type that prefixes a CrowdSec id the provider sent.
    fn prefixed(&self) -> Option<&str> {
        let event = self.0;
        (event.provider() == Provider::CrowdSec && !event.id.is_derived())
            .then(|| event.event_type())
    }
}

impl Display for Id<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(ty) = self.prefixed() {
            f.write_str(ty)?;
            f.write_char(':')?;
        }
        f.write_str(self.0.id.as_str())
    }
}

/// The CloudEvent `source`: see [`Event::source`].
struct Source<'e>(&'e Event<'e>);

impl Display for Source<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (base, collection) = match self.0.provider() {
            Provider::CrowdSec => ("https://app.crowdsec.net", "/organizations/"),
            Provider::Cloud66 => ("https://app.cloud66.com", "/stacks/"),
            Provider::Sectigo => ("https://wsp.sectigo.com", "/partners/"),
        };
        f.write_str(base)?;
        match self.0.account.as_deref().filter(|a| !a.is_empty()) {
            Some(account) => {
                f.write_str(collection)?;
                percent_encode(account).fmt(f)
            }
            None => Ok(()),
        }
    }
}

/// The CloudEvent `type`: reverse-DNS of the provider, then its own type string, reduced to
/// `[A-Za-z0-9._-]`.
struct Type<'e>(&'e Event<'e>);

/// A documented type's is spelled out at build time; only an undocumented one is formatted.
impl Serialize for Type<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.kind().cloudevent_type() {
            Some(ty) => serializer.serialize_str(ty),
            None => serializer.collect_str(self),
        }
    }
}

impl Display for Type<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.kind().cloudevent_prefix())?;
        // Looked at byte by byte: a byte outside ASCII is not kept, and is the first of its
        // character, which is replaced whole.
        let kept = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        let mut rest = self.0.event_type();
        while let Some(at) = rest.bytes().position(|b| !kept(b)) {
            f.write_str(&rest[..at])?;
            f.write_char('_')?;
            let replaced = rest[at..].chars().next().map_or(1, char::len_utf8);
            rest = &rest[at + replaced..];
        }
        f.write_str(rest)
    }
}

/// The CloudEvent `subject`: `<collection>/<id>` (`servers/machine-01`).
struct SubjectPath<'e> {
    collection: &'static str,
    id: &'e str,
}

impl Display for SubjectPath<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.collection)?;
        f.write_char('/')?;
        percent_encode(self.id).fmt(f)
    }
}

/// Every byte but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str) -> impl Display + '_ {
    utf8_percent_encode(text, NOT_UNRESERVED)
}

#[cfg(test)]
mod tests {
    use alloc::borrow::Cow;
    use alloc::string::ToString;

    use super::Type;
    use crate::event::EventType;
    use crate::providers::Kind;
    use crate::{classify, Options, Provider};

    /// A documented type's CloudEvent type, spelled out at build time, is what reducing its
    /// string as an undocumented one's would write.
    #[test]
    fn documented_types_are_written_as_reduced() {
        for kind in Kind::documented() {
            let body = match kind.provider() {
                Provider::CrowdSec => {
                    include_str!("../fixtures/cases/valid_crowdsec_unknown_event_type.json")
                }
                Provider::Cloud66 => {
                    include_str!("../fixtures/cases/valid_cloud66_unknown_event_type.json")
                }
                Provider::Sectigo => {
                    include_str!("../fixtures/cases/valid_sectigo_unknown_event_type.json")
                }
            };
            let mut event = classify(body.as_bytes(), &Options::default()).unwrap();
            assert_eq!(event.provider(), kind.provider());
            let name = Cow::Borrowed(kind.as_str().unwrap());
            event.ty = EventType::Undocumented { kind, name };
            assert_eq!(kind.cloudevent_type(), Some(&*Type(&event).to_string()));
        }
    }

    /// The fields formatted into the output: the type reduced to `[A-Za-z0-9._-]` one
    /// character at a time, the account percent-encoded, and each the same as the accessor
    /// that the runtimes' identity reads.
    #[test]
    fn writes_the_derived_fields_as_the_accessors_do() {
        let body = include_str!("../fixtures/cases/valid_crowdsec_unknown_event_type.json")
            .replace("blocklist_subscription_expired", r#"a b/é\"c"#)
            .replace("12345678-1234-1234-1234-123456789012", "org 1/é");
        let event = classify(body.as_bytes(), &Options::default()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
        assert_eq!(json["type"], "net.crowdsec.console.a_b___c");
        assert_eq!(json["id"], r#"a b/é"c:e0e1e2e3e4e5e6e7e8e9eaebecedeeef"#);
        assert_eq!(json["id"], *event.cloudevent_id());
        assert_eq!(
            json["source"],
            "https://app.crowdsec.net/organizations/org%201%2F%C3%A9"
        );
        assert_eq!(json["source"], event.source());
    }

    /// The body's own bytes, inside the whitespace around it: spacing, member order, repeats,
    /// escapes and numbers as the provider wrote them.
    #[test]
    fn writes_the_payload_verbatim() {
        let payload = include_str!("../fixtures/cloud66/server.stopped.json").trim().replacen(
            r#""status": 1,"#,
            r#""status" : 1, "n": [1.50, -0, 1e400, 12345678901234567890], "s": "\u00e9\/", "s": 2,"#,
            1,
        );
        let body = alloc::format!("\n  {payload}\t\n");
        let options = Options {
            provider: Some(Provider::Cloud66),
            ..Options::default()
        };
        let event = classify(body.as_bytes(), &options).unwrap();
        let written = alloc::format!(r#","payload":{payload}}}"#);
        assert!(event
            .to_cloudevent_json()
            .ends_with(&(written.clone() + "}")));
        assert!(event.to_data_json().ends_with(&written));
    }
}
