//! The policy's JSON configuration, the same document for both runtimes, read with serde. It is
//! validated as a whole: one invalid field refuses the config with that field's path, never a
//! partial or more permissive policy. Each value is checked by its type as it is read (a name,
//! a path, a range, a secret); what spans fields (unique names and paths, a source open to
//! anyone, wide trusted proxies) is checked once the document is read.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer, IntoDeserializer};
use serde::Deserialize;

use super::auth::Alternative;
use super::cidr::{self, Cidr};
use super::object::from_object;
use super::{Policy, Source, SourceProvider, UnknownEvents};
use crate::error::stopped;
use crate::input;
use crate::{Fault, Location, Provider, RedactPath, MAX_BODY_BYTES};

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

/// The longest source name: it becomes the `x-hookwall-source` header value, a metric name and
/// part of every dedup key.
pub const MAX_NAME_BYTES: usize = 64;

/// An invalid configuration: the field's path (or, for text that is not JSON, the line and
/// column) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(Fault);

impl ConfigError {
    /// Where: the field's path, or the line and column for text that is not JSON.
    pub fn location(&self) -> &Location {
        self.0.location()
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        self.0.message()
    }

    /// The location and the message together, as [`crate::Error`] has them too.
    pub fn fault(&self) -> &Fault {
        &self.0
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl core::error::Error for ConfigError {}

fn error(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError(Fault::new(Location::Path(path.into()), message))
}

/// Reads a configuration document, an object, with `serde_json`. A refusal names the field's
/// path (the line and column when the text is not JSON) and never quotes a value, which could
/// be a misplaced secret. The runtimes read their own settings with it too.
///
/// # Errors
///
/// When the text is not one JSON object, has anything after it, or `T` refuses a field.
pub fn read<'de, T: Deserialize<'de>>(json: &'de [u8]) -> Result<T, ConfigError> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let mut track = serde_path_to_error::Track::new();
    let value = from_object(serde_path_to_error::Deserializer::new(
        &mut deserializer,
        &mut track,
    ))
    .map_err(|e| {
        let path = track.path();
        let path = match path.iter().len() {
            0 => String::new(),
            _ => path.to_string(),
        };
        json_error(path, &e)
    })?;
    deserializer
        .end()
        .map_err(|e| json_error(String::new(), &e))?;
    Ok(value)
}

fn json_error(path: String, e: &serde_json::Error) -> ConfigError {
    let message = input::strip_position(e);
    if e.is_data() {
        error(path, input::without_value(&message))
    } else {
        ConfigError(Fault::new(stopped(e), message))
    }
}

/// The policy as a config writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    sources: Vec<Source>,
    #[serde(default)]
    trusted_proxies: Vec<Cidr>,
    #[serde(default)]
    insecure_trust_any_proxy: bool,
}

impl Policy {
    /// Parses and validates a configuration; any invalid field refuses it whole.
    ///
    /// # Errors
    ///
    /// The first invalid field, by its path: JSON syntax, an unknown, missing or invalid field,
    /// or a rule across fields (no source, two sources with one name or path, a trusted proxy
    /// range too wide).
    pub fn from_json(config: &[u8]) -> Result<Self, ConfigError> {
        parse(config)
    }
}

/// Reads the document, then checks what spans its sources and its top-level flags.
fn parse(config: &[u8]) -> Result<Policy, ConfigError> {
    let doc: Document = read(config)?;
    if doc.sources.is_empty() {
        return Err(error("sources", "at least one source is required"));
    }
    for (i, source) in doc.sources.iter().enumerate() {
        let earlier = &doc.sources[..i];
        if let Some(other) = earlier.iter().position(|s| s.name == source.name) {
            return Err(error(
                format!("sources[{i}].name"),
                format!("\"{}\" is also the name of sources[{other}]", source.name),
            ));
        }
        if let Some(other) = earlier.iter().position(|s| s.path == source.path) {
            return Err(error(
                format!("sources[{i}].path"),
                format!("\"{}\" is also the path of sources[{other}]", source.path),
            ));
        }
    }
    for (i, range) in doc.trusted_proxies.iter().enumerate() {
        if range.is_wide_public() && !doc.insecure_trust_any_proxy {
            return Err(error(
                format!("trusted_proxies[{i}]"),
                "a public range this wide (IPv4 shorter than /8, IPv6 shorter than /16) lets anyone forge X-Forwarded-For; set \"insecure_trust_any_proxy\": true if that is really intended",
            ));
        }
    }
    Ok(Policy {
        sources: doc.sources,
        trusted_proxies: doc.trusted_proxies,
    })
}

/// A source as a config writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFields {
    name: Name,
    path: RoutePath,
    provider: SourceProvider,
    #[serde(default)]
    auth: Vec<Alternative>,
    #[serde(default)]
    allow_ips: Vec<Allow>,
    max_body_bytes: Option<BodyLimit>,
    unknown_events: Option<UnknownEvents>,
    #[serde(default)]
    redact: Vec<RedactPath>,
    #[serde(default)]
    insecure_allow_anyone: bool,
}

/// A source is read with its fields' checks, then refused if anyone could call it unintended.
impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields: SourceFields = from_object(deserializer)?;
        let allow_ips: Vec<Cidr> = fields.allow_ips.iter().flat_map(Allow::ranges).collect();
        if fields.auth.is_empty() && !fields.insecure_allow_anyone {
            check_not_open(&allow_ips).map_err(de::Error::custom)?;
        }
        Ok(Source {
            name: fields.name.0,
            path: fields.path.0,
            provider: fields.provider,
            auth: fields.auth,
            allow_ips,
            max_body_bytes: fields
                .max_body_bytes
                .map_or(DEFAULT_MAX_BODY_BYTES, |b| b.0),
            unknown_events: fields.unknown_events.unwrap_or(UnknownEvents::Accept),
            redact: fields.redact,
        })
    }
}

/// A source without auth must name who may call: no allowlist, or one whose ranges hold every
/// address of a family (a `/0`, or two halves), admits anyone, which only
/// `insecure_allow_anyone` may intend.
fn check_not_open(allow_ips: &[Cidr]) -> Result<(), OpenToAnyone> {
    if allow_ips.is_empty() {
        return Err(OpenToAnyone::NoAllowlist);
    }
    match cidr::whole_family(allow_ips) {
        Some(family) => Err(OpenToAnyone::WholeFamily(family)),
        None => Ok(()),
    }
}

/// Why a source without auth would admit anyone.
enum OpenToAnyone {
    NoAllowlist,
    /// An allowlist that holds every address of this family.
    WholeFamily(&'static str),
}

impl fmt::Display for OpenToAnyone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAllowlist => f.write_str("neither auth nor allow_ips")?,
            Self::WholeFamily(family) => {
                write!(f, "no auth, and allow_ips admits every {family} address")?;
            }
        }
        f.write_str(
            ": anyone could call it; set \"insecure_allow_anyone\": true if that is really intended",
        )
    }
}

/// A source's name: 1 to [`MAX_NAME_BYTES`] letters, digits, `-`, `_` or `.`, so it is safe
/// as a header value, a metric name and a key.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Name(String);

impl TryFrom<String> for Name {
    type Error = BadName;

    fn try_from(name: String) -> Result<Self, BadName> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(BadName::Characters);
        }
        // The filter counts a request at no source's path under `_none`.
        if name.starts_with('_') {
            return Err(BadName::Reserved);
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(BadName::TooLong);
        }
        Ok(Self(name))
    }
}

/// Why a text is no source name.
enum BadName {
    Characters,
    Reserved,
    TooLong,
}

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Characters => f.write_str("must be non-empty letters, digits, '-', '_' or '.'"),
            Self::Reserved => f.write_str("must not start with '_', which hookwall reserves"),
            Self::TooLong => write!(f, "must be at most {MAX_NAME_BYTES} bytes"),
        }
    }
}

/// Where a runtime answers its own requests (the Worker's admin API): no source may answer
/// there, so no provider's credential is ever checked on an admin path.
const RESERVED_PREFIX: &str = "/_hookwall";

/// The path a source answers at. Paths are matched byte for byte, so only a plain absolute
/// path can name a source.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct RoutePath(String);

impl TryFrom<String> for RoutePath {
    type Error = &'static str;

    fn try_from(path: String) -> Result<Self, &'static str> {
        let plain = path.starts_with('/')
            && path.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~')
            })
            && !path
                .split('/')
                .any(|segment| segment == "." || segment == "..")
            && !path.contains("//");
        let reserved = path
            .strip_prefix(RESERVED_PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        match (plain, reserved) {
            (false, _) => Err("must be an absolute path of letters, digits, '/', '-', '_', '.', '~', without dot segments or empty segments"),
            (true, true) => Err("is under /_hookwall/, which is reserved for hookwall's own API"),
            (true, false) => Ok(Self(path)),
        }
    }
}

/// `auto`, or a provider's name.
impl<'de> Deserialize<'de> for SourceProvider {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        match name.as_str() {
            "auto" => Ok(SourceProvider::Auto),
            name => name
                .parse::<Provider>()
                .map(SourceProvider::Only)
                .map_err(|_| {
                    de::Error::custom(format!(
                        "unknown provider \"{name}\" (crowdsec, cloud66, sectigo or auto)"
                    ))
                }),
        }
    }
}

#[derive(Deserialize)]
#[serde(
    remote = "UnknownEvents",
    variant_identifier,
    rename_all = "lowercase",
    expecting = "`accept` or `reject`"
)]
enum UnknownEventsName {
    Accept,
    Reject,
}

/// `accept` or `reject`.
impl<'de> Deserialize<'de> for UnknownEvents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        UnknownEventsName::deserialize(deserializer)
    }
}

/// A payload path to redact, as `RedactPath::parse` reads it.
impl<'de> Deserialize<'de> for RedactPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RedactPath::parse(&String::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

/// A body limit: 1 to [`MAX_BODY_BYTES`].
#[derive(Deserialize)]
#[serde(try_from = "usize")]
struct BodyLimit(usize);

impl TryFrom<usize> for BodyLimit {
    type Error = LimitOutOfRange;

    fn try_from(limit: usize) -> Result<Self, LimitOutOfRange> {
        match limit {
            1..=MAX_BODY_BYTES => Ok(Self(limit)),
            _ => Err(LimitOutOfRange),
        }
    }
}

/// A body limit of 0, or above what the core parses at all.
struct LimitOutOfRange;

impl fmt::Display for LimitOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "must be between 1 and {MAX_BODY_BYTES}")
    }
}

/// An `allow_ips` entry: a range, or `preset:sectigo` for Sectigo's published addresses.
enum Allow {
    Range(Cidr),
    Sectigo,
}

impl Allow {
    fn ranges(&self) -> Vec<Cidr> {
        match self {
            Allow::Range(range) => alloc::vec![*range],
            Allow::Sectigo => SECTIGO_ADDRESSES
                .iter()
                .filter_map(|a| Cidr::parse(a))
                .collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Allow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.strip_prefix("preset:") {
            Some("sectigo") => Ok(Allow::Sectigo),
            Some(other) => Err(de::Error::custom(format!(
                "unknown preset \"{other}\" (known: sectigo)"
            ))),
            None => Cidr::deserialize(text.into_deserializer()).map(Allow::Range),
        }
    }
}
