//! The plugin configuration: the policy (the same JSON as the Worker's) plus what only the
//! filter decides. Invalid configuration fails `on_configure` as a whole.

use hookwall::decode::Decode;
use hookwall::json::{Fault, Raw, Reader};
use hookwall::model;
use hookwall::policy::Policy;

/// What the receiver gets as the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The provider's body, unchanged, with `x-hookwall-*` labels.
    #[default]
    Passthrough,
    /// The normalized CloudEvent (`application/cloudevents+json`), secrets redacted.
    Cloudevent,
}

impl<'a> Decode<'a> for Mode {
    fn decode(reader: &mut Reader<'a>) -> Result<Self, Fault> {
        reader.variant(
            &[
                ("passthrough", Self::Passthrough),
                ("cloudevent", Self::Cloudevent),
            ],
            "`passthrough` or `cloudevent`",
        )
    }
}

model! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub strict struct Dedup {
        pub enabled: bool = or(true),
        /// How long an event the receiver accepted is remembered.
        pub ttl_seconds: u64 = or(default_ttl()),
        /// How long a copy may stay in flight before a retry is let through anyway.
        pub inflight_seconds: u64 = or(default_inflight()),
        /// How many shared-data keys hold entries: the bound on the filter's shared memory.
        pub slots: u64 = or(default_slots()),
    }
}

/// What no `dedup` member means: on, with the default times.
impl Default for Dedup {
    fn default() -> Self {
        Self {
            enabled: true,
            ttl_seconds: default_ttl(),
            inflight_seconds: default_inflight(),
            slots: default_slots(),
        }
    }
}

fn default_ttl() -> u64 {
    3600
}

fn default_inflight() -> u64 {
    60
}

fn default_slots() -> u64 {
    65_536
}

model! {
    strict struct Document<'a> {
        policy: Raw<'a>,
        mode: Mode = default,
        strip_credentials: bool = or(true),
        dedup: Dedup = default,
        allow_on_headers_stop_iteration: bool = or(false),
    }
}

/// At most about 100 MB of shared data, at about 100 bytes an entry.
const MAX_SLOTS: u64 = 1 << 20;

pub struct Config {
    pub policy: Policy,
    pub mode: Mode,
    pub strip_credentials: bool,
    pub dedup: Dedup,
    /// The same setting as Envoy's `PluginConfig.allow_on_headers_stop_iteration`: whether the
    /// host lets the filter hold the headers while it reads the body, so labels can be added.
    pub allow_on_headers_stop_iteration: bool,
}

impl Config {
    /// Parses the plugin configuration; the error names the field (`policy.sources[0].path: …`).
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let doc: Document =
            hookwall::json::parse(bytes).map_err(|e| format!("plugin configuration: {e}"))?;
        let policy =
            Policy::from_json(doc.policy.0.as_bytes()).map_err(|e| match e.path.is_empty() {
                true => format!("policy: {}", e.message),
                false => format!("policy.{e}"),
            })?;
        if doc.dedup.enabled && (doc.dedup.ttl_seconds == 0 || doc.dedup.inflight_seconds == 0) {
            return Err("dedup: ttl_seconds and inflight_seconds must be positive".into());
        }
        if !(1..=MAX_SLOTS).contains(&doc.dedup.slots) {
            return Err(format!("dedup.slots: must be 1 to {MAX_SLOTS}"));
        }
        Ok(Self {
            policy,
            mode: doc.mode,
            strip_credentials: doc.strip_credentials,
            dedup: doc.dedup,
            allow_on_headers_stop_iteration: doc.allow_on_headers_stop_iteration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["10.0.0.1"]}]}"#;

    fn parse(rest: &str) -> Result<Config, String> {
        Config::parse(format!(r#"{{"policy": {POLICY}{rest}}}"#).as_bytes())
    }

    #[test]
    fn defaults_keep_the_body_strip_credentials_and_deduplicate() {
        let config = parse("").unwrap();
        assert_eq!(config.mode, Mode::Passthrough);
        assert!(config.strip_credentials);
        assert_eq!(config.dedup, Dedup::default());
        assert!(config.dedup.enabled);
        let config = parse(
            r#", "mode": "cloudevent", "strip_credentials": false, "dedup": {"ttl_seconds": 5}"#,
        )
        .unwrap();
        assert_eq!(config.mode, Mode::Cloudevent);
        assert!(!config.strip_credentials);
        assert_eq!(
            (
                config.dedup.enabled,
                config.dedup.ttl_seconds,
                config.dedup.inflight_seconds
            ),
            (true, 5, 60)
        );
    }

    #[test]
    fn refusals_name_the_field() {
        for (rest, expected) in [
            (
                r#", "mode": "fast""#,
                "mode: unknown variant, expected `passthrough` or `cloudevent`",
            ),
            (
                r#", "mode": 1"#,
                "mode: invalid type: integer, expected `passthrough` or `cloudevent`",
            ),
            (r#", "strip": true"#, "strip: unknown field `strip`"),
            (r#", "dedup": {"ttl": 1}"#, "dedup.ttl: unknown field `ttl`"),
            (
                r#", "dedup": {"ttl_seconds": -1}"#,
                "dedup.ttl_seconds: number out of range",
            ),
            (
                r#", "dedup": {"ttl_seconds": 0}"#,
                "dedup: ttl_seconds and inflight_seconds must be positive",
            ),
            (
                r#", "mode": "cloudevent", "mode": "cloudevent""#,
                "mode: duplicate field `mode`",
            ),
        ] {
            let error = parse(rest).err().unwrap_or_default();
            assert!(
                error.ends_with(expected),
                "{rest}\n  expected: {expected}\n  actual:   {error}"
            );
        }
        let missing = Config::parse(b"{}").err().unwrap_or_default();
        assert!(missing.ends_with("policy: missing field"), "{missing}");
    }
}
