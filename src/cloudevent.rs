//! CloudEvents 1.0 in structured JSON mode, and the normalized event that is its `data`.
//!
//! The provider's payload is copied into `data.payload` as its own bytes when nothing in it
//! was redacted, so forwarding it costs no second parse.

use alloc::string::String;
use serde::Serialize;

use crate::event::{Category, Event, Indicators, Provider, Severity, Subject, SCHEMA_VERSION};
use crate::redact::Payload;

/// The media type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

#[derive(Serialize)]
struct Envelope<'e> {
    specversion: &'static str,
    id: &'e str,
    source: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    datacontenttype: &'static str,
}

/// `data`, without the payload, which is appended as raw JSON.
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
    indicators: &'e Indicators<'e>,
    id: &'e str,
    id_derived: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    redacted: &'e [String],
}

impl Event<'_> {
    /// The CloudEvent (structured mode, [`CONTENT_TYPE`]) for this event.
    pub fn to_cloudevent_json(&self) -> String {
        let envelope = Envelope {
            specversion: "1.0",
            id: &self.id,
            source: self.source(),
            event_type: self.cloudevent_type(),
            time: self.time.as_ref().map(|t| t.to_rfc3339()),
            subject: self.subject.id.as_ref().map(|id| {
                let mut subject = String::from(self.subject.kind.collection());
                subject.push('/');
                percent_encode(id, &mut subject);
                subject
            }),
            datacontenttype: "application/json",
        };
        let envelope = to_json(&envelope);
        let mut out = String::from(envelope.strip_suffix('}').unwrap_or(&envelope));
        out.push_str(",\"data\":");
        self.write_data(&mut out);
        out.push('}');
        out
    }

    /// The bare normalized event: the CloudEvent's `data`.
    pub fn to_data_json(&self) -> String {
        let mut out = String::new();
        self.write_data(&mut out);
        out
    }

    fn write_data(&self, out: &mut String) {
        let data = Data {
            schema: SCHEMA_VERSION,
            provider: self.provider,
            event_type: &self.event_type,
            documented: !self.kind.is_unknown(),
            category: self.category,
            severity: self.severity,
            severity_reason: self.severity_reason,
            summary: &self.summary,
            account: self.account.as_deref(),
            subject: &self.subject,
            indicators: &self.indicators,
            id: &self.id,
            id_derived: self.id_derived,
            redacted: self.payload.redacted(),
        };
        let fields = to_json(&data);
        out.push_str(fields.strip_suffix('}').unwrap_or(&fields));
        out.push_str(",\"payload\":");
        match &self.payload {
            Payload::Raw(text) => out.push_str(text),
            Payload::Redacted { value, .. } => out.push_str(&to_json(value)),
        }
        out.push('}');
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

fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing these types cannot fail: every map key is a string and no impl returns an error.
    serde_json::to_string(value).unwrap_or_default()
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
