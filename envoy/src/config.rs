//! The plugin configuration: the policy (the same JSON as the Worker's) plus what only the
//! filter decides. Invalid configuration fails `on_configure` as a whole.

use core::fmt;

use hookwall::output::Format;
use hookwall::policy::{from_object, read_config, Policy};
use hookwall::Location;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// What the receiver gets as the request body: the provider's own, or the event in one of the
/// core's output formats (`cloudevent`, `data`, `ocsf`, `slack`), read under their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The provider's body, unchanged, with `x-hookwall-*` labels: the filter's default.
    #[default]
    Passthrough,
    /// The event in this format (secrets redacted) in place of the provider's body.
    Render(Format),
}

impl Mode {
    /// The body that replaces the provider's; `None` keeps it.
    pub fn render(self, event: &hookwall::Event<'_>) -> Option<String> {
        match self {
            Self::Passthrough => None,
            Self::Render(format) => Some(format.render(event)),
        }
    }

    /// The media type of the body the receiver gets, when the filter replaces it.
    pub fn content_type(self) -> Option<&'static str> {
        match self {
            Self::Passthrough => None,
            Self::Render(format) => Some(format.content_type()),
        }
    }
}

/// Every name a mode has, for the refusal of any other.
const MODES: [&str; 5] = ["passthrough", "cloudevent", "data", "ocsf", "slack"];

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ModeVisitor)
    }
}

struct ModeVisitor;

impl Visitor<'_> for ModeVisitor {
    type Value = Mode;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`passthrough`, `cloudevent`, `data`, `ocsf` or `slack`")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Mode, E> {
        match name {
            "passthrough" => Ok(Mode::Passthrough),
            name => name
                .parse()
                .map(Mode::Render)
                .map_err(|_| E::unknown_variant(name, &MODES)),
        }
    }
}

/// Whatever it leaves out is as [`Dedup::default`] has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dedup {
    pub enabled: bool,
    /// How long an event the receiver accepted is remembered.
    pub ttl_seconds: u64,
    /// How long a copy may stay in flight before a retry is let through anyway.
    pub inflight_seconds: u64,
    /// How many shared-data keys hold entries: the bound on the filter's shared memory.
    pub slots: u64,
}

/// What no `dedup` member means: on, with the default times.
impl Default for Dedup {
    fn default() -> Self {
        Self {
            enabled: true,
            ttl_seconds: 3600,
            inflight_seconds: 60,
            slots: 65_536,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document<'a> {
    /// Read by the policy's own parser, which names its fields from `policy.` on.
    #[serde(borrow)]
    policy: &'a RawValue,
    #[serde(default)]
    mode: Mode,
    #[serde(default = "yes")]
    strip_credentials: bool,
    #[serde(default, deserialize_with = "from_object")]
    dedup: Dedup,
    #[serde(default)]
    allow_on_headers_stop_iteration: bool,
}

fn yes() -> bool {
    true
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
        let doc: Document = read_config(bytes).map_err(|e| format!("plugin configuration: {e}"))?;
        let policy =
            Policy::from_json(doc.policy.get().as_bytes()).map_err(|e| match e.location() {
                Location::Path(path) => format!("policy.{path}: {}", e.message()),
                _ => format!("policy: {e}"),
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
    fn every_output_format_is_a_mode_under_its_name() {
        for format in Format::ALL {
            let config = parse(&format!(r#", "mode": "{format}""#)).unwrap();
            assert_eq!(config.mode, Mode::Render(format));
            assert_eq!(config.mode.content_type(), Some(format.content_type()));
        }
        let config = parse(r#", "mode": "passthrough""#).unwrap();
        assert_eq!(
            (config.mode, config.mode.content_type()),
            (Mode::Passthrough, None)
        );
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
        assert_eq!(config.mode, Mode::Render(Format::CloudEvent));
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
                "plugin configuration: mode: unknown variant, expected one of `passthrough`, `cloudevent`, `data`, `ocsf`, `slack`",
            ),
            (
                r#", "mode": 1"#,
                "plugin configuration: mode: invalid type: integer, expected `passthrough`, `cloudevent`, `data`, `ocsf` or `slack`",
            ),
            (
                r#", "strip": true"#,
                "plugin configuration: strip: unknown field `strip`, expected one of `policy`, `mode`, `strip_credentials`, `dedup`, `allow_on_headers_stop_iteration`",
            ),
            (
                r#", "dedup": {"ttl": 1}"#,
                "plugin configuration: dedup.ttl: unknown field `ttl`, expected one of `enabled`, `ttl_seconds`, `inflight_seconds`, `slots`",
            ),
            (
                r#", "dedup": {"ttl_seconds": -1}"#,
                "plugin configuration: dedup.ttl_seconds: invalid value: integer, expected u64",
            ),
            (
                r#", "dedup": [false, 1, 1, 1]"#,
                "plugin configuration: dedup: invalid type: sequence, expected an object",
            ),
            (
                r#", "dedup": {"ttl_seconds": 0}"#,
                "dedup: ttl_seconds and inflight_seconds must be positive",
            ),
            (r#", "dedup": {"slots": 0}"#, "dedup.slots: must be 1 to 1048576"),
            (
                r#", "mode": "cloudevent", "mode": "cloudevent""#,
                "plugin configuration: duplicate field `mode`",
            ),
            ("} x", "plugin configuration: line 1 column 103: trailing characters"),
        ] {
            let error = parse(rest).err().unwrap_or_default();
            assert_eq!(error, expected, "{rest}");
        }
        let policy = Config::parse(br#"{"policy": {"sources": [{"name": "a"}]}}"#).err();
        assert_eq!(
            policy.unwrap_or_default(),
            "policy.sources[0]: missing field `path`"
        );
        let missing = Config::parse(b"{}").err().unwrap_or_default();
        assert_eq!(missing, "plugin configuration: missing field `policy`");
        let array = Config::parse(b"[]").err().unwrap_or_default();
        assert_eq!(
            array,
            "plugin configuration: invalid type: sequence, expected an object"
        );
    }
}
