//! Bodies a caller with credentials may choose, each next to a plain body of the same size
//! (issue 19 item 6): classify must cost at most three times the plain body's on any of them.

use std::fmt::Write;

/// The size of each body: a source's default `max_body_bytes`.
pub const SIZE: usize = 64 * 1024;

/// A Sectigo body whose `body` object has members named by `key(i)` until it is `SIZE` long.
fn sectigo(key: impl Fn(usize) -> String) -> Vec<u8> {
    let head = r#"{"id": 1, "event": "website_monitor_enabled", "target": {"type": "Website", "id": 2}, "partner": {"id": 3}, "body": {"#;
    let mut body = String::from(head);
    let mut i = 0;
    while body.len() < SIZE - 200 {
        if i > 0 {
            body.push_str(", ");
        }
        let _ = write!(body, "\"{}\": \"v\"", key(i));
        i += 1;
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A secret-bearing event whose every value is redacted: short keys, numbers that redaction
/// would grow, so that containers are replaced whole.
/// With `event` another, the same body is not redacted.
fn redacted(event: &str) -> Vec<u8> {
    let head = format!(
        r#"{{"id": 1, "event": "{event}", "target": {{"type": "User", "id": 2}}, "partner": {{"id": 3}}, "body": {{"#
    );
    let mut body = head;
    let mut i = 0;
    while body.len() < SIZE - 200 {
        if i > 0 {
            body.push_str(", ");
        }
        let _ = write!(body, "\"k{i}\": [0, 1, {{\"a\": 2}}]");
        i += 1;
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A key of about 120 bytes repeating `unit`, told apart by its number.
fn repeated(unit: &str, i: usize) -> String {
    format!("{}{i}", unit.repeat(120 / unit.len()))
}

/// A CrowdSec alert padded to `SIZE` by an unread member, its confidence `confidence` at the end
/// (a string is refused).
fn crowdsec(confidence: &str) -> Vec<u8> {
    let filler = "f".repeat(SIZE - 900);
    format!(
        r#"{{"metadata": {{"version": 1, "issuer": "crowdsec.net"}}, "details": {{"event_type": "alert_triggered", "event_id": "e", "organization_id": "o", "event_timestamp": "2021-07-29T12:00:00Z", "uuid": null, "message": null, "scenario": "s", "behaviors": [], "start_at": "a", "stop_at": "b", "target": {{"ip": "1.2.3.4", "id": "t"}}, "source": {{"scope": "ip", "value": "5.6.7.8"}}, "is_manual_decision": false, "padding": "{filler}", "scenario_confidence": {confidence}}}}}"#
    )
    .into_bytes()
}

/// The Sectigo bodies whose keys repeat one unit, each by name: the secret words' first
/// letters, a secret word's start, short words, the words before `code`, a word's prefix.
const REPEATED_KEYS: [(&str, &str); 7] = [
    ("sectigo_first_letters", "pstclu"),
    ("sectigo_pass", "pass"),
    ("sectigo_words", "aB"),
    ("sectigo_digit_words", "p1"),
    ("sectigo_codes", "reset_"),
    ("sectigo_secret_prefix", "passw"),
    ("sectigo_short_words", "abc_"),
];

/// Each hostile body by name, with the plain body it is compared with.
pub fn cases() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let plain = sectigo(|i| repeated("field", i));
    let mut cases: Vec<_> = REPEATED_KEYS
        .iter()
        .map(|&(name, unit)| (name, sectigo(|i| repeated(unit, i)), plain.clone()))
        .collect();
    cases.push((
        "sectigo_redacted",
        redacted("user_reset_password"),
        redacted("user_create"),
    ));
    cases.push(("crowdsec_refused", crowdsec("\"x\""), crowdsec("85")));
    cases
}
