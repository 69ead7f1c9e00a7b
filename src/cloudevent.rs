//! CloudEvents 1.0 in structured JSON mode, and the normalized event that is its `data`,
//! written by `serde_json`.
//!
//! The provider's payload is written into `data.payload` as its own bytes when nothing in it
//! was redacted: copied as `serde_json` copies a `RawValue`, neither read into a second tree nor
//! checked again (the core read it whole).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::event::{Category, Event, Severity, Subject, SCHEMA_VERSION};
use crate::indicators::Indicators;
use crate::payload::Payload;
use crate::providers::Provider;
use crate::time::Timestamp;

/// The media type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// An event as its CloudEvent.
#[derive(Serialize)]
pub(crate) struct CloudEvent<'e> {
    specversion: &'static str,
    id: Cow<'e, str>,
    source: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
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
        let subject = event.subject.id.as_ref().map(|id| {
            let mut subject = String::from(event.subject.kind.collection());
            subject.push('/');
            percent_encode(id, &mut subject);
            subject
        });
        Self {
            specversion: "1.0",
            id: event.cloudevent_id(),
            source: event.source(),
            ty: event.cloudevent_type(),
            time: event.time.as_ref().map(Timestamp::to_rfc3339),
            subject,
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

/// The name under which `serde_json` writes a struct's one field as its text, verbatim: how it
/// writes its own `RawValue` (`serde_json/src/raw.rs`). A `RawValue` of borrowed text can only
/// be had by reading the text again, which a [`Raw`](crate::payload::Raw) payload, read whole
/// by the core, does not need; `writes_the_payload_verbatim` fails if `serde_json` renames it.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// JSON text written as it is. Only [`Payload::Raw`]'s text, valid by construction, is.
struct Verbatim<'a>(&'a str);

impl Serialize for Verbatim<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = serializer.serialize_struct(RAW_VALUE, 1)?;
        raw.serialize_field(RAW_VALUE, self.0)?;
        raw.end()
    }
}

/// JSON text of `value`. `serde_json` fails only where a `Serialize` impl does, or on a map with
/// keys that are not strings, and none of hookwall's output has either: there is no error to
/// return.
pub(crate) fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Event<'_> {
    /// The CloudEvent (structured mode, [`CONTENT_TYPE`]) for this event.
    pub fn to_cloudevent_json(&self) -> String {
        to_json(&CloudEvent::new(self))
    }

    /// The bare normalized event: the CloudEvent's `data`.
    pub fn to_data_json(&self) -> String {
        to_json(&Data::new(self))
    }

    /// Unique per distinct event within its source, as CloudEvents require. CrowdSec's own
    /// examples give all its event types one `event_id`, so its id is prefixed with the type
    /// (`alert_triggered:<event_id>`); `data.id` keeps the id as sent. A derived id is a digest
    /// of the whole body, type included, so it is unique as it is.
    pub fn cloudevent_id(&self) -> Cow<'_, str> {
        match self.provider() {
            Provider::CrowdSec if !self.id.is_derived() => {
                Cow::Owned(format!("{}:{}", self.event_type(), self.id))
            }
            _ => Cow::Borrowed(self.id.as_str()),
        }
    }

    /// `https://<provider's console>/<account collection>/<account>`.
    pub fn source(&self) -> String {
        let (base, collection) = match self.provider() {
            Provider::CrowdSec => ("https://app.crowdsec.net", "/organizations/"),
            Provider::Cloud66 => ("https://app.cloud66.com", "/stacks/"),
            Provider::Sectigo => ("https://wsp.sectigo.com", "/partners/"),
        };
        let mut source = String::from(base);
        if let Some(account) = self.account.as_deref().filter(|a| !a.is_empty()) {
            source.push_str(collection);
            percent_encode(account, &mut source);
        }
        source
    }

    /// Reverse-DNS of the provider, then its own type string, reduced to `[A-Za-z0-9._-]`.
    fn cloudevent_type(&self) -> String {
        let prefix = match self.provider() {
            Provider::CrowdSec => "net.crowdsec.console.",
            Provider::Cloud66 => "com.cloud66.",
            Provider::Sectigo => "com.sectigo.wsp.",
        };
        let mut ty = String::from(prefix);
        ty.extend(self.event_type().chars().map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        }));
        ty
    }
}

/// Every byte but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str, out: &mut String) {
    out.extend(utf8_percent_encode(text, NOT_UNRESERVED));
}

#[cfg(test)]
mod tests {
    use crate::{classify, Options, Provider};

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
