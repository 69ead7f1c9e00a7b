//! The plugin configuration: the policy (the same JSON as the Worker's) plus what only the
//! filter decides. Invalid configuration fails `on_configure` as a whole.

use hookwall::policy::Policy;
use serde::Deserialize;
use serde_json::value::RawValue;

/// What the receiver gets as the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The provider's body, unchanged, with `x-hookwall-*` labels.
    Passthrough,
    /// The normalized CloudEvent (`application/cloudevents+json`), secrets redacted.
    Cloudevent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dedup {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How long an event the receiver accepted is remembered.
    #[serde(default = "default_ttl")]
    pub ttl_seconds: u64,
    /// How long a copy may stay in flight before a retry is let through anyway.
    #[serde(default = "default_inflight")]
    pub inflight_seconds: u64,
}

impl Default for Dedup {
    fn default() -> Self {
        Self {
            enabled: true,
            ttl_seconds: default_ttl(),
            inflight_seconds: default_inflight(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_ttl() -> u64 {
    3600
}

fn default_inflight() -> u64 {
    60
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document<'a> {
    #[serde(borrow)]
    policy: &'a RawValue,
    #[serde(default = "passthrough")]
    mode: Mode,
    #[serde(default = "yes")]
    strip_credentials: bool,
    #[serde(default)]
    dedup: Dedup,
}

fn passthrough() -> Mode {
    Mode::Passthrough
}

pub struct Config {
    pub policy: Policy,
    pub mode: Mode,
    pub strip_credentials: bool,
    pub dedup: Dedup,
}

impl Config {
    /// Parses the plugin configuration; the error names the field (`policy.sources[0].path: …`).
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let doc: Document =
            serde_json::from_slice(bytes).map_err(|e| format!("plugin configuration: {e}"))?;
        let policy = Policy::from_json(doc.policy.get().as_bytes()).map_err(|e| {
            match e.path.is_empty() {
                true => format!("policy: {}", e.message),
                false => format!("policy.{e}"),
            }
        })?;
        if doc.dedup.enabled && (doc.dedup.ttl_seconds == 0 || doc.dedup.inflight_seconds == 0) {
            return Err("dedup: ttl_seconds and inflight_seconds must be positive".into());
        }
        Ok(Self {
            policy,
            mode: doc.mode,
            strip_credentials: doc.strip_credentials,
            dedup: doc.dedup,
        })
    }
}
