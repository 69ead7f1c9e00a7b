//! Where events go: `HOOKWALL_DESTINATIONS`, a JSON document naming each destination, its
//! format, the secrets that hold its URL, headers and signing key, and which events it takes.
//! `FORWARD_URL` stays as the shorthand for one destination that takes every event as a
//! CloudEvent. The document is checked as a whole: any fault (an unknown format, a missing
//! secret, a repeated name, an empty match) fails every request rather than skipping a
//! destination, which would lose its events without a word.

use std::rc::Rc;

use hookwall::output::{Format, Match};
use hookwall::Event;
use serde::Deserialize;

/// One destination, its secrets resolved.
pub struct Destination {
    pub name: String,
    pub url: String,
    pub format: Format,
    /// Sent with every delivery, after `content-type` (so they may replace it).
    pub headers: Vec<(String, String)>,
    /// Signs each delivery with `x-hookwall-signature` when set.
    pub signing_key: Option<String>,
    filter: Match,
}

impl Destination {
    pub fn takes(&self, event: &Event<'_>) -> bool {
        self.filter.takes(event)
    }
}

/// The destinations that take `event`, each with its body. Each format is rendered once,
/// however many destinations ask for it.
pub fn outbound<'d>(
    destinations: &'d [Destination],
    event: &Event<'_>,
) -> Vec<(&'d Destination, String)> {
    let taking: Vec<&Destination> = destinations.iter().filter(|d| d.takes(event)).collect();
    let bodies = render_once(taking.iter().map(|d| d.format), |f| f.render(event));
    taking.into_iter().zip(bodies).collect()
}

/// `render` of each format in `formats`, called once per distinct format.
fn render_once(
    formats: impl Iterator<Item = Format>,
    mut render: impl FnMut(Format) -> String,
) -> Vec<String> {
    let mut rendered: Vec<(Format, String)> = Vec::new();
    formats
        .map(|format| {
            if let Some((_, body)) = rendered.iter().find(|(f, _)| *f == format) {
                body.clone()
            } else {
                let body = render(format);
                rendered.push((format, body.clone()));
                body
            }
        })
        .collect()
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
    filter: Match,
}

/// Reads the destinations from `HOOKWALL_DESTINATIONS`, whose secrets `secret` looks up by name.
/// Errors name the destination and the field, never a secret's value.
pub fn parse(
    text: &str,
    secret: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Destination>, String> {
    let document: Document = hookwall::policy::read_config(text.as_bytes())
        .map_err(|e| format!("HOOKWALL_DESTINATIONS: {e}"))?;
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
        format: Format::CloudEvent,
        headers: token
            .map(|t| vec![("authorization".into(), t)])
            .unwrap_or_default(),
        signing_key: Some(signing_key),
        filter: Match::EVERY,
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
        filter: spec.filter,
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
            header_value(&name, value)
                .map(|value| (name, value))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// `text`, if it can be sent as a header value as it is: RFC 9110's field-value in visible
/// ASCII, spaces and tabs only inside. Anything else (a CR or LF pasted into the secret) is a
/// configuration error named at once, rather than a refused header at every delivery.
pub fn header_value(name: &str, text: String) -> Result<String, Rc<str>> {
    let inner = |b: u8| b.is_ascii_graphic() || b == b' ' || b == b'\t';
    let bytes = text.as_bytes();
    let ends_visible = [bytes.first(), bytes.last()]
        .iter()
        .all(|b| b.is_some_and(u8::is_ascii_graphic));
    if ends_visible && bytes.iter().copied().all(inner) {
        Ok(text)
    } else {
        Err(Rc::from(format!(
            "{name} must be visible ASCII, with spaces or tabs only inside"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_sent_only_if_it_is_a_header_value() {
        let token = |t: &str| header_value("FORWARD_TOKEN", t.to_string());
        assert_eq!(
            token("Bearer a.b-c~d+e/f="),
            Ok("Bearer a.b-c~d+e/f=".into())
        );
        for bad in [
            "Bearer x\r\nx-evil: 1",
            "a\0b",
            " lead",
            "trail\t",
            "é",
            "\u{7f}",
        ] {
            assert!(token(bad).is_err(), "{bad:?}");
        }
    }

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
            (one(r#""match":{}"#), "destinations[0].match: no condition"),
            (one(r#""match":{"providers":[]}"#), "destinations[0].match: providers is empty"),
            (one(r#""match":{"categories":["threat","thret"]}"#), "destinations[0].match.categories[1]: unknown variant, expected one of `threat`"),
            (one(r#""match":{"min_severity":"urgent"}"#), "destinations[0].match.min_severity: unknown variant, expected one of `info`"),
            (one(r#""match":{"providers":["github"]}"#), "destinations[0].match.providers[0]: unknown variant, expected one of `crowdsec`"),
            (one(r#""match":{"min_severity":"info"},"extra":1"#), "unknown field"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"NOPE""#), "headers_secret names a secret or variable that is not set"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"BAD_HEADERS""#), "must be visible ASCII"),
            (one(r#""match":{"min_severity":"info"},"headers_secret":"NOT_HEADERS""#), "JSON object"),
            (one(r#""match":{"min_severity":"info"},"signing_key_secret":"NOKEY""#), "signing_key_secret names a secret or variable that is not set"),
            (one(r#""match":{"min_severity":"info"},"url_secret":"x""#), "duplicate field"),
            (r#"{"destinations":[]}"#.into(), "no destination"),
            (r#"{"destinations":[{"name":"a b","url_secret":"SIEM_URL","format":"json","match":{"min_severity":"info"}}]}"#.into(), "name must be"),
            (r#"{"destinations":[{"name":"a","url_secret":"FTP_URL","format":"json","match":{"min_severity":"info"}}]}"#.into(), "https://"),
            (r#"{"destinations":[{"name":"a","url_secret":"SIEM_URL","format":"xml","match":{"min_severity":"info"}}]}"#.into(), "destinations[0].format: unknown variant, expected one of `cloudevent`, `data`, `ocsf`, `slack`"),
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
    fn json_still_names_the_bare_event() {
        let text = r#"{"destinations":[{"name":"a","url_secret":"SIEM_URL","format":"json","match":{"min_severity":"info"}}]}"#;
        assert_eq!(parse(text, secrets).unwrap()[0].format, Format::Data);
    }

    #[test]
    fn each_format_is_rendered_once_however_many_destinations_take_it() {
        use Format::*;
        let mut calls = Vec::new();
        let bodies = render_once([Ocsf, Slack, Ocsf, Data, Slack].into_iter(), |f| {
            calls.push(f);
            f.as_str().to_string()
        });
        assert_eq!(calls, [Ocsf, Slack, Data]);
        assert_eq!(bodies, ["ocsf", "slack", "ocsf", "data", "slack"]);
    }

    #[test]
    fn outbound_pairs_each_taking_destination_with_its_format_s_body() {
        let text = r#"{"destinations":[
            {"name":"all","url_secret":"SIEM_URL","format":"ocsf","match":{"min_severity":"info"}},
            {"name":"sectigo","url_secret":"SIEM_URL","format":"data","match":{"providers":["sectigo"]}},
            {"name":"chat","url_secret":"SIEM_URL","format":"slack","match":{"min_severity":"high"}},
            {"name":"copy","url_secret":"SIEM_URL","format":"ocsf","match":{"categories":["threat"]}}]}"#;
        let destinations = parse(text, secrets).unwrap();
        let body = include_str!("../../fixtures/crowdsec/alert_triggered.json");
        let event = hookwall::classify(body.as_bytes(), &hookwall::Options::default()).unwrap();
        let out = outbound(&destinations, &event);
        let names: Vec<&str> = out.iter().map(|(d, _)| d.name.as_str()).collect();
        assert_eq!(names, ["all", "chat", "copy"]);
        for (destination, body) in &out {
            assert_eq!(
                body,
                &destination.format.render(&event),
                "{}",
                destination.name
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
