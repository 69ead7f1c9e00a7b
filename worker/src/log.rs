//! One structured JSON line per request or delivery; never a secret, never a body.

use serde::Serialize;

#[derive(Serialize, Default)]
pub struct Line<'a> {
    pub source: Option<&'a str>,
    pub verdict: &'a str,
    pub reason: &'a str,
    pub status: u16,
    pub provider: Option<&'a str>,
    #[serde(rename = "type")]
    pub event_type: Option<&'a str>,
    pub id: Option<&'a str>,
    pub ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

impl Line<'_> {
    pub fn emit(&self) {
        if let Ok(json) = serde_json::to_string(self) {
            worker::console_log!("{json}");
        }
    }
}
