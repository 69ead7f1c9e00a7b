//! Nothing derived from a redacted value leaves (issue 19, item 1): the summary, the subject,
//! the indicators, the account, the id and the time are read from the payload as redaction
//! leaves it, so a canary at any redacted path shows in no output format.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::fixture;
use hookwall::ocsf::{self, to_ocsf_json};
use hookwall::output::Format;
use hookwall::{classify, Event, Options, RedactPath};
use serde_json::{json, Value};

/// Every output of an event: the CloudEvent, the bare event, OCSF with and without the
/// payload, the chat message, and the summary the table prints.
fn outputs(event: &Event<'_>) -> Vec<(&'static str, String)> {
    vec![
        ("cloudevent", event.to_cloudevent_json()),
        ("data", event.to_data_json()),
        ("ocsf", to_ocsf_json(event, ocsf::Options::default())),
        (
            "ocsf+raw_data",
            to_ocsf_json(event, ocsf::Options { raw_data: true }),
        ),
        ("slack", Format::Slack.render(event)),
        ("summary", event.summary().to_owned()),
    ]
}

fn assert_absent(event: &Event<'_>, canaries: &[&str], what: &str) {
    for (format, output) in outputs(event) {
        for canary in canaries {
            assert!(
                !output.contains(canary),
                "{what}: {canary} in {format}: {output}"
            );
        }
    }
}

fn paths(paths: &[&str]) -> Vec<RedactPath> {
    paths
        .iter()
        .map(|p| RedactPath::parse(p).unwrap())
        .collect()
}

fn redacted<'a>(body: &'a [u8], redact: &'a [RedactPath]) -> Event<'a> {
    classify(
        body,
        &Options {
            redact,
            received_at: Some(1_767_225_600),
            ..Options::default()
        },
    )
    .unwrap()
}

fn ocsf_of(event: &Event<'_>) -> Value {
    serde_json::from_str(&to_ocsf_json(event, ocsf::Options::default())).unwrap()
}

fn data_of(event: &Event<'_>) -> Value {
    serde_json::from_str(&event.to_data_json()).unwrap()
}

/// A Sectigo payload of `event` around `body`.
fn sectigo(event: &str, body: &str) -> String {
    format!(
        r#"{{"id": 1, "event": "{event}", "target": {{"type": "Website", "id": 2}}, "body": {body}, "partner": {{"id": 3}}}}"#
    )
}

#[test]
fn a_secret_under_a_secret_key_names_nothing() {
    let body = sectigo(
        "website_firewall_enabled",
        r#"{"api_key": {"name": "sk_live_CANARY1"}}"#,
    );
    let event = redacted(body.as_bytes(), &[]);
    assert_absent(&event, &["CANARY1"], "api_key.name");
    assert_eq!(
        event.summary(),
        "Web application firewall enabled for Website 2"
    );
    let ocsf = ocsf_of(&event);
    assert!(ocsf["app"].get("name").is_none(), "{ocsf}");
    assert!(ocsf.get("observables").is_none(), "{ocsf}");
}

#[test]
fn a_nested_login_link_names_no_user() {
    let body = sectigo(
        "user_login_link",
        r#"{"login_link": {"name": "https://x.example/l?token=CANARY2"}}"#,
    );
    let event = redacted(body.as_bytes(), &[]);
    assert_absent(&event, &["CANARY2", "x.example"], "login_link.name");
    assert!(event.subject().name().is_none(), "{:?}", event.subject());
}

#[test]
fn a_restore_state_under_a_token_is_no_status() {
    for event in [
        "website_restore_state_changed",
        "database_backup_restore_state_changed",
    ] {
        let body = sectigo(event, r#"{"token": {"from": "CANARY3", "to": "CANARY4"}}"#);
        let event = redacted(body.as_bytes(), &[]);
        assert_absent(&event, &["CANARY3", "CANARY4"], "token.to");
        let ocsf = ocsf_of(&event);
        assert!(ocsf.get("status").is_none(), "{ocsf}");
        assert!(ocsf.get("status_detail").is_none(), "{ocsf}");
    }
}

#[test]
fn a_configured_path_on_a_sectigo_user_names_no_user() {
    let body = fixture("sectigo/user_create.json");
    assert!(String::from_utf8_lossy(&body).contains("John Doe"));
    let redact = paths(&["body.user.name"]);
    let event = redacted(&body, &redact);
    assert_absent(&event, &["John Doe"], "body.user.name");
    assert!(event.subject().name().is_none());
    assert_eq!(event.summary(), "User User 123456 was created");
}

#[test]
fn configured_paths_on_a_crowdsec_alert_leave_no_address_or_name() {
    let body = fixture("crowdsec/alert_triggered.json");
    let alert: Value = serde_json::from_slice(&body).unwrap();
    let address = alert["details"]["source"]["value"].as_str().unwrap();
    let name = alert["details"]["target"]["name"].as_str().unwrap();
    let redact = paths(&["details.source.value", "details.target.name"]);
    let event = redacted(&body, &redact);
    assert_absent(&event, &[address, name], "source.value, target.name");
    let ocsf = ocsf_of(&event);
    assert!(ocsf["evidences"][0].get("src_endpoint").is_none(), "{ocsf}");
    assert!(
        ocsf["finding_info"]["title"]
            .as_str()
            .unwrap()
            .contains("[REDACTED]"),
        "{ocsf}"
    );
    // The rest of the alert still says what it can.
    assert_eq!(
        data_of(&event)["indicators"]["scenario"],
        alert["details"]["scenario"]
    );
}

/// A path a redact rule can name: keys (without dots) and indices.
fn redact_path(steps: &[String]) -> Option<String> {
    (!steps.iter().any(|s| s.contains('.') || s.is_empty())).then(|| steps.join("."))
}

/// Every string and number of `value`, by its path.
fn leaves(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(members) => {
            for (key, child) in members {
                at.push(key.clone());
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                at.push(index.to_string());
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::String(_) | Value::Number(_) => out.push(at.clone()),
        Value::Null | Value::Bool(_) => {}
    }
}

fn at_mut<'v>(value: &'v mut Value, steps: &[String]) -> &'v mut Value {
    steps.iter().fold(value, |v, step| match v {
        Value::Array(items) => &mut items[step.parse::<usize>().unwrap()],
        other => &mut other[step.as_str()],
    })
}

fn documented_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = ["crowdsec", "cloud66", "sectigo"]
        .iter()
        .flat_map(|dir| fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .chain([
            root.join("cases/valid_crowdsec_blocking_safe_ip_minimal.json"),
            root.join("cases/valid_crowdsec_unknown_event_type.json"),
            root.join("cases/valid_cloud66_unknown_event_type.json"),
            root.join("cases/valid_sectigo_unknown_event_type.json"),
        ])
        .collect();
    files.sort();
    files
}

/// Every string and number of every documented payload, in turn, replaced by a canary and
/// redacted by a configured path: no output holds the canary, and a redacted time is no time.
#[test]
fn a_canary_at_any_redacted_path_shows_in_no_output() {
    let (mut checked, mut refused, mut placed) = (0, 0, 0);
    let files = documented_fixtures();
    for file in &files {
        let file = file.as_path();
        let original: Value = serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
        let mut found = Vec::new();
        leaves(&original, &mut Vec::new(), &mut found);
        for (n, steps) in found.iter().enumerate() {
            let Some(path) = redact_path(steps) else {
                continue;
            };
            let mut body = original.clone();
            let leaf = at_mut(&mut body, steps);
            // Dotted, as a Cloud66 type must be; looked for up to the dot, which the chat
            // message writes `[.]`.
            let (canary, value) = match leaf {
                Value::String(_) => (format!("CANARY{n}Z"), json!(format!("CANARY{n}Z.x"))),
                _ => (format!("{}", 918_273_600 + n), json!(918_273_600 + n)),
            };
            *leaf = value;
            let body = body.to_string();
            let redact = paths(&[&path]);
            let Ok(event) = classify(body.as_bytes(), &Options::default()) else {
                // A value the model checks (a version, an issuer, a bare event's type) cannot
                // be any canary.
                refused += 1;
                continue;
            };
            // Built-in rules may have redacted it already; most canaries are forwarded.
            placed += usize::from(event.to_cloudevent_json().contains(&canary));
            let what = format!("{} {path}", file.display());
            let event = redacted(body.as_bytes(), &redact);
            assert_absent(&event, &[&canary], &what);
            if ["event_timestamp", "timestamp"].contains(&steps.last().unwrap().as_str()) {
                let ce: Value = serde_json::from_str(&event.to_cloudevent_json()).unwrap();
                assert_eq!(ce["time"], "2026-01-01T00:00:00Z", "{what}");
            }
            checked += 1;
        }
    }
    assert!(checked > 400, "only {checked} paths checked");
    assert!(refused <= 2 * files.len(), "{refused} canaries refused");
    assert!(
        placed * 10 > checked * 9,
        "{placed} of {checked} canaries forwarded"
    );
}

/// A redacted boolean, which no canary can stand for, is left out of the indicators, while
/// the severity it rates stays hookwall's rating.
#[test]
fn a_redacted_flag_is_left_out() {
    for (file, path, indicator) in [
        (
            "crowdsec/blocking_safe_ip.json",
            "is_manual_decision",
            "manual",
        ),
        (
            "crowdsec/am_i_under_attack.json",
            "details.report_data.is_attack_detected",
            "attack_detected",
        ),
        (
            "cloud66/active.protect.change.json",
            "watched_file.is_changed",
            "changed",
        ),
        (
            "cloud66/active.protect.block.json",
            "activeprotect_action.banned",
            "banned",
        ),
    ] {
        let body = fixture(file);
        let plain = classify(&body, &Options::default()).unwrap();
        let redact = paths(&[path]);
        let event = redacted(&body, &redact);
        assert!(
            data_of(&plain)["indicators"].get(indicator).is_some(),
            "{file}"
        );
        assert!(
            data_of(&event)["indicators"].get(indicator).is_none(),
            "{file}: {}",
            event.to_data_json()
        );
        assert_eq!(event.severity(), plain.severity(), "{file}");
        if indicator != "manual" {
            assert_ne!(event.summary(), plain.summary(), "{file}");
        }
    }
}

/// A redacted object hides everything in it, and the redacted event type of a documented
/// kind is still its documented name.
#[test]
fn redacting_a_container_hides_all_it_holds() {
    let body = fixture("crowdsec/alert_triggered.json");
    let alert: Value = serde_json::from_slice(&body).unwrap();
    let redact = paths(&["details"]);
    let event = redacted(&body, &redact);
    let mut strings = Vec::new();
    leaves(&alert["details"], &mut Vec::new(), &mut strings);
    let values: Vec<String> = strings
        .iter()
        .filter_map(|steps| {
            let mut v = &alert["details"];
            for s in steps {
                v = match v {
                    Value::Array(items) => &items[s.parse::<usize>().unwrap()],
                    other => &other[s.as_str()],
                };
            }
            v.as_str().map(String::from)
        })
        .filter(|v| v.len() > 3 && v != "alert_triggered")
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    assert!(values.len() > 10);
    assert_absent(&event, &values, "details");
    assert_eq!(event.event_type(), "alert_triggered");
    assert!(event.id().is_derived());
    assert!(event.account().is_none());
}
