//! Where events go: `HOOKWALL_DESTINATIONS`, a JSON document naming each destination, its
//! format, the secrets that hold its URL, headers and signing key, and which events it takes.
//! `FORWARD_URL` stays as the shorthand for one destination that takes every event as a
//! CloudEvent. The document is checked as a whole: any fault (an unknown format, a missing
//! secret, a repeated name, an empty match) fails every request rather than skipping a
//! destination, which would lose its events without a word.

use hookwall::{Category, Event, Provider, Severity};
use serde::Deserialize;

use crate::slack;

/// The body a destination receives.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A CloudEvents 1.0 structured event.
    Cloudevent,
    /// An OCSF 1.5.0 event, without the raw payload.
    Ocsf,
    /// A Slack incoming-webhook message (also Mattermost's and Discord's `/slack` endpoint).
    Slack,
    /// The bare normalized event (the CloudEvent's `data`).
    Json,
}

impl Format {
    /// The event as this format's body.
    pub fn render(self, event: &Event<'_>) -> String {
        match self {
            Self::Cloudevent => event.to_cloudevent_json(),
            Self::Ocsf => hookwall::ocsf::to_ocsf_json(event, hookwall::ocsf::Options::default()),
            Self::Slack => slack::message(event),
            Self::Json => event.to_data_json(),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Cloudevent => "application/cloudevents+json",
            Self::Ocsf | Self::Slack | Self::Json => "application/json",
        }
    }
}

/// One destination, its secrets resolved.
pub struct Destination {
    pub name: String,
    pub url: String,
    pub format: Format,
    /// Sent with every delivery, after `content-type` (so they may replace it).
    pub headers: Vec<(String, String)>,
    /// Signs each delivery with `x-hookwall-signature` when set.
    pub signing_key: Option<String>,
    filter: Filter,
}

impl Destination {
    pub fn takes(&self, event: &Event<'_>) -> bool {
        self.filter.takes(event)
    }
}

/// Which events a destination takes: all the given conditions hold.
#[derive(Default)]
struct Filter {
    providers: Option<Vec<Provider>>,
    categories: Option<Vec<Category>>,
    min_severity: Option<Severity>,
}

impl Filter {
    fn takes(&self, event: &Event<'_>) -> bool {
        self.providers
            .as_ref()
            .is_none_or(|p| p.contains(&event.provider()))
            && self
                .categories
                .as_ref()
                .is_none_or(|c| c.contains(&event.category))
            && self.min_severity.is_none_or(|min| event.severity >= min)
    }
}

/// The name of the shorthand destination `FORWARD_URL` makes; it names its dedup marks.
pub const FORWARD_NAME: &str = "forward";

/// The longest destination name: it is part of every `delivered:` key, which KV caps at 512 bytes.
pub const MAX_NAME_BYTES: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    destinations: Vec<Spec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    name: String,
    url_secret: String,
    format: Format,
    #[serde(default)]
    headers_secret: Option<String>,
    #[serde(default)]
    signing_key_secret: Option<String>,
    #[serde(rename = "match")]
    filter: MatchSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSpec {
    #[serde(default)]
    providers: Option<Vec<String>>,
    #[serde(default)]
    categories: Option<Vec<String>>,
    #[serde(default)]
    min_severity: Option<String>,
}

const CATEGORIES: [Category; 8] = [
    Category::Threat,
    Category::Integrity,
    Category::Availability,
    Category::Inventory,
    Category::Account,
    Category::Billing,
    Category::Configuration,
    Category::Unknown,
];

const SEVERITIES: [Severity; 5] = [
    Severity::Info,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

/// Reads the destinations from `HOOKWALL_DESTINATIONS`, whose secrets `secret` looks up by name.
/// Errors name the destination and the field, never a secret's value.
pub fn parse(
    text: &str,
    secret: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Destination>, String> {
    let document: Document =
        serde_json::from_str(text).map_err(|e| format!("HOOKWALL_DESTINATIONS is invalid: {e}"))?;
    if document.destinations.is_empty() {
        return Err("HOOKWALL_DESTINATIONS lists no destination".into());
    }
    let mut out: Vec<Destination> = Vec::with_capacity(document.destinations.len());
    for (i, spec) in document.destinations.into_iter().enumerate() {
        let at = format!("HOOKWALL_DESTINATIONS: destinations[{i}]");
        check_name(&spec.name).map_err(|e| format!("{at}: {e}"))?;
        let at = format!("{at} ({})", spec.name);
        if out.iter().any(|d| d.name == spec.name) {
            return Err(format!("{at}: the name is used twice"));
        }
        out.push(resolve(spec, &secret).map_err(|e| format!("{at}: {e}"))?);
    }
    Ok(out)
}

/// The shorthand: every event, as a CloudEvent, to `url`, signed, with `token` as Authorization.
pub fn forward(url: String, token: Option<String>, signing_key: String) -> Destination {
    Destination {
        name: FORWARD_NAME.into(),
        url,
        format: Format::Cloudevent,
        headers: token
            .map(|t| vec![("authorization".into(), t)])
            .unwrap_or_default(),
        signing_key: Some(signing_key),
        filter: Filter::default(),
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if name.is_empty() || name.len() > MAX_NAME_BYTES || !name.bytes().all(plain) {
        return Err(format!(
            "name must be 1 to {MAX_NAME_BYTES} letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(())
}

fn resolve(spec: Spec, secret: &impl Fn(&str) -> Option<String>) -> Result<Destination, String> {
    let url = lookup(secret, "url_secret", &spec.url_secret)?;
    check_url(&url).map_err(|e| format!("the URL in {}: {e}", spec.url_secret))?;
    let headers = match &spec.headers_secret {
        Some(name) => headers(&lookup(secret, "headers_secret", name)?)
            .map_err(|e| format!("the headers in {name}: {e}"))?,
        None => Vec::new(),
    };
    let signing_key = spec
        .signing_key_secret
        .as_deref()
        .map(|name| lookup(secret, "signing_key_secret", name))
        .transpose()?;
    Ok(Destination {
        name: spec.name,
        url,
        format: spec.format,
        headers,
        signing_key,
        filter: filter(spec.filter)?,
    })
}

/// The secret `field` names. Neither error quotes the name: a field that holds something else
/// than a name most likely holds the secret itself, pasted in the wrong place, and even a
/// well-formed name may be a key (a hex one); the destination and field say where to look.
fn lookup(
    secret: &impl Fn(&str) -> Option<String>,
    field: &str,
    name: &str,
) -> Result<String, String> {
    if !is_secret_name(name) {
        return Err(format!(
            "{field} holds no valid secret name (letters, digits and '_', not starting with a digit)"
        ));
    }
    secret(name).ok_or_else(|| format!("{field} names a secret or variable that is not set"))
}

/// A name a Worker binding can have: a JavaScript identifier without `$`.
fn is_secret_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// An absolute http(s) URL that can be sent as it is. Checked by hand: the `url` crate would
/// link its IDNA tables (about 150 KB); `fetch` refuses anything else at the first delivery.
pub fn check_url(url: &str) -> Result<(), String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err("must start with https:// or http://".into());
    };
    if rest.is_empty() || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must name a host and hold only visible ASCII".into());
    }
    Ok(())
}

/// A headers secret: a JSON object of header names to values. The messages name no value.
fn headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON (line {} column {})", e.line(), e.column()))?;
    let serde_json::Value::Object(map) = value else {
        return Err("must be a JSON object of header names to values".into());
    };
    map.into_iter()
        .map(|(name, value)| {
            let serde_json::Value::String(value) = value else {
                return Err("every header value must be a string".into());
            };
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || !name.bytes().all(token) {
                return Err("a header name is not a valid token".into());
            }
            crate::config::header_value(&name, value)
                .map(|value| (name, value))
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn filter(spec: MatchSpec) -> Result<Filter, String> {
    if spec.providers.is_none() && spec.categories.is_none() && spec.min_severity.is_none() {
        return Err(
            "match is empty; give providers, categories or min_severity (\"info\" takes every event)"
                .into(),
        );
    }
    Ok(Filter {
        providers: spec
            .providers
            .map(|names| names_in("providers", names, &Provider::ALL, |p| p.as_str()))
            .transpose()?,
        categories: spec
            .categories
            .map(|names| names_in("categories", names, &CATEGORIES, |c| c.as_str()))
            .transpose()?,
        min_severity: spec
            .min_severity
            .map(|name| one_of("min_severity", &name, &SEVERITIES, |s| s.as_str()))
            .transpose()?,
    })
}

fn names_in<T: Copy>(
    field: &str,
    names: Vec<String>,
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    if names.is_empty() {
        return Err(format!("match.{field} is empty"));
    }
    names
        .iter()
        .map(|name| one_of(field, name, all, name_of))
        .collect()
}

fn one_of<T: Copy>(
    field: &str,
    name: &str,
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|v| name_of(*v) == name)
        .ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|v| name_of(*v)).collect();
            format!(
                "match.{field}: {:?} is none of {}",
                clip(name),
                known.join(", ")
            )
        })
}

/// A configured name, cut short for a message.
fn clip(name: &str) -> &str {
    let end = (0..=name.len().min(64))
        .rev()
        .find(|&i| name.is_char_boundary(i))
        .unwrap_or(0);
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(name: &str) -> Option<String> {
        match name {
            "SIEM_URL" => Some("https://siem.example/hec".into()),
            "SIEM_HEADERS" => Some(r#"{"Authorization":"Splunk 1234-abcd"}"#.into()),
            "BAD_HEADERS" => Some(r#"{"Authorization":"Splunk x\r\nx-evil: 1"}"#.into()),
            "NOT_HEADERS" => Some(r#"["Splunk 1234-abcd"]"#.into()),
            "KEY" => Some("k".into()),
            "FTP_URL" => Some("ftp://siem.example/".into()),
            _ => None,
        }
    }

    fn one(extra: &str) -> String {
        format!(
            r#"{{"destinations":[{{"name":"siem","url_secret":"SIEM_URL","format":"ocsf",{extra}}}]}}"#
        )
    }

    #[test]
    fn a_full_destination_resolves_its_secrets() {
        let text = one(
            r#""headers_secret":"SIEM_HEADERS","signing_key_secret":"KEY","match":{"providers":["crowdsec"],"categories":["threat"],"min_severity":"high"}"#,
        );
        let d = parse(&text, secrets).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].url, "https://siem.example/hec");
        assert_eq!(d[0].format, Format::Ocsf);
        assert_eq!(
            d[0].headers,
            [("Authorization".into(), "Splunk 1234-abcd".into())]
        );
        assert_eq!(d[0].signing_key.as_deref(), Some("k"));
    }

    #[test]
    fn every_fault_is_an_error_that_names_no_secret_value() {
        let cases = [
            (one(r#""match":{}"#), "match is empty"),
            (one(r#""match":{"providers":[]}"#), "match.providers is empty"),
            (one(r#""match":{"categories":["thret"]}"#), "none of threat"),
            (one(r#""match":{"min_severity":"urgent"}"#), "none of info"),
            (one(r#""match":{"providers":["github"]}"#), "none of crowdsec"),
            (one(r#""match":{"min_severity":"info"},"extra":1"#), "unknown field"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"NOPE""#), "headers_secret names a secret or variable that is not set"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"BAD_HEADERS""#), "must be visible ASCII"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"NOT_HEADERS""#), "JSON object"),
            (one(r#""match":{"min_severity":"info"},"signing_key_secret":"NOKEY""#), "signing_key_secret names a secret or variable that is not set"),
            (one(r#""match":{"min_severity":"info"},"url_secret":"x""#), "duplicate field"),
            (r#"{"destinations":[]}"#.into(), "no destination"),
            (r#"{"destinations":[{"name":"a b","url_secret":"SIEM_URL","format":"json","match":{"min_severity":"info"}}]}"#.into(), "name must be"),
            (r#"{"destinations":[{"name":"a","url_secret":"FTP_URL","format":"json","match":{"min_severity":"info"}}]}"#.into(), "https://"),
            (r#"{"destinations":[{"name":"a","url_secret":"SIEM_URL","format":"xml","match":{"min_severity":"info"}}]}"#.into(), "unknown variant"),
            (r#"{"destinations":[{"name":"a","url_secret":"SIEM_URL","format":"json","match":{"min_severity":"info"}},{"name":"a","url_secret":"SIEM_URL","format":"slack","match":{"min_severity":"info"}}]}"#.into(), "used twice"),
            (r#"{"destinations":[{"name":"a","url_secret":"SIEM_URL","format":"json"}]}"#.into(), "missing field `match`"),
        ];
        for (text, expected) in cases {
            let err = parse(&text, secrets).err().unwrap_or_default();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(
                !err.contains("1234-abcd") && !err.contains("siem.example"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_secret_pasted_where_its_name_belongs_is_never_quoted() {
        let pasted = [
            (
                "url_secret",
                "https://hooks.slack.com/services/T0/B0/pasted",
                "holds no valid secret name",
            ),
            (
                "headers_secret",
                r#"{\"Authorization\":\"Splunk pasted\"}"#,
                "holds no valid secret name",
            ),
            (
                "signing_key_secret",
                "pasted+key/base64=",
                "holds no valid secret name",
            ),
            (
                "signing_key_secret",
                "pasted0123456789abcdef",
                "names a secret or variable that is not set",
            ),
        ];
        for (field, value, expected) in pasted {
            let url = if field == "url_secret" {
                ""
            } else {
                r#""url_secret":"SIEM_URL","#
            };
            let text = format!(
                r#"{{"destinations":[{{"name":"siem",{url}"format":"json","match":{{"min_severity":"info"}},"{field}":"{value}"}}]}}"#
            );
            let err = parse(&text, secrets).err().unwrap_or_default();
            assert!(
                err.contains(&format!("{field} {expected}")),
                "{text}: {err}"
            );
            assert!(!err.contains("pasted"), "{err}");
        }
    }
}
