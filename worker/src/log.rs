//! One structured JSON line per request or delivery; never a secret, never a body.
//!
//! The event type and id come from the payload and may hold CR, LF, NUL or megabytes: the JSON
//! encoding escapes every control byte, the Unicode line separators are escaped too, and those
//! two values are cut short, so that one request always makes one bounded line.

use hookwall::Outcome;
use serde::{Serialize, Serializer};

#[derive(Serialize, Default)]
pub struct Line<'a> {
    pub source: Option<&'a str>,
    /// The destination a delivery went to, on lines about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'a str>,
    /// These three are the outcome's, as [`Line::new`] writes them.
    pub verdict: &'static str,
    pub reason: &'static str,
    pub status: u16,
    pub provider: Option<&'a str>,
    #[serde(rename = "type")]
    pub event_type: Option<Clipped<'a>>,
    pub id: Option<Clipped<'a>>,
    pub ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

impl Line<'_> {
    /// A line about `outcome`; the caller fills in what else it knows.
    pub fn new(outcome: impl Into<Outcome>) -> Self {
        let outcome = outcome.into();
        Self {
            verdict: outcome.verdict(),
            reason: outcome.code(),
            status: outcome.status(),
            ..Self::default()
        }
    }

    pub fn emit(&self) {
        if let Ok(json) = serde_json::to_string(self) {
            worker::console_log!("{}", one_line(json));
        }
    }
}

/// The most of a payload value a line carries; more is cut at a character boundary and marked.
const MAX_VALUE_BYTES: usize = 256;

/// A value from the payload, written cut to [`MAX_VALUE_BYTES`].
#[derive(Clone, Copy)]
pub struct Clipped<'a>(pub &'a str);

impl Serialize for Clipped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        if value.len() <= MAX_VALUE_BYTES {
            return serializer.serialize_str(value);
        }
        let end = (0..=MAX_VALUE_BYTES)
            .rev()
            .find(|&i| value.is_char_boundary(i))
            .unwrap_or(0);
        serializer.serialize_str(&format!("{}…", &value[..end]))
    }
}

/// JSON leaves U+0085, U+2028 and U+2029 unescaped, and some log readers break lines at them.
/// They can only occur inside strings, where an escape means the same.
fn one_line(json: String) -> String {
    if !json.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        return json;
    }
    json.replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use hookwall::{Ack, Outcome, Reason};

    use super::{one_line, Clipped, Line, MAX_VALUE_BYTES};

    fn text(line: &Line<'_>) -> String {
        one_line(serde_json::to_string(line).unwrap())
    }

    #[test]
    fn payload_values_stay_on_one_bounded_line() {
        let id = format!("a\r\nb\0\u{2028}{}", "é".repeat(3000));
        let line = Line {
            event_type: Some(Clipped("new_thing\r\nx-evil: 1\u{85}")),
            id: Some(Clipped(&id)),
            ..Line::new(Ack::Delivered)
        };
        let out = text(&line);
        assert!(
            !out.contains(['\r', '\n', '\0', '\u{85}', '\u{2028}', '\u{2029}']),
            "{out}"
        );
        assert!(out.len() < 2 * MAX_VALUE_BYTES + 200, "{} bytes", out.len());
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["type"], "new_thing\r\nx-evil: 1\u{85}");
        let logged = parsed["id"].as_str().unwrap();
        assert!(logged.starts_with("a\r\nb\0\u{2028}é") && logged.ends_with('…'));
    }

    #[test]
    fn short_values_are_logged_whole() {
        let line = Line {
            event_type: Some(Clipped("alert_triggered")),
            id: Some(Clipped("5b53")),
            ..Line::new(Ack::Delivered)
        };
        let out = text(&line);
        assert!(
            out.contains(r#""type":"alert_triggered","id":"5b53""#),
            "{out}"
        );
        assert!(out.contains(r#""provider":null"#));
        assert!(out.contains(r#""verdict":"allow","reason":"delivered","status":200"#));
    }

    #[test]
    fn verdicts_follow_from_the_outcome() {
        let verdict = |o: Outcome| o.verdict();
        assert_eq!(verdict(Ack::Enqueued.into()), "allow");
        assert_eq!(verdict(Reason::Unauthorized.into()), "deny");
        assert_eq!(verdict(Reason::DeliveryFailed.into()), "retry");
        assert_eq!(verdict(Reason::ConfigError.into()), "error");
    }
}
