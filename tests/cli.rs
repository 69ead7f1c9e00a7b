//! The `hookwall` binary as users run it: output, exit codes 0/1/2, and the README's table.

mod common;

use common::hookwall;
#[test]
fn classify_prints_the_cloudevent() {
    let out = hookwall(
        &["classify", "fixtures/crowdsec/alert_triggered.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let ce: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ce["specversion"], "1.0");
    assert_eq!(ce["type"], "net.crowdsec.console.alert_triggered");
    assert_eq!(ce["data"]["severity"], "high");
}

#[test]
fn classify_reads_stdin_and_prints_the_bare_event() {
    let body = std::fs::read("fixtures/cloud66/server.stopped.json").unwrap();
    let out = hookwall(&["classify", "--format", "data", "-"], Some(&body));
    assert_eq!(out.status.code(), Some(0));
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["provider"], "cloud66");
    assert_eq!(data["event_type"], "server.stopped");
}

#[test]
fn a_rejected_payload_is_one_line_on_stderr_and_exit_1() {
    let out = hookwall(
        &[
            "classify",
            "fixtures/cases/invalid_missing_nested_field.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("details.source.value: missing field"),
        "{stderr}"
    );
    assert!(stderr.contains("422"), "{stderr}");
}

#[test]
fn a_contradicting_provider_is_rejected() {
    let out = hookwall(
        &[
            "classify",
            "--provider",
            "sectigo",
            "fixtures/crowdsec/alert_triggered.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("provider_mismatch"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["classify", "--provider", "acme", "-"][..],
        &["classify", "--format", "xml", "-"][..],
        &["classify", "--no-such-flag"][..],
        &["classify", "fixtures/does-not-exist.json"][..],
        &["classify", "--redact", "a..b", "-"][..],
        &[][..],
    ] {
        let out = hookwall(args, Some(b"{}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_readme_carries_the_current_classification_table() {
    let out = hookwall(&["table"], None);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(table.lines().count(), 2 + 39);
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains(&table),
        "README.md's classification table is stale: paste `hookwall table` into it"
    );
}
