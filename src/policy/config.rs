//! The policy's JSON configuration, the same document for both runtimes. It is validated as a
//! whole: one invalid field refuses the config with that field's path, never a partial or
//! more permissive policy.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::auth::{digest, Alternative, Secret, MAX_SECRET_BYTES};
use super::cidr::Cidr;
use super::{Policy, Source, SourceProvider, UnknownEvents};
use crate::decode::Decode;
use crate::json::{self, Fault, Reader};
use crate::model;
use crate::{Provider, RedactPath, MAX_BODY_BYTES};

/// Sectigo Web Security Platform's published webhook source addresses.
pub const SECTIGO_ADDRESSES: [&str; 6] = [
    "54.236.233.46",
    "54.236.233.28",
    "54.174.91.34",
    "54.174.153.212",
    "54.174.115.171",
    "54.236.209.91",
];

/// The default body limit: comfortably above the providers' largest documented payloads.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// An invalid configuration: the field's path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

fn error(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        message: message.into(),
    }
}

model! {
    strict struct Document {
        sources: Vec<SourceDoc>,
        trusted_proxies: Vec<String> = default,
        insecure_trust_any_proxy: bool = default,
    }
}

model! {
    strict struct SourceDoc {
        name: String,
        path: String,
        provider: String,
        auth: Vec<AuthDoc> = default,
        allow_ips: Vec<String> = default,
        max_body_bytes: Option<usize> = default,
        unknown_events: Option<String> = default,
        redact: Vec<String> = default,
        insecure_allow_anyone: bool = default,
    }
}

enum AuthDoc {
    Bearer(SecretDoc),
    Header(SecretDoc),
    Basic(SecretDoc),
    Query(SecretDoc),
}

/// `{"<kind>": {…}}`: exactly one member, named for the kind.
impl<'a> Decode<'a> for AuthDoc {
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        let mut auth = None;
        let end = reader.object(|reader, key| {
            let kind = match &*key.name {
                "bearer" => AuthDoc::Bearer,
                "header" => AuthDoc::Header,
                "basic" => AuthDoc::Basic,
                "query" => AuthDoc::Query,
                other => {
                    return Err(Fault::data(
                        key.at,
                        format!("unknown variant `{other}`, expected `bearer`, `header`, `basic` or `query`"),
                    ))
                }
            };
            if auth.is_some() {
                return Err(Fault::data(key.at, "one auth kind per alternative"));
            }
            auth = Some(kind(SecretDoc::decode(reader)?));
            Ok(())
        })?;
        auth.ok_or_else(|| {
            Fault::data(
                end,
                "an auth kind is required: bearer, header, basic or query",
            )
        })
    }
}

model! {
    /// Every auth kind's fields; which are required depends on the kind.
    strict struct SecretDoc {
        name: Option<String> = default,
        username: Option<String> = default,
        token: Option<String> = default,
        token_sha256: Option<String> = default,
        value: Option<String> = default,
        value_sha256: Option<String> = default,
        password: Option<String> = default,
        password_sha256: Option<String> = default,
    }
}

pub fn parse(config: &[u8]) -> Result<Policy, ConfigError> {
    let doc: Document = json::parse(config).map_err(|e| error(e.location(), e.message()))?;
    if doc.sources.is_empty() {
        return Err(error("sources", "at least one source is required"));
    }
    let mut sources = Vec::with_capacity(doc.sources.len());
    for (i, source) in doc.sources.into_iter().enumerate() {
        let at = format!("sources[{i}]");
        let source = build_source(source, &at)?;
        if let Some(other) = sources.iter().position(|s: &Source| s.name == source.name) {
            return Err(error(
                format!("{at}.name"),
                format!("\"{}\" is also the name of sources[{other}]", source.name),
            ));
        }
        if let Some(other) = sources.iter().position(|s: &Source| s.path == source.path) {
            return Err(error(
                format!("{at}.path"),
                format!("\"{}\" is also the path of sources[{other}]", source.path),
            ));
        }
        sources.push(source);
    }
    let trusted_proxies = doc
        .trusted_proxies
        .iter()
        .enumerate()
        .map(|(i, text)| trusted_proxy(text, i, doc.insecure_trust_any_proxy))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        sources,
        trusted_proxies,
    })
}

fn build_source(doc: SourceDoc, at: &str) -> Result<Source, ConfigError> {
    if doc.name.is_empty()
        || !doc
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(error(
            format!("{at}.name"),
            "must be non-empty letters, digits, '-', '_' or '.'",
        ));
    }
    check_path(&doc.path).map_err(|m| error(format!("{at}.path"), m))?;
    let provider = match doc.provider.as_str() {
        "auto" => SourceProvider::Auto,
        name => SourceProvider::Only(Provider::from_name(name).ok_or_else(|| {
            error(
                format!("{at}.provider"),
                format!("unknown provider \"{name}\" (crowdsec, cloud66, sectigo or auto)"),
            )
        })?),
    };
    let auth = doc
        .auth
        .into_iter()
        .enumerate()
        .map(|(i, a)| alternative(a, &format!("{at}.auth[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let allow_ips = doc
        .allow_ips
        .iter()
        .enumerate()
        .map(|(i, text)| allow(text, &format!("{at}.allow_ips[{i}]")))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    if auth.is_empty() && !doc.insecure_allow_anyone {
        check_not_open(&allow_ips, at)?;
    }
    let max_body_bytes = doc.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    if max_body_bytes == 0 || max_body_bytes > MAX_BODY_BYTES {
        return Err(error(
            format!("{at}.max_body_bytes"),
            format!("must be between 1 and {MAX_BODY_BYTES}"),
        ));
    }
    let unknown_events = match doc.unknown_events.as_deref() {
        None | Some("accept") => UnknownEvents::Accept,
        Some("reject") => UnknownEvents::Reject,
        Some(other) => {
            return Err(error(
                format!("{at}.unknown_events"),
                format!("\"{other}\" is neither \"accept\" nor \"reject\""),
            ))
        }
    };
    let redact = doc
        .redact
        .iter()
        .enumerate()
        .map(|(i, p)| RedactPath::parse(p).map_err(|m| error(format!("{at}.redact[{i}]"), m)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Source {
        name: doc.name,
        path: doc.path,
        provider,
        auth,
        allow_ips,
        max_body_bytes,
        unknown_events,
        redact,
    })
}

/// A source without auth must name who may call: no allowlist, or one with a `/0` range,
/// admits anyone, which only `insecure_allow_anyone` may intend.
fn check_not_open(allow_ips: &[Cidr], at: &str) -> Result<(), ConfigError> {
    const INTENDED: &str =
        "anyone could call it; set \"insecure_allow_anyone\": true if that is really intended";
    if allow_ips.is_empty() {
        return Err(error(at, format!("neither auth nor allow_ips: {INTENDED}")));
    }
    if allow_ips.iter().any(Cidr::is_everything) {
        return Err(error(
            at,
            format!(
                "no auth, and allow_ips has a /0 range, which admits every address: {INTENDED}"
            ),
        ));
    }
    Ok(())
}

/// Paths are matched byte for byte, so only a plain absolute path can name a source.
fn check_path(path: &str) -> Result<(), &'static str> {
    let plain = path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && !path.contains("//");
    if plain {
        Ok(())
    } else {
        Err("must be an absolute path of letters, digits, '/', '-', '_', '.', '~', without dot segments or empty segments")
    }
}

/// A trusted proxy's range. One that anyone on the internet may hold lets every caller choose
/// its own `X-Forwarded-For`, so it needs `insecure_trust_any_proxy`.
fn trusted_proxy(text: &str, index: usize, insecure: bool) -> Result<Cidr, ConfigError> {
    let at = format!("trusted_proxies[{index}]");
    let range = cidr(text, &at)?;
    if range.is_wide_public() && !insecure {
        return Err(error(
            at,
            "a public range this wide (IPv4 shorter than /8, IPv6 shorter than /16) lets anyone forge X-Forwarded-For; set \"insecure_trust_any_proxy\": true if that is really intended",
        ));
    }
    Ok(range)
}

fn cidr(text: &str, at: &str) -> Result<Cidr, ConfigError> {
    Cidr::parse(text).ok_or_else(|| error(at, format!("invalid CIDR \"{text}\"")))
}

fn allow(text: &str, at: &str) -> Result<Vec<Cidr>, ConfigError> {
    match text.strip_prefix("preset:") {
        Some("sectigo") => Ok(SECTIGO_ADDRESSES
            .iter()
            .filter_map(|a| Cidr::parse(a))
            .collect()),
        Some(other) => Err(error(
            at,
            format!("unknown preset \"{other}\" (known: sectigo)"),
        )),
        None => cidr(text, at).map(|c| alloc::vec![c]),
    }
}

fn alternative(doc: AuthDoc, at: &str) -> Result<Alternative, ConfigError> {
    let (kind, fields) = match &doc {
        AuthDoc::Bearer(f) => ("bearer", f),
        AuthDoc::Header(f) => ("header", f),
        AuthDoc::Basic(f) => ("basic", f),
        AuthDoc::Query(f) => ("query", f),
    };
    let at = format!("{at}.{kind}");
    let allowed: &[&str] = match kind {
        "bearer" => &["token", "token_sha256"],
        "basic" => &["username", "password", "password_sha256"],
        _ => &["name", "value", "value_sha256"],
    };
    for (field, present) in [
        ("name", fields.name.is_some()),
        ("username", fields.username.is_some()),
        ("token", fields.token.is_some()),
        ("token_sha256", fields.token_sha256.is_some()),
        ("value", fields.value.is_some()),
        ("value_sha256", fields.value_sha256.is_some()),
        ("password", fields.password.is_some()),
        ("password_sha256", fields.password_sha256.is_some()),
    ] {
        if present && !allowed.contains(&field) {
            return Err(error(
                format!("{at}.{field}"),
                format!("not a field of {kind} auth"),
            ));
        }
    }
    Ok(match doc {
        AuthDoc::Bearer(f) => {
            let token = secret(f.token, f.token_sha256, &at, "token")?;
            Alternative::Bearer { token }
        }
        AuthDoc::Header(f) => {
            let name = header_name(f.name, &at)?;
            let value = secret(f.value, f.value_sha256, &at, "value")?;
            Alternative::Header { name, value }
        }
        AuthDoc::Basic(f) => {
            let username = f
                .username
                .ok_or_else(|| error(format!("{at}.username"), "missing field"))?;
            if username.is_empty() || username.contains(':') {
                return Err(error(
                    format!("{at}.username"),
                    "must be non-empty and without ':' (RFC 7617)",
                ));
            }
            if username.len() > MAX_SECRET_BYTES {
                return Err(error(format!("{at}.username"), too_long()));
            }
            let password = secret(f.password, f.password_sha256, &at, "password")?;
            Alternative::Basic { username, password }
        }
        AuthDoc::Query(f) => {
            let name = f
                .name
                .ok_or_else(|| error(format!("{at}.name"), "missing field"))?;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                return Err(error(
                    format!("{at}.name"),
                    "must be letters, digits, '-', '_' or '.'",
                ));
            }
            let value = secret(f.value, f.value_sha256, &at, "value")?;
            Alternative::Query { name, value }
        }
    })
}

fn header_name(name: Option<String>, at: &str) -> Result<String, ConfigError> {
    let name = name.ok_or_else(|| error(format!("{at}.name"), "missing field"))?;
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(error(format!("{at}.name"), "not a valid header name"));
    }
    Ok(name.to_ascii_lowercase())
}

/// A secret given in plaintext or as its SHA-256 in hex; exactly one of the two. Neither may
/// stand for an empty secret, nor a plaintext be longer than a presented credential may be.
fn secret(
    plain: Option<String>,
    sha256: Option<String>,
    at: &str,
    field: &str,
) -> Result<Secret, ConfigError> {
    match (plain, sha256) {
        (Some(_), Some(_)) => Err(error(
            format!("{at}.{field}"),
            format!("give {field} or {field}_sha256, not both"),
        )),
        (None, None) => Err(error(format!("{at}.{field}"), "missing field")),
        (Some(plain), None) if plain.is_empty() => {
            Err(error(format!("{at}.{field}"), "must not be empty"))
        }
        (Some(plain), None) if plain.len() > MAX_SECRET_BYTES => {
            Err(error(format!("{at}.{field}"), too_long()))
        }
        (Some(plain), None) => Ok(digest(plain.as_bytes())),
        (None, Some(hex)) => {
            let at = format!("{at}.{field}_sha256");
            let secret =
                parse_hex(&hex).ok_or_else(|| error(&at, "must be 64 hexadecimal digits"))?;
            if secret.0 == digest(b"").0 {
                return Err(error(
                    at,
                    "is the SHA-256 of an empty secret (what `printf %s \"$SECRET\" | sha256sum` gives when the variable is unset); an empty credential never matches",
                ));
            }
            Ok(secret)
        }
    }
}

fn too_long() -> String {
    format!("must be at most {MAX_SECRET_BYTES} bytes: a longer presented credential never matches")
}

fn parse_hex(hex: &str) -> Option<Secret> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(Secret(out))
}
