//! The `hookwall` binary as users run it: output, exit codes 0/1/2, and the README's table.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn hookwall(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookwall"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A process that exits before reading its input (a usage error) closes the pipe early.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default());
    child.wait_with_output().unwrap()
}

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

#[test]
fn check_config_summarizes_or_names_the_bad_field() {
    let out = hookwall(&["check-config", "examples/policy.json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.contains("/hooks/sectigo"), "{summary}");
    assert!(summary.contains("ok: 3 sources"), "{summary}");

    let dir = std::env::temp_dir().join(format!("hookwall-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["10.0.0.0/33"]}]}"#,
    )
    .unwrap();
    let out = hookwall(&["check-config", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(r#"sources[0].allow_ips[0]: invalid CIDR "10.0.0.0/33""#));
}

#[test]
fn inspect_prints_the_verdict_with_exit_codes() {
    let allowed = hookwall(
        &[
            "inspect",
            "--config",
            "examples/policy.json",
            "--path",
            "/hooks/crowdsec",
            "-H",
            "Authorization: Bearer example-crowdsec-token",
            "fixtures/crowdsec/alert_triggered.json",
        ],
        None,
    );
    assert_eq!(allowed.status.code(), Some(0));
    let verdict: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(verdict["allow"], true);
    assert_eq!(verdict["status"], 200);
    assert_eq!(verdict["source"], "crowdsec");
    assert_eq!(verdict["event"]["data"]["event_type"], "alert_triggered");

    let denied = hookwall(
        &[
            "inspect",
            "--config",
            "examples/policy.json",
            "--path",
            "/hooks/sectigo",
            "--peer",
            "203.0.113.1",
            "-",
        ],
        Some(&std::fs::read("fixtures/sectigo/user_create.json").unwrap()),
    );
    assert_eq!(denied.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&denied.stdout).unwrap();
    assert_eq!(verdict["allow"], false);
    assert_eq!(verdict["status"], 403);
    assert_eq!(verdict["reason"], "forbidden_address");

    let usage = hookwall(
        &["inspect", "--config", "no-such-file.json", "-"],
        Some(b"{}"),
    );
    assert_eq!(usage.status.code(), Some(2));
}
