//! `hookwall classify` end to end: nothing derived from a redacted path, a time on every OCSF
//! event, and refusals that stay one short line.

mod common;

use common::hookwall;
use serde_json::Value;

fn json(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).unwrap()
}

#[test]
fn a_configured_redaction_leaves_no_derived_value_in_any_format() {
    for format in ["cloudevent", "data", "ocsf", "table"] {
        let out = hookwall(
            &[
                "classify",
                "--format",
                format,
                "--redact",
                "body.user.name",
                "fixtures/sectigo/user_create.json",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{format}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(!stdout.contains("John Doe"), "{format}: {stdout}");
        assert!(
            stdout.contains("User User 123456 was created"),
            "{format}: {stdout}"
        );
    }
}

#[test]
fn ocsf_is_dated_now_or_at_received_at() {
    let file = "fixtures/sectigo/user_create.json";
    let out = hookwall(&["classify", "--format", "ocsf", file], None);
    let time = json(&out.stdout)["time"].as_i64().unwrap();
    // Sectigo sends no time: the receive time, now, is after this test was written.
    assert!(time > 1_764_547_200_000, "{time}");
    let out = hookwall(
        &[
            "classify",
            "--format",
            "ocsf",
            "--received-at",
            "1767225600",
            file,
        ],
        None,
    );
    let ocsf = json(&out.stdout);
    assert_eq!(ocsf["time"], 1_767_225_600_000_i64);
    assert_eq!(ocsf["metadata"]["logged_time"], 1_767_225_600_000_i64);
}
