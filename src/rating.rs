//! What the severity rules read of a payload, as each provider's parser fills it in.

/// What the severity rules read, from the payload as received. A severity is hookwall's rating
/// of an event, never one of its values, so redacting a value does not change it (the value
/// itself is left out of the derived fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rating {
    /// CrowdSec `scenario_confidence`.
    pub confidence: Option<i64>,
    /// CrowdSec `report_data.is_attack_detected`.
    pub attack_detected: Option<bool>,
    /// Cloud66 `watched_file.is_changed`.
    pub changed: Option<bool>,
    /// Cloud66 `activeprotect_action.banned`.
    pub banned: Option<bool>,
}
