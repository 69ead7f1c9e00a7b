//! The `hookwall` binary as users run it: output, exit codes 0/1/2, and the README's table.

mod common;

use common::{assert_full_disk_is_exit_2, flood, hookwall, with_stdout_closed};
use std::process::Command;
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
    let body = common::read("fixtures/cloud66/server.stopped.json");
    let out = hookwall(&["classify", "--format", "data", "-"], Some(&body));
    assert_eq!(out.status.code(), Some(0));
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["provider"], "cloud66");
    assert_eq!(data["event_type"], "server.stopped");
}

#[test]
fn classify_prints_the_ocsf_event() {
    let out = hookwall(
        &[
            "classify",
            "--format",
            "ocsf",
            "fixtures/crowdsec/alert_triggered.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(event["metadata"]["version"], "1.5.0");
    assert_eq!(event["class_uid"], 2004, "Detection Finding");
    assert_eq!(event["severity_id"], 4, "high");
}

/// `--format slack` previews what a Slack destination receives: the core's message, byte for byte.
#[test]
fn classify_previews_the_slack_message() {
    let path = "fixtures/crowdsec/alert_triggered.json";
    let out = hookwall(&["classify", "--format", "slack", path], None);
    assert_eq!(out.status.code(), Some(0));
    let body = common::read(path);
    let event = hookwall::classify(&body, &hookwall::Options::default()).unwrap();
    let expected = hookwall::output::Format::Slack.render(&event) + "\n";
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    let message: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert!(message["text"]
        .as_str()
        .unwrap()
        .starts_with("[HIGH] crowdsec: "));
    let help = hookwall(&["classify", "--help"], None);
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("slack"), "{help}");
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
    let readme = String::from_utf8(common::read("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's classification table is stale: paste `hookwall table` into it"
    );
}

#[test]
fn a_full_disk_is_exit_2_with_a_message() {
    let body = common::read("fixtures/crowdsec/alert_triggered.json");
    assert_full_disk_is_exit_2(&["classify", "-"], &body);
    assert_full_disk_is_exit_2(&["classify", "--format", "table", "-"], &body);
    assert_full_disk_is_exit_2(&["table"], b"");
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdict() {
    let body = common::read("fixtures/crowdsec/alert_triggered.json");
    assert_eq!(
        with_stdout_closed(&["classify", "-"], &body),
        (Some(0), String::new())
    );
    let (code, stderr) = with_stdout_closed(
        &[
            "classify",
            "-",
            "fixtures/cases/invalid_missing_nested_field.json",
        ],
        &body,
    );
    assert_eq!(code, Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("rejected (422"), "{stderr}");

    // As a shell pipeline: `head` takes one byte of about 100 KB, more than a pipe holds, and
    // leaves while hookwall is still writing.
    let script = format!(
        "set -o pipefail; \"$0\" classify {0} {0} {0} {0} | head -c1 >/dev/null",
        "fixtures/crowdsec/*.json"
    );
    let out = Command::new("bash")
        .args(["-c", &script, env!("CARGO_BIN_EXE_hookwall")])
        .current_dir(common::ROOT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn an_oversize_stdin_is_refused_after_the_limit() {
    let total = 8 * hookwall::MAX_BODY_BYTES;
    let (out, written) = flood(&["classify", "-"], total);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stdin: rejected (413, body_too_large)"),
        "{stderr}"
    );
    assert!(
        written < total,
        "hookwall read all {total} bytes before refusing"
    );
}

#[test]
fn a_missing_file_is_named_and_exit_2() {
    let out = hookwall(
        &[
            "classify",
            "fixtures/crowdsec/alert_triggered.json",
            "no-such-body.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("hookwall: no-such-body.json: "),
        "{stderr}"
    );
}

#[test]
fn help_names_the_files_and_every_flag() {
    let out = hookwall(&["classify", "--help"], None);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("[FILES]..."), "{help}");
    assert!(help.contains("Classify webhook bodies"), "{help}");
    let out = hookwall(&["inspect", "--help"], None);
    let help = String::from_utf8(out.stdout).unwrap();
    let method = help.lines().find(|l| l.contains("--method")).unwrap();
    assert!(method.contains("request method"), "{help}");
}

#[test]
fn the_table_has_a_header_and_aligned_columns() {
    let out = hookwall(
        &[
            "classify",
            "--format",
            "table",
            "fixtures/crowdsec/remediation_component_integration_offline.json",
            "fixtures/cloud66/server.stopped.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("provider  event type"), "{table}");
    let column = |line: &str, word: &str| line.find(word).unwrap();
    assert_eq!(
        column(lines[0], "severity"),
        column(lines[1], "high"),
        "{table}"
    );
    assert_eq!(
        column(lines[0], "severity"),
        column(lines[2], "high"),
        "{table}"
    );
}
