//! `hookwall check-config` and `hookwall inspect` as users run them: output and exit codes
//! 0 (valid / allowed), 1 (invalid / denied), 2 (usage or configuration error).

mod common;

use common::hookwall;
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
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.json"));
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
    let body = std::fs::read("fixtures/cloud66/server.stopped.json").unwrap();
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
