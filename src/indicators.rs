//! What an event carries that a rule can match on, as each provider's parser fills it in.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::Serialize;

/// What an event carries that a detection or response rule can match on. Written in
/// declaration order; absent and empty fields are omitted. None of them is ever a secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicators<'a> {
    /// The attacker: an IP, a range, an AS… as `source_scope` says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_value: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_scope: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_name: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdns: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Cow<'a, str>>,
    /// The provider's confidence in the detection, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub false_positives: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_detected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ip: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// An IP address the event is about that is not an attacker's (a failed IP change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Cow<'a, str>>,
    /// How many things the event counts (outdated components, malware issues…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// When the subject was last heard from (an offline component's last pull, push or login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<Cow<'a, str>>,
}

impl Indicators<'_> {
    /// Whether the event carries none, so that its `indicators` are omitted.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
