//! `hookwall::output`: one set of format names, each format's body and media type, the
//! destination `match`, and a chat message that third parties cannot turn against its channel.

mod common;

use std::str::FromStr;

use common::fixture_text as fixture;
use hookwall::output::{Format, Match};
use hookwall::{classify, Options};
use serde_json::{json, Value};

/// CrowdSec's `alert_triggered` (high) with `edit` applied to its `details`.
fn alert(edit: impl FnOnce(&mut Value)) -> String {
    let mut body: Value = serde_json::from_str(&fixture("crowdsec/alert_triggered.json")).unwrap();
    edit(&mut body["details"]);
    body.to_string()
}

/// The Slack message for `body`, parsed.
fn slack(body: &str) -> Value {
    let event = classify(body.as_bytes(), &Options::default()).expect("a valid body");
    let text = Format::Slack.render(&event);
    assert!(text.len() <= 16 * 1024, "{} bytes", text.len());
    serde_json::from_str(&text).unwrap()
}

/// Every mrkdwn text object of a message.
fn mrkdwn(message: &Value) -> Vec<&Value> {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|block| match block["type"].as_str() {
            Some("section") => vec![&block["text"]],
            _ => block["elements"].as_array().unwrap().iter().collect(),
        })
        .collect()
}

/// Every text of a message: the top-level `text`, then each block's.
fn texts(message: &Value) -> Vec<&str> {
    let mut all = vec![message["text"].as_str().unwrap()];
    all.extend(mrkdwn(message).iter().map(|t| t["text"].as_str().unwrap()));
    all
}

#[test]
fn a_value_cannot_mention_the_channel() {
    let message = slack(&alert(|d| {
        d["scenario"] = json!("@everyone @here @channel @all <!everyone> <!here|here> <@U0123>");
        d["message"] = json!("@everyone look");
    }));
    for text in texts(&message) {
        for mention in ["@everyone", "@here", "@channel", "@all", "<!", "<@"] {
            assert!(!text.contains(mention), "{mention} in {text:?}");
        }
    }
    let all = texts(&message).concat();
    assert!(
        all.contains("@\u{200B}everyone"),
        "the value is still shown: {all}"
    );
}

#[test]
fn a_value_cannot_start_a_line_of_its_own() {
    let spoof = "ssh-bf\n*[INFO]* all clear\r\n\u{2028}*[INFO]* really\u{85}x";
    let message = slack(&alert(|d| {
        d["scenario"] = json!(spoof);
        d["target"]["name"] = json!(spoof);
    }));
    for text in texts(&message) {
        for line in text.lines() {
            assert!(
                !line.trim_start().starts_with("*[INFO]*"),
                "{line:?} in {text:?}"
            );
        }
        assert!(!text.contains(['\r', '\u{2028}', '\u{85}']), "{text:?}");
    }
    assert!(texts(&message)
        .concat()
        .contains("ssh-bf *[INFO]* all clear"));
}

#[test]
fn links_and_addresses_from_the_payload_are_defanged() {
    let message = slack(&alert(|d| {
        d["scenario"] = json!("see https://evil.example/login?x=1 or HTTP://10.0.0.1");
        d["source"]["as_name"] = json!("www.evil.example");
        d["target"]["name"] = json!("ops@corp.example");
    }));
    let all = texts(&message).concat();
    for live in [
        "https://",
        "http://",
        "evil.example",
        "corp.example",
        "10.0.0.1",
        "203.0.113.25",
    ] {
        assert!(!all.to_ascii_lowercase().contains(live), "{live} in {all}");
    }
    for defanged in [
        "hxxps://evil[.]example/login",
        "HxxP://10[.]0[.]0[.]1",
        "www[.]evil[.]example",
        "203[.]0[.]113[.]25",
    ] {
        assert!(all.contains(defanged), "{defanged} not in {all}");
    }
}

#[test]
fn every_text_object_is_verbatim_mrkdwn() {
    let message = slack(&fixture("crowdsec/alert_triggered.json"));
    let objects = mrkdwn(&message);
    assert!(objects.len() >= 3);
    for object in objects {
        assert_eq!(object["type"], "mrkdwn");
        assert_eq!(object["verbatim"], true, "{object}");
    }
}

/// Seven fields of 200 `<` gave a 5,884-character section when values were cut before escaping.
#[test]
fn texts_are_bounded_after_escaping() {
    let lt = "<".repeat(200);
    let message = slack(&alert(|d| {
        for field in ["scenario", "message"] {
            d[field] = json!(lt);
        }
        d["target"]["name"] = json!(lt);
        d["target"]["id"] = json!(format!("{lt}x"));
        d["target"]["ip"] = json!(lt);
        for field in ["value", "as_name", "country", "city", "rdns"] {
            d["source"][field] = json!(lt);
        }
    }));
    let texts = texts(&message);
    assert!(texts[0].chars().count() <= 2_000);
    for text in &texts[1..] {
        assert!(text.chars().count() <= 3_000, "{} characters", text.len());
    }
    for text in &texts {
        assert!(!text.contains(['<', '>']), "{text}");
        // Cut between entities, never inside one.
        let bare_amp = text
            .match_indices('&')
            .any(|(i, _)| !text[i..].starts_with("&lt;"));
        assert!(!bare_amp, "{text}");
    }
    let details = texts[2];
    assert!(details.matches("&lt;").count() >= 6 * 40, "{details}");
}

/// Whatever the values, the message stays under 16 KB: `"` doubles in JSON, and four-byte
/// characters are the longest.
#[test]
fn the_whole_message_is_bounded() {
    for filler in ["\"", "\\", "𝕏", "&", "a.b", "@"] {
        let long = filler.repeat(20_000);
        let body = alert(|d| {
            d["scenario"] = json!(long);
            d["message"] = json!(long);
            d["event_type"] = json!(format!("x{long}"));
            d["event_id"] = json!(long);
            d["target"] = json!({"ip": long, "id": long, "name": format!("{long}n")});
            d["source"] = json!({"scope": "ip", "value": long, "as_name": long, "country": long,
                "city": long, "rdns": long, "as_number": 1});
        });
        // `slack` checks the 16 KB itself.
        let message = slack(&body);
        assert!(texts(&message).iter().all(|t| t.chars().count() <= 3_000));
    }
}

#[test]
fn one_set_of_names_read_and_parsed_alike() {
    for format in Format::ALL {
        let name = format.as_str();
        assert_eq!(Format::from_str(name), Ok(format));
        let read: Format = serde_json::from_value(json!(name)).unwrap();
        assert_eq!(read, format);
        assert_eq!(format.to_string(), name);
    }
    // The Worker's first name for `data`, still in deployed configs.
    assert_eq!(Format::from_str("json"), Ok(Format::Data));
    for unknown in ["xml", "CloudEvent", "", "table", "passthrough"] {
        assert!(Format::from_str(unknown).is_err(), "{unknown}");
        let err = serde_json::from_value::<Format>(json!(unknown)).unwrap_err();
        assert!(err
            .to_string()
            .contains("expected one of `cloudevent`, `data`, `ocsf`, `slack`"));
    }
}

#[test]
fn each_format_renders_its_body_with_its_media_type() {
    let body = fixture("sectigo/user_create.json");
    let event = classify(body.as_bytes(), &Options::default()).unwrap();
    assert_eq!(
        Format::CloudEvent.render(&event),
        event.to_cloudevent_json()
    );
    assert_eq!(Format::Data.render(&event), event.to_data_json());
    assert_eq!(
        Format::Ocsf.render(&event),
        hookwall::ocsf::to_ocsf_json(&event, hookwall::ocsf::Options::default())
    );
    assert_eq!(
        Format::CloudEvent.content_type(),
        "application/cloudevents+json"
    );
    for format in [Format::Data, Format::Ocsf, Format::Slack] {
        assert_eq!(format.content_type(), "application/json");
    }
    for format in Format::ALL {
        let body: Value = serde_json::from_str(&format.render(&event)).unwrap();
        assert!(body.is_object(), "{format}");
    }
}

#[derive(serde::Deserialize)]
struct Destination {
    #[serde(rename = "match")]
    filter: Match,
}

fn read_match(text: &str) -> Result<Match, String> {
    hookwall::policy::read_config::<Destination>(format!(r#"{{"match": {text}}}"#).as_bytes())
        .map(|d| d.filter)
        .map_err(|e| e.to_string())
}

#[test]
fn a_match_takes_the_events_every_condition_allows() {
    let (alert, user) = (
        fixture("crowdsec/alert_triggered.json"),
        fixture("sectigo/user_create.json"),
    );
    let high_threat = classify(alert.as_bytes(), &Options::default()).unwrap();
    let low_account = classify(user.as_bytes(), &Options::default()).unwrap();
    let takes = |text: &str| {
        let filter = read_match(text).unwrap();
        [filter.takes(&high_threat), filter.takes(&low_account)]
    };
    assert_eq!(takes(r#"{"min_severity": "info"}"#), [true, true]);
    assert_eq!(takes(r#"{"min_severity": "high"}"#), [true, false]);
    assert_eq!(takes(r#"{"providers": ["sectigo"]}"#), [false, true]);
    assert_eq!(
        takes(r#"{"categories": ["threat", "billing"]}"#),
        [true, false]
    );
    assert_eq!(
        takes(
            r#"{"providers": ["crowdsec", "sectigo"], "categories": ["account"], "min_severity": "low"}"#
        ),
        [false, true]
    );
    assert!(Match::EVERY.takes(&high_threat) && Match::EVERY.takes(&low_account));
}

#[test]
fn a_match_naming_nothing_known_is_refused_naming_the_field() {
    for (text, expected) in [
        ("{}", "match: no condition; give providers, categories or min_severity"),
        (r#"{"providers": []}"#, "match: providers is empty"),
        (r#"{"categories": []}"#, "match: categories is empty"),
        (r#"{"providers": ["github"]}"#, "match.providers[0]: unknown variant, expected one of `crowdsec`, `cloud66`, `sectigo`"),
        (r#"{"categories": ["threat", "thret"]}"#, "match.categories[1]: unknown variant, expected one of `threat`"),
        (r#"{"min_severity": "urgent"}"#, "match.min_severity: unknown variant, expected one of `info`, `low`, `medium`, `high`, `critical`"),
        (r#"{"min_severity": "High"}"#, "match.min_severity: unknown variant"),
        (r#"{"severity": "high"}"#, "match.severity: unknown field `severity`"),
    ] {
        let err = read_match(text).unwrap_err();
        assert!(err.starts_with(expected), "{text}: {err}");
    }
}

/// The names a match reads are the names every output writes.
#[test]
fn a_match_reads_the_names_the_outputs_write() {
    use hookwall::{Category, Provider, Severity};
    for provider in Provider::ALL {
        let read: Provider = serde_json::from_value(json!(provider.as_str())).unwrap();
        assert_eq!(read, provider);
    }
    for severity in [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ] {
        let read: Severity = serde_json::from_value(json!(severity.as_str())).unwrap();
        assert_eq!(read, severity);
    }
    for category in [
        Category::Threat,
        Category::Integrity,
        Category::Availability,
        Category::Inventory,
        Category::Account,
        Category::Billing,
        Category::Configuration,
        Category::Unknown,
    ] {
        let read: Category = serde_json::from_value(json!(category.as_str())).unwrap();
        assert_eq!(read, category);
    }
}
