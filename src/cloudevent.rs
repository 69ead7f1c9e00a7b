//! CloudEvents 1.0 in structured JSON mode, and the normalized event that is its `data`.
//!
//! The provider's payload is copied into `data.payload` as its own bytes when nothing in it
//! was redacted, so forwarding it costs no second parse.

use alloc::string::String;

use crate::event::{Event, Provider, SCHEMA_VERSION};
use crate::json_writer::{self, WriteJson};
use crate::redact::Payload;

/// The media type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// Room for the envelope and the normalized fields on top of the payload, so that the output
/// is usually allocated once.
const OVERHEAD: usize = 1024;

/// An event as its CloudEvent.
pub(crate) struct CloudEvent<'e>(pub(crate) &'e Event<'e>);

/// An event as its normalized form: the CloudEvent's `data`.
struct Data<'e>(&'e Event<'e>);

impl WriteJson for CloudEvent<'_> {
    fn write_json(&self, out: &mut String) {
        let event = self.0;
        let time = event.time.as_ref().map(|t| t.to_rfc3339());
        let subject = event.subject.id.as_ref().map(|id| {
            let mut subject = String::from(event.subject.kind.collection());
            subject.push('/');
            percent_encode(id, &mut subject);
            subject
        });
        json_writer::object(out, |o| {
            o.field("specversion", "1.0")
                .field("id", event.id.as_str())
                .field("source", event.source().as_str())
                .field("type", event.cloudevent_type().as_str())
                .optional("time", time.as_deref())
                .optional("subject", subject.as_deref())
                .field("datacontenttype", "application/json")
                .field("data", &Data(event));
        });
    }
}

impl WriteJson for Data<'_> {
    fn write_json(&self, out: &mut String) {
        let event = self.0;
        json_writer::object(out, |o| {
            o.field("schema", SCHEMA_VERSION)
                .field("provider", &event.provider)
                .field("event_type", &*event.event_type)
                .field("documented", &!event.kind.is_unknown())
                .field("category", &event.category)
                .field("severity", &event.severity)
                .field("severity_reason", event.severity_reason)
                .field("summary", event.summary.as_str())
                .optional("account", event.account.as_deref())
                .field("subject", &event.subject)
                .field("indicators", &event.indicators)
                .field("id", event.id.as_str())
                .field("id_derived", &event.id_derived)
                .strings("redacted", event.payload.redacted());
            match &event.payload {
                Payload::Raw(text) => o.raw("payload", text),
                Payload::Redacted { value, .. } => o.field("payload", value),
            };
        });
    }
}

impl Event<'_> {
    /// The CloudEvent (structured mode, [`CONTENT_TYPE`]) for this event.
    pub fn to_cloudevent_json(&self) -> String {
        self.json(&CloudEvent(self))
    }

    /// The bare normalized event: the CloudEvent's `data`.
    pub fn to_data_json(&self) -> String {
        self.json(&Data(self))
    }

    /// `value`, written in a string sized for this event.
    fn json(&self, value: &impl WriteJson) -> String {
        let payload = match &self.payload {
            Payload::Raw(text) => text.len(),
            Payload::Redacted { .. } => 0,
        };
        let mut out = String::with_capacity(payload + OVERHEAD);
        value.write_json(&mut out);
        out
    }

    /// `https://<provider's console>/<account collection>/<account>`.
    fn source(&self) -> String {
        let (base, collection) = match self.provider {
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
        let prefix = match self.provider {
            Provider::CrowdSec => "net.crowdsec.console.",
            Provider::Cloud66 => "com.cloud66.",
            Provider::Sectigo => "com.sectigo.wsp.",
        };
        let mut ty = String::from(prefix);
        ty.extend(self.event_type.chars().map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        }));
        ty
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}
