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
    /// What kind of thing `source_value` is: `ip`, `range`, `as`, `country`… (CrowdSec's scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_scope: Option<Cow<'a, str>>,
    /// The attacker's IP address, when the source is a single address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<Cow<'a, str>>,
    /// The attacker's country, as the provider gives it (an ISO code where it has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Cow<'a, str>>,
    /// The attacker's city, from the provider's geolocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Cow<'a, str>>,
    /// The number of the autonomous system the attacker's address belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_number: Option<i64>,
    /// The name of that autonomous system's operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_name: Option<Cow<'a, str>>,
    /// The reverse DNS name of the attacker's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rdns: Option<Cow<'a, str>>,
    /// The detection scenario that fired (a CrowdSec scenario name such as `crowdsecurity/ssh-bf`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Cow<'a, str>>,
    /// The provider's confidence in the detection, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i64>,
    /// The behaviors the provider attributes to the attacker (CrowdSec's labels).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<Cow<'a, str>>,
    /// Why the provider thinks a blocked source is legitimate (CrowdSec's known-safe labels).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub false_positives: Vec<Cow<'a, str>>,
    /// Whether a person, not a scenario, made the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<bool>,
    /// Whether the provider's anomaly report confirms an attack (CrowdSec's "Am I under attack").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_detected: Option<bool>,
    /// How many signals the anomaly report counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<i64>,
    /// The kind of attack the provider blocked or saw (Cloud66 ActiveProtect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<Cow<'a, str>>,
    /// The port the attack targeted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// Whether the provider banned the attacker, or only saw it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    /// The address of the machine that was attacked or watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ip: Option<Cow<'a, str>>,
    /// The watched file the event is about (Cloud66's file integrity check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_path: Option<Cow<'a, str>>,
    /// Whether that watched file was changed.
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
    /// The state the subject left, for a state change (Sectigo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<Cow<'a, str>>,
    /// The state the subject is in now, for a state change (Sectigo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<Cow<'a, str>>,
}

impl Indicators<'_> {
    /// Whether the event carries none, so that its `indicators` are omitted.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
