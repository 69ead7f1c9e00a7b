//! `hookwall check-config` and `hookwall inspect` as users run them: output and exit codes
//! 0 (valid / allowed), 1 (invalid / denied), 2 (usage or configuration error).

mod common;

use common::{assert_full_disk_is_exit_2, flood, hookwall, with_stdout_closed};
use std::path::PathBuf;

const POLICY: &str = "examples/policy.json";

/// A config file in a directory of this test process's own.
fn config_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookwall-cli-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn inspect(args: &[&str], body: &str) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["inspect", "--config", POLICY];
    all.extend_from_slice(args);
    all.push(body);
    let out = hookwall(&all, None);
    let verdict = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), verdict)
}

#[test]
fn check_config_summarizes_or_names_the_bad_field() {
    let out = hookwall(&["check-config", POLICY], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.contains("/hooks/sectigo"), "{summary}");
    assert!(summary.contains("ok: 3 sources"), "{summary}");
    assert!(!summary.contains("example-crowdsec"), "{summary}");

    let bad = config_file(
        "bad.json",
        r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["10.0.0.0/33"]}]}"#,
    );
    let out = hookwall(&["check-config", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(r#"sources[0].allow_ips[0]: invalid CIDR "10.0.0.0/33""#));

    let out = hookwall(&["check-config", "no-such-file.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.json"));
}

#[test]
fn check_config_refuses_ranges_that_add_up_to_anyone() {
    for (allow, family) in [
        (r#""0.0.0.0/1", "128.0.0.0/1""#, "IPv4"),
        (r#""::/1", "8000::/1""#, "IPv6"),
    ] {
        let text = format!(
            r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "auto", "allow_ips": [{allow}]}}]}}"#
        );
        let path = config_file("halves.json", &text);
        let out = hookwall(&["check-config", path.to_str().unwrap()], None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{allow}: {stderr}");
        let expected = format!("sources[0]: no auth, and allow_ips admits every {family} address");
        assert!(stderr.contains(&expected), "{allow}: {stderr}");
    }
}

#[test]
fn inspect_allows_with_the_event() {
    let (code, verdict) = inspect(
        &[
            "--path",
            "/hooks/crowdsec",
            "-H",
            "Authorization: Bearer example-crowdsec-token",
        ],
        "fixtures/crowdsec/alert_triggered.json",
    );
    assert_eq!(code, Some(0), "{verdict}");
    assert_eq!(verdict["allow"], true);
    assert_eq!(verdict["status"], 200);
    assert_eq!(verdict["source"], "crowdsec");
    assert_eq!(verdict["event"]["data"]["event_type"], "alert_triggered");

    // base64("sectigo:example-sectigo-password"), from an allowed address over IPv6.
    let (code, verdict) = inspect(
        &[
            "--path",
            "/hooks/sectigo",
            "--peer",
            "[::1]:40000",
            "-H",
            "authorization: Basic c2VjdGlnbzpleGFtcGxlLXNlY3RpZ28tcGFzc3dvcmQ=",
        ],
        "fixtures/sectigo/user_create.json",
    );
    assert_eq!(code, Some(0), "{verdict}");
    assert_eq!(verdict["source"], "sectigo");
}

#[test]
fn inspect_denies_with_status_and_reason() {
    let cases: [(&[&str], &str, u64, &str); 5] = [
        (
            &["--path", "/hooks/sectigo", "--peer", "203.0.113.1"],
            "fixtures/sectigo/user_create.json",
            403,
            "forbidden_address",
        ),
        (
            &[
                "--path",
                "/hooks/crowdsec",
                "-H",
                "Authorization: Bearer example-crowdsec-token ",
            ],
            "fixtures/crowdsec/alert_triggered.json",
            401,
            "unauthorized",
        ),
        (
            &[
                "--path",
                "/hooks/cloud66?token=example-cloud66-token",
                "--method",
                "GET",
            ],
            "fixtures/cloud66/server.stopped.json",
            405,
            "method_not_allowed",
        ),
        (
            &["--path", "/hooks/cloud66?token=example-cloud66-token"],
            "fixtures/crowdsec/alert_triggered.json",
            422,
            "provider_mismatch",
        ),
        (
            &[
                "--path",
                "/hooks/cloud66?token=example-cloud66-token",
                "-H",
                "Content-Type: text/plain",
            ],
            "fixtures/cloud66/server.stopped.json",
            415,
            "unsupported_media_type",
        ),
    ];
    for (args, body, status, reason) in cases {
        let (code, verdict) = inspect(args, body);
        assert_eq!(code, Some(1), "{args:?}: {verdict}");
        assert_eq!(verdict["allow"], false, "{args:?}");
        assert_eq!(verdict["status"], status, "{args:?}");
        assert_eq!(verdict["reason"], reason, "{args:?}");
        assert!(!verdict.to_string().contains("example-"), "{verdict}");
    }
}

#[test]
fn inspect_reads_the_body_from_stdin() {
    let body = common::read("fixtures/cloud66/server.stopped.json");
    let out = hookwall(
        &[
            "inspect",
            "--config",
            POLICY,
            "--path",
            "/hooks/cloud66?token=example-cloud66-token",
            "-",
        ],
        Some(&body),
    );
    assert_eq!(out.status.code(), Some(0));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["source"], "cloud66");
}

#[test]
fn inspect_usage_and_config_errors_exit_2() {
    let invalid = config_file(
        "invalid.json",
        r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto"}]}"#,
    );
    for args in [
        vec!["inspect", "--config", "no-such-file.json", "-"],
        vec!["inspect", "--config", invalid.to_str().unwrap(), "-"],
        vec!["inspect", "--config", POLICY, "-H", "no colon", "-"],
        vec!["inspect", "-"],
    ] {
        let out = hookwall(&args, Some(b"{}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = hookwall(
        &["inspect", "--config", invalid.to_str().unwrap(), "-"],
        Some(b"{}"),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("sources[0]: neither auth nor allow_ips"));
}

#[test]
fn a_missing_file_is_named_and_exit_2_in_every_subcommand() {
    for (args, name) in [
        (
            &["check-config", "no-such-file.json"][..],
            "no-such-file.json",
        ),
        (
            &["inspect", "--config", "no-such-file.json", "-"][..],
            "no-such-file.json",
        ),
        (
            &["inspect", "--config", POLICY, "no-such-body.json"][..],
            "no-such-body.json",
        ),
    ] {
        let out = hookwall(args, Some(b"{}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("hookwall: {name}: ")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_dash_reads_stdin_everywhere() {
    let policy = common::read(POLICY);
    let out = hookwall(&["check-config", "-"], Some(&policy));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: 3 sources"));

    let out = hookwall(
        &[
            "inspect",
            "--config",
            "-",
            "--path",
            "/hooks/cloud66?token=example-cloud66-token",
            "fixtures/cloud66/server.stopped.json",
        ],
        Some(&policy),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = hookwall(&["inspect", "--config", "-", "-"], Some(&policy));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_peer_is_a_usage_error() {
    for peer in ["localhost", "1.2.3.4:99999", "[::1", ""] {
        let out = hookwall(
            &[
                "inspect",
                "--config",
                POLICY,
                "--peer",
                peer,
                "fixtures/cloud66/server.stopped.json",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{peer:?}");
        assert!(out.stdout.is_empty(), "{peer:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--peer"),
            "{peer:?}"
        );
    }
}

#[test]
fn inspect_refuses_an_oversize_stdin_after_the_largest_limit() {
    let total = 64 * 1024 * 1024;
    let (out, written) = flood(
        &[
            "inspect",
            "--config",
            POLICY,
            "--path",
            "/hooks/cloud66?token=example-cloud66-token",
            "-",
        ],
        total,
    );
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["status"], 413, "{verdict}");
    assert!(
        written < total,
        "hookwall read all {total} bytes before refusing"
    );
}

#[test]
fn a_full_disk_or_a_closed_pipe_never_panics() {
    assert_full_disk_is_exit_2(&["check-config", POLICY], b"");
    assert_full_disk_is_exit_2(
        &[
            "inspect",
            "--config",
            POLICY,
            "fixtures/cloud66/server.stopped.json",
        ],
        b"",
    );

    // A denial whose reader left before it was written is still a denial, quietly.
    let body = common::read("fixtures/sectigo/user_create.json");
    let (status, stderr) = with_stdout_closed(
        &[
            "inspect",
            "--config",
            POLICY,
            "--peer",
            "203.0.113.1",
            "--path",
            "/hooks/sectigo",
            "-",
        ],
        &body,
    );
    assert_eq!(status, Some(1));
    assert!(stderr.is_empty(), "{stderr}");
}
