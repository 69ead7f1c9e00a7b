//! What every output carries whatever the payload: a time (issue 22 item 7), and no empty
//! indicators.

mod common;

use std::fs;
use std::path::Path;

use common::fixture;
use hookwall::ocsf::{self, to_ocsf_json};
use hookwall::{classify, Event, Options};
use serde_json::Value;

const RECEIVED: i64 = 1_767_225_600;

fn received(body: &[u8]) -> Event<'_> {
    let options = Options {
        received_at: Some(RECEIVED),
        ..Options::default()
    };
    classify(body, &options).unwrap()
}

fn ocsf_of(event: &Event<'_>) -> Value {
    serde_json::from_str(&to_ocsf_json(event, ocsf::Options::default())).unwrap()
}

#[test]
fn an_event_without_a_time_is_dated_when_it_was_received() {
    let body = fixture("sectigo/user_create.json");
    let ocsf = ocsf_of(&received(&body));
    assert_eq!(ocsf["time"], RECEIVED * 1000);
    assert_eq!(ocsf["metadata"]["logged_time"], RECEIVED * 1000);
    assert_eq!(ocsf["metadata"]["processed_time"], RECEIVED * 1000);
    assert!(ocsf["metadata"].get("original_time").is_none(), "{ocsf}");
}

#[test]
fn an_event_with_a_time_keeps_the_providers() {
    for (file, time, original) in [
        (
            "cloud66/server.stopped.json",
            1_640_995_200_000_i64,
            "1640995200",
        ),
        (
            "crowdsec/alert_triggered.json",
            1_627_560_000_000,
            "2021-07-29T12:00:00+00:00",
        ),
    ] {
        let body = fixture(file);
        let ocsf = ocsf_of(&received(&body));
        assert_eq!(ocsf["time"], time, "{file}");
        assert_eq!(ocsf["metadata"]["original_time"], original, "{file}");
        assert_eq!(ocsf["metadata"]["logged_time"], RECEIVED * 1000, "{file}");
    }
}

#[test]
fn empty_indicators_are_omitted() {
    let body = fixture("sectigo/user_create.json");
    let event = received(&body);
    assert!(event.indicators().is_empty());
    for json in [event.to_data_json(), event.to_cloudevent_json()] {
        assert!(!json.contains("\"indicators\""), "{json}");
    }
    let body = fixture("crowdsec/alert_triggered.json");
    assert!(received(&body).to_data_json().contains("\"indicators\":{"));
}

/// Bounds every format keeps whatever the payload (issue 19 item 5).
fn assert_bounded(body: &[u8], what: &str) {
    let event = classify(body, &Options::default()).unwrap();
    let limit = 2 * body.len() + 4096;
    for (format, json) in [
        ("cloudevent", event.to_cloudevent_json()),
        ("data", event.to_data_json()),
    ] {
        assert!(
            json.len() <= limit,
            "{what}: {format} {} > {limit}",
            json.len()
        );
    }
    let ocsf = to_ocsf_json(&event, ocsf::Options::default());
    assert!(ocsf.len() <= 16_384, "{what}: ocsf {}", ocsf.len());
}

#[test]
fn a_huge_event_type_is_cut_and_stays_unique() {
    let alert = String::from_utf8(fixture("crowdsec/alert_triggered.json")).unwrap();
    let body = |tail: char| {
        let ty = format!("{}{tail}", "x".repeat(60_000));
        alert.replace("\"alert_triggered\"", &format!("\"{ty}\""))
    };
    let (a, b) = (body('a'), body('b'));
    assert!(a.len() > 61_000, "{}", a.len());
    assert_bounded(a.as_bytes(), "60 KB type");
    let (a, b) = (
        classify(a.as_bytes(), &Options::default()).unwrap(),
        classify(b.as_bytes(), &Options::default()).unwrap(),
    );
    assert!(a.event_type().len() < 128, "{}", a.event_type().len());
    let ce: Value = serde_json::from_str(&a.to_cloudevent_json()).unwrap();
    assert!(ce["type"].as_str().unwrap().len() < 160);
    assert_ne!(a.to_cloudevent_json(), b.to_cloudevent_json());
    assert_ne!(a.identity("r"), b.identity("r"));
}

/// A string as hostile as a payload can make one: long, with escapes and wide characters.
fn hostile(n: usize) -> String {
    let unit = "a\"\\\u{1}é\u{2028}€😀 <@here>\n";
    unit.repeat(n / unit.len() + 1)
}

/// Appends `with` to every string of `value` but those that choose a model or are checked
/// against a constant (the issuer), so that every model reads the hostile strings.
fn replace_strings(value: &mut Value, with: &str) {
    match value {
        Value::String(s) => *s = format!("{s}{with}"),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, with)),
        Value::Object(members) => {
            for (key, v) in members.iter_mut() {
                if !["issuer", "event_type", "event"].contains(&key.as_str()) {
                    replace_strings(v, with);
                }
            }
        }
        _ => {}
    }
}

/// Every string of every documented payload made long and hostile, and each key too: every
/// format stays within its bound.
#[test]
fn outputs_are_bounded_whatever_the_payload() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for dir in ["crowdsec", "cloud66", "sectigo"] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let original: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
            for n in [300, 3_000, 12_000] {
                let mut body = original.clone();
                replace_strings(&mut body, &hostile(n));
                assert_bounded(body.to_string().as_bytes(), &path.display().to_string());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 36 * 3);
    let mut alert: Value =
        serde_json::from_slice(&fixture("crowdsec/alert_triggered.json")).unwrap();
    let behavior = alert["details"]["behaviors"][0].clone();
    alert["details"]["behaviors"] = Value::Array(vec![behavior; 1_000]);
    replace_strings(&mut alert, &hostile(20));
    assert_bounded(alert.to_string().as_bytes(), "1,000 behaviors");
}

/// A refusal names its path with each member's name cut, so it stays short whatever the names.
#[test]
fn refusals_stay_under_two_kilobytes() {
    let name = "k".repeat(60_000);
    let mut nested = String::from("1e400");
    for _ in 0..14 {
        nested = format!("{{\"{name}\u{2028}\": {nested}}}");
    }
    let body = format!(
        r#"{{"id": 1, "event": "user_create", "target": {{"type": "User", "id": 2}}, "body": {nested}, "partner": {{"id": 3}}}}"#
    );
    assert!(body.len() > 800_000);
    let error = classify(body.as_bytes(), &Options::default()).unwrap_err();
    let text = error.to_string();
    assert!(text.len() < 2048, "{} bytes", text.len());
    assert!(
        text.starts_with("body.kkkk") && text.ends_with("…: number out of range"),
        "{text}"
    );
    assert!(!text.contains('\u{2028}'));
}
