//! `hookwall classify` end to end: nothing derived from a redacted path, a time on every OCSF
//! event, and refusals that stay one short line.

// The shared helpers serve several test files; this one uses `hookwall` alone.
#[allow(dead_code)]
mod common;

use common::hookwall;
use serde_json::Value;

fn json(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout).unwrap()
}

#[test]
fn a_configured_redaction_leaves_no_derived_value_in_any_format() {
    for format in ["cloudevent", "data", "ocsf", "slack", "table"] {
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

/// A refusal is one line on stderr, whatever the file's name or the member's: line and
/// paragraph separators are escaped, and a long member name is cut.
#[test]
fn a_refusal_is_one_short_line() {
    let dir = std::env::temp_dir().join(format!("hookwall-cli-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a\u{2028}b.json");
    let name = "k".repeat(60_000);
    let body = format!(
        r#"{{"id": 1, "event": "user_create", "target": {{"type": "User", "id": 2}}, "body": {{"{name}": 1e400}}, "partner": {{"id": 3}}}}"#
    );
    std::fs::write(&file, body).unwrap();
    let out = hookwall(&["classify", file.to_str().unwrap()], None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.len() < 2048, "{} bytes", stderr.len());
    assert!(!stderr.contains('\u{2028}'), "{stderr}");
    assert!(stderr.contains("a\\u{2028}b.json"), "{stderr}");
    assert!(stderr.contains("…: number out of range"), "{stderr}");
}
