//! The one event identity: what makes two deliveries the same event, and what keeps them apart.

mod common;

use common::fixture_text as fixture;
use hookwall::{classify, Options, RedactPath};

fn identity(body: &str, route: &str) -> hookwall::Identity {
    redacted_identity(body, route, &[])
}

fn redacted_identity(body: &str, route: &str, redact: &[&str]) -> hookwall::Identity {
    let redact: Vec<RedactPath> = redact
        .iter()
        .map(|p| RedactPath::parse(p).unwrap())
        .collect();
    let options = Options {
        redact: &redact,
        ..Options::default()
    };
    classify(body.as_bytes(), &options)
        .expect("a valid fixture")
        .identity(route)
}

#[test]
fn a_retry_byte_for_byte_is_the_same_event() {
    for path in [
        "sectigo/user_create.json",
        "crowdsec/alert_triggered.json",
        "cloud66/server.backon.json",
    ] {
        let body = fixture(path);
        assert_eq!(identity(&body, "a"), identity(&body, "a"), "{path}");
    }
}

#[test]
fn two_partners_events_with_one_id_are_two_events() {
    let first = fixture("sectigo/user_create.json");
    let value: serde_json::Value = serde_json::from_str(&first).unwrap();
    let mut other = value.clone();
    other["partner"]["id"] = serde_json::json!(format!("{}-other", value["partner"]["id"]));
    assert_ne!(identity(&first, "s"), identity(&other.to_string(), "s"));
}

#[test]
fn two_organizations_events_with_one_id_are_two_events() {
    let first = fixture("crowdsec/alert_triggered.json");
    let value: serde_json::Value = serde_json::from_str(&first).unwrap();
    let mut other = value.clone();
    other["details"]["organization_id"] = serde_json::json!("another-organization");
    assert_ne!(identity(&first, "c"), identity(&other.to_string(), "c"));
}

#[test]
fn two_routes_keep_their_events_apart() {
    let body = fixture("sectigo/user_create.json");
    assert_ne!(identity(&body, "one"), identity(&body, "two"));
}

#[test]
fn parts_cannot_trade_bytes() {
    use hookwall::Identity;
    assert_ne!(Identity::new("ab", "c", "d"), Identity::new("a", "bc", "d"));
    assert_eq!(Identity::new("a", "b", "c").to_hex().len(), 64);
}

/// Redacting the account takes it out of the CloudEvent source; the id is then derived from
/// the body, so two accounts' events sharing an id still stay apart, and a retry stays one.
#[test]
fn a_redacted_account_still_keeps_accounts_apart() {
    for (path, account, redact) in [
        ("sectigo/user_create.json", "/partner/id", "partner.id"),
        (
            "crowdsec/alert_triggered.json",
            "/details/organization_id",
            "details.organization_id",
        ),
    ] {
        let first = fixture(path);
        let mut other: serde_json::Value = serde_json::from_str(&first).unwrap();
        *other.pointer_mut(account).unwrap() = serde_json::json!("another-account");
        let other = other.to_string();
        assert_ne!(
            redacted_identity(&first, "s", &[redact]),
            redacted_identity(&other, "s", &[redact]),
            "{path}"
        );
        assert_eq!(
            redacted_identity(&first, "s", &[redact]),
            redacted_identity(&first, "s", &[redact]),
            "{path}"
        );
    }
}
