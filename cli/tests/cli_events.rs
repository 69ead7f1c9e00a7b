//! `hookwall events` against a loopback HTTP server playing the admin API, for what the CLI
//! itself decides: the token's source, the query and body it sends, following cursors, tables
//! and JSON, exit codes. The same commands against the real Worker run in tests/worker/.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

const TOKEN: &str = "admin-token-for-tests";

/// The repository root, where the README runs the CLI.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// One request the server read.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
    body: String,
}

type Reply = Box<dyn Fn(&Seen) -> (u16, String) + Send>;

/// Answers every request with `reply`, recording each in `seen`.
struct Api {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Api {
    fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let request = read_request(&mut stream);
                log.lock().unwrap().push(request.clone());
                let (status, body) = reply(&request);
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Seen {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap().to_string();
    let target = parts.next().unwrap().to_string();
    let (mut authorization, mut length) = (None, 0);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value.trim().to_string()),
            "content-length" => length = value.trim().parse().unwrap(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Seen {
        method,
        target,
        authorization,
        body: String::from_utf8(body).unwrap(),
    }
}

fn event(key: &str, kind: &str, deliveries: &Value) -> Value {
    json!({
        "key": key, "source": "crowdsec", "event_source": "https://app.crowdsec.net/organizations/o",
        "id": format!("{kind}:1"), "provider": "crowdsec", "type": kind, "category": "threat",
        "severity": "high", "received_at": "2026-12-06T08:00:00Z", "deliveries": deliveries,
    })
}

fn delivered(destination: &str) -> Value {
    json!({"destination": destination, "status": "delivered", "attempts": 1,
           "last_error": null, "delivered_at": "2026-12-06T08:00:01Z"})
}

fn failed(destination: &str) -> Value {
    json!({"destination": destination, "status": "failed", "attempts": 3,
           "last_error": "503 from the destination", "delivered_at": null})
}

/// `hookwall events args…` with the token in the environment unless `token` is None.
fn events(args: &[&str], token: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookwall"));
    command.arg("events").args(args).current_dir(ROOT);
    command.env_remove("HOOKWALL_ADMIN_TOKEN");
    if let Some(token) = token {
        command.env("HOOKWALL_ADMIN_TOKEN", token);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn list_sends_the_filters_and_the_bearer_token_and_prints_a_table() {
    let api = Api::start(Box::new(|_| {
        let page = json!({"events": [event("k1", "alert_triggered", &json!([delivered("siem"), failed("slack")]))], "next": null});
        (200, page.to_string())
    }));
    let out = events(
        &[
            "list",
            "--worker",
            &api.url,
            "--source",
            "crowdsec",
            "--status",
            "failed",
            "--destination",
            "slack",
            "--severity",
            "high",
            "--since",
            "2026-12-06T00:00:00+01:00",
            "--limit",
            "10",
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].target,
        "/_hookwall/events?source=crowdsec&status=failed&destination=slack&severity=high&since=2026-12-06T00%3A00%3A00%2B01%3A00&limit=10"
    );
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer admin-token-for-tests")
    );
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("RECEIVED"), "{stdout}");
    for cell in [
        "alert_triggered",
        "high",
        "threat",
        "siem=delivered,slack=failed",
        "k1",
    ] {
        assert!(lines[1].contains(cell), "{cell}: {stdout}");
    }
}

#[test]
fn list_all_follows_the_cursor_and_json_is_one_array_of_the_apis_objects() {
    let api = Api::start(Box::new(|seen| {
        let page = if seen.target.contains("cursor=c2") {
            json!({"events": [event("k3", "c", &json!([]))], "next": null})
        } else {
            json!({"events": [event("k1", "a", &json!([])), event("k2", "b", &json!([]))], "next": "c2"})
        };
        (200, page.to_string())
    }));
    let out = events(
        &["list", "--worker", &api.url, "--all", "--json"],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let array: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = array
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["k1", "k2", "k3"]);
    assert_eq!(
        array[0],
        event("k1", "a", &json!([])),
        "the API's object, member for member"
    );
    assert_eq!(api.seen().len(), 2);
}

#[test]
fn one_page_names_the_next_cursor_on_stderr() {
    let api = Api::start(Box::new(|_| {
        (
            200,
            json!({"events": [event("k1", "a", &json!([]))], "next": "c/2+"}).to_string(),
        )
    }));
    let out = events(&["list", "--worker", &api.url, "--json"], Some(TOKEN));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "hookwall: more events: --cursor c/2+\n");
    let next = events(
        &["list", "--worker", &api.url, "--cursor", "c/2+"],
        Some(TOKEN),
    );
    assert_eq!(next.status.code(), Some(0));
    assert_eq!(api.seen()[1].target, "/_hookwall/events?cursor=c%2F2%2B");
}

#[test]
fn a_wrong_token_is_exit_2_with_a_clear_message_that_never_repeats_it() {
    let api = Api::start(Box::new(|_| {
        (401, r#"{"error":"unauthorized"}"#.to_string())
    }));
    for args in [
        vec!["list", "--worker", &api.url],
        vec!["show", "k1", "--worker", &api.url],
        vec![
            "recover",
            "--worker",
            &api.url,
            "--destination",
            "siem",
            "--since",
            "1h",
        ],
        vec![
            "resend",
            "k1",
            "--destination",
            "siem",
            "--worker",
            &api.url,
        ],
    ] {
        let out = events(&args, Some(TOKEN));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("hookwall: the Worker refused the admin token (401)"),
            "{stderr}"
        );
        assert!(!stderr.contains(TOKEN) && out.stdout.is_empty(), "{stderr}");
    }
}

#[test]
fn the_token_comes_from_a_file_or_the_environment_never_a_flag() {
    let api = Api::start(Box::new(|_| {
        (200, r#"{"events":[],"next":null}"#.to_string())
    }));
    let out = events(&["list", "--worker", &api.url], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "hookwall: no admin token: set HOOKWALL_ADMIN_TOKEN or pass --token-file FILE\n"
    );
    let dir = std::env::temp_dir().join(format!("hookwall-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "from-a-file\n").unwrap();
    let out = events(
        &[
            "list",
            "--worker",
            &api.url,
            "--token-file",
            file.to_str().unwrap(),
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        api.seen()[0].authorization.as_deref(),
        Some("Bearer from-a-file")
    );
    let missing = dir.join("absent");
    let out = events(
        &[
            "list",
            "--worker",
            &api.url,
            "--token-file",
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("absent: No such file"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        events(&["list", "--worker", &api.url, "--token", TOKEN], None)
            .status
            .code(),
        Some(2)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn usage_errors_are_exit_2_before_any_request() {
    let api = Api::start(Box::new(|_| (200, "{}".to_string())));
    for args in [
        vec!["list", "--worker", "http://hookwall.example"],
        vec!["list", "--worker", "https://hookwall.example/events"],
        vec!["list", "--worker", &api.url, "--status", "lost"],
        vec!["list", "--worker", &api.url, "--since", "yesterday"],
        vec!["list", "--worker", &api.url, "--limit", "501"],
        vec!["list", "--worker", &api.url, "--all", "--cursor", "c"],
        vec!["show", "..", "--worker", &api.url],
        vec!["recover", "--worker", &api.url, "--destination", "siem"],
        vec!["resend", "k1", "--worker", &api.url],
    ] {
        let out = events(&args, Some(TOKEN));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(api.seen().is_empty());
}

#[test]
fn a_worker_that_does_not_answer_is_exit_2() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = events(
        &["list", "--worker", &format!("http://127.0.0.1:{port}")],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("hookwall: the Worker did not answer"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_event_is_exit_1_naming_the_apis_reason() {
    let api = Api::start(Box::new(|_| {
        (
            404,
            r#"{"error":"not_found","message":"no such event"}"#.to_string(),
        )
    }));
    let out = events(&["show", "nope", "--worker", &api.url], Some(TOKEN));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "hookwall: the Worker answered 404: not_found (no such event)\n"
    );
    assert_eq!(api.seen()[0].target, "/_hookwall/events/nope");
}

#[test]
fn show_prints_the_event_and_its_deliveries_with_payload_text_neutralized() {
    let api = Api::start(Box::new(|_| {
        (
            200,
            event("k1", "evil\u{1b}]8;;x\u{7}type", &json!([failed("slack")])).to_string(),
        )
    }));
    let out = events(&["show", "k1", "--worker", &api.url], Some(TOKEN));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("evil\\u{1b}]8;;x\\u{7}type"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'));
    let slack = stdout.lines().find(|l| l.starts_with("slack")).unwrap();
    for cell in ["failed", "3", "503 from the destination"] {
        assert!(slack.contains(cell), "{slack}");
    }
    let json = events(&["show", "k1", "--worker", &api.url, "--json"], Some(TOKEN));
    let array: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(array.as_array().unwrap().len(), 1);
}

#[test]
fn recover_sends_the_window_and_follows_next_until_done() {
    let api = Api::start(Box::new(|seen| {
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        let answer = match body.get("cursor") {
            None => json!({"requeued": 2, "next": "r2"}),
            Some(_) => json!({"requeued": 1, "next": null}),
        };
        (200, answer.to_string())
    }));
    let out = events(
        &[
            "recover",
            "--worker",
            &api.url,
            "--destination",
            "siem",
            "--since",
            "2026-12-06T00:00:00Z",
            "--source",
            "crowdsec",
            "--json",
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!({"requeued": 3, "next": null})
    );
    let seen = api.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].target.as_str()),
        ("POST", "/_hookwall/recover")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[0].body).unwrap(),
        json!({"destination": "siem", "since": "2026-12-06T00:00:00Z", "source": "crowdsec"})
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[1].body).unwrap()["cursor"],
        "r2"
    );
    let table = events(
        &[
            "recover",
            "--worker",
            &api.url,
            "--destination",
            "siem",
            "--since",
            "2h",
        ],
        Some(TOKEN),
    );
    assert_eq!(
        text(&table.stdout),
        "requeued 3 failed or dead deliveries to siem\n"
    );
}

#[test]
fn resend_posts_and_prints_the_event_it_answers_and_a_refusal_is_exit_1() {
    let api = Api::start(Box::new(|_| {
        (
            200,
            event("k 1", "a", &json!([delivered("siem")])).to_string(),
        )
    }));
    let out = events(
        &[
            "resend",
            "k 1",
            "--destination",
            "siem",
            "--worker",
            &api.url,
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let seen = api.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(
        seen[0].target,
        "/_hookwall/events/k%201/resend?destination=siem"
    );
    assert_eq!(seen[0].body, "");
    assert!(text(&out.stdout)
        .lines()
        .any(|l| l.starts_with("siem") && l.contains("delivered")));

    let refusing = Api::start(Box::new(|_| {
        (503, r#"{"error":"delivery_failed"}"#.to_string())
    }));
    let out = events(
        &[
            "resend",
            "k1",
            "--destination",
            "siem",
            "--worker",
            &refusing.url,
        ],
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "hookwall: the Worker answered 503: delivery_failed\n"
    );
}
