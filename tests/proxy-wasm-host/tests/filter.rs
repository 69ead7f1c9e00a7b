//! The release filter (`target/wasm32-wasip1/release/hookwall_envoy.wasm`) driven through the
//! proxy-wasm host: every fixture, every deny rule, chunking, modes, dedup, metrics, floods.
//! `scripts/test.sh` builds the filter first.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proxy_wasm_host::examples::provider_request;
use proxy_wasm_host::{Host, Outcome, Request, SharedData};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn filter() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let path = root().join("target/wasm32-wasip1/release/hookwall_envoy.wasm");
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\nbuild it first: cargo build --release --target wasm32-wasip1 -p hookwall-envoy",
                path.display()
            )
        })
    })
}

fn plugin_config(mode: &str, strip: bool) -> String {
    let policy = std::fs::read_to_string(root().join("examples/policy.json")).unwrap();
    format!(
        r#"{{"policy": {policy}, "mode": "{mode}", "strip_credentials": {strip}, "dedup": {{"enabled": true, "ttl_seconds": 3600}}}}"#
    )
}

fn host() -> Host {
    Host::load(filter(), &plugin_config("passthrough", true)).expect("the filter loads")
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures").join(path)).unwrap()
}

fn fixtures(provider: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures").join(provider))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect()
}

/// A request as the provider sends it, to its source, with its credentials.
fn as_provider(provider: &str, body: &[u8]) -> Request {
    provider_request(provider, body)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

#[test]
fn every_fixture_is_forwarded_labelled_and_stripped_of_its_credential() {
    let mut host = host();
    let mut n = 0;
    for provider in ["crowdsec", "cloud66", "sectigo"] {
        for (event_type, body) in fixtures(provider) {
            let outcome = host.send(&as_provider(provider, &body), 200).unwrap();
            let Outcome::Forwarded {
                body: forwarded, ..
            } = &outcome
            else {
                panic!("{provider}/{event_type}: {outcome:?}");
            };
            assert_eq!(forwarded, &body, "{event_type}: passthrough keeps the body");
            assert_eq!(outcome.header("x-hookwall-source"), Some(provider));
            assert_eq!(outcome.header("x-hookwall-provider"), Some(provider));
            assert_eq!(
                outcome.header("x-hookwall-event-type"),
                Some(event_type.as_str())
            );
            let golden = json(&fixture(&format!("expected/{provider}/{event_type}.json")));
            assert_eq!(
                outcome.header("x-hookwall-severity"),
                golden["data"]["severity"].as_str()
            );
            assert_eq!(
                outcome.header("x-hookwall-category"),
                golden["data"]["category"].as_str()
            );
            assert_eq!(outcome.header("x-hookwall-event-id"), golden["id"].as_str());
            assert_eq!(
                outcome.header("authorization"),
                None,
                "{event_type}: credential stripped"
            );
            assert!(
                !outcome.header(":path").unwrap().contains("token="),
                "{event_type}: query token stripped"
            );
            n += 1;
        }
    }
    assert_eq!(n, 36);
    assert_eq!(host.metric("hookwall.requests.crowdsec.allowed"), Some(15));
    assert_eq!(host.metric("hookwall.requests.cloud66.allowed"), Some(5));
    assert_eq!(host.metric("hookwall.requests.sectigo.allowed"), Some(16));
    assert_eq!(
        host.metric("hookwall.events.crowdsec.alert_triggered.high"),
        Some(1)
    );
    assert_eq!(
        host.metric("hookwall.events.cloud66.active_protect_block.low"),
        Some(1)
    );
}

#[test]
fn every_deny_rule_answers_locally_with_a_json_error() {
    let alert = fixture("crowdsec/alert_triggered.json");
    let cases: Vec<(&str, Request, u16, &str)> = vec![
        (
            "unknown path",
            as_provider("crowdsec", &alert).tap(|r| r.path = "/hooks/other".into()),
            404,
            "unknown_route",
        ),
        (
            "trailing slash",
            as_provider("crowdsec", &alert).tap(|r| r.path = "/hooks/crowdsec/".into()),
            404,
            "unknown_route",
        ),
        (
            "GET",
            as_provider("crowdsec", &alert).tap(|r| r.method = "GET".into()),
            405,
            "method_not_allowed",
        ),
        (
            "not JSON",
            as_provider("crowdsec", &alert).tap(|r| r.headers[0].1 = b"text/plain".to_vec()),
            415,
            "unsupported_media_type",
        ),
        (
            "no credentials",
            Request::post("/hooks/crowdsec", &alert),
            401,
            "unauthorized",
        ),
        (
            "wrong token",
            Request::post("/hooks/crowdsec", &alert).header("authorization", "Bearer nope"),
            401,
            "unauthorized",
        ),
        (
            "two Authorization headers",
            as_provider("crowdsec", &alert).header("authorization", "Bearer nope"),
            401,
            "unauthorized",
        ),
        (
            "address not allowed",
            as_provider("sectigo", &fixture("sectigo/user_create.json")).peer("203.0.113.9:1"),
            403,
            "forbidden_address",
        ),
        (
            "forged X-Forwarded-For",
            as_provider("sectigo", &fixture("sectigo/user_create.json"))
                .peer("203.0.113.9:1")
                .header("x-forwarded-for", "54.236.233.46"),
            403,
            "forbidden_address",
        ),
        (
            "declared too large",
            as_provider("crowdsec", &alert).header("content-length", "70000"),
            413,
            "body_too_large",
        ),
        (
            "malformed JSON",
            as_provider("crowdsec", b"{\"metadata\": "),
            400,
            "malformed_json",
        ),
        (
            "empty body",
            as_provider("crowdsec", b""),
            400,
            "empty_body",
        ),
        (
            "schema violation",
            as_provider(
                "crowdsec",
                &fixture("cases/invalid_missing_nested_field.json"),
            ),
            422,
            "schema_violation",
        ),
        (
            "another provider's payload",
            as_provider("crowdsec", &fixture("cloud66/server.stopped.json")),
            422,
            "provider_mismatch",
        ),
    ];
    let mut host = host();
    for (name, request, status, reason) in cases {
        let outcome = host.send(&request, 200).unwrap();
        assert_eq!(outcome.status(), Some(status), "{name}: {outcome:?}");
        assert_eq!(
            outcome.header("content-type"),
            Some("application/json"),
            "{name}"
        );
        let body = json(outcome.body());
        assert_eq!(body["error"], reason, "{name}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
        assert!(
            !String::from_utf8_lossy(outcome.body()).contains("example-crowdsec-token"),
            "{name}"
        );
    }
    let challenge = host
        .send(&Request::post("/hooks/crowdsec", &alert), 200)
        .unwrap();
    assert_eq!(
        challenge.header("www-authenticate"),
        Some("Basic realm=\"hookwall\"")
    );
    assert_eq!(
        host.metric("hookwall.requests.crowdsec.unauthorized"),
        Some(4)
    );
    assert_eq!(
        host.metric("hookwall.requests._none.unknown_route"),
        Some(2)
    );
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Request {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

#[test]
fn chunked_bodies_are_buffered_whole() {
    let mut host = host();
    for size in [1, 7, 100, 4096] {
        let body = fixture("cloud66/active.protect.block.json");
        // The receiver fails each copy, so that the same event is forwarded every time.
        let outcome = host
            .send(&as_provider("cloud66", &body).chunked(size), 500)
            .unwrap();
        assert_eq!(outcome.body(), body.as_slice(), "chunks of {size}");
        assert_eq!(
            outcome.header("x-hookwall-event-type"),
            Some("active.protect.block")
        );
        assert_eq!(host.body_calls(), body.len().div_ceil(size));
    }
}

/// Envoy ends a request that has trailers with the trailers callback, never with a body callback
/// at the end of the stream: a filter waiting for that would let the body through unchecked.
#[test]
fn requests_with_trailers_are_refused_not_forwarded_unchecked() {
    let mut host = host();
    let valid = fixture("cloud66/active.protect.block.json");
    for (body, chunk) in [
        (&valid[..], 4096),
        (&valid[..], 100),
        (&b"{not json"[..], 4096),
        (&b""[..], 1),
    ] {
        let request = as_provider("cloud66", body)
            .chunked(chunk)
            .trailer("x-checksum", "0");
        let outcome = host.send(&request, 200).unwrap();
        assert_eq!(outcome.status(), Some(400), "{outcome:?}");
        let error = json(outcome.body());
        assert_eq!(error["error"], "trailers_not_accepted", "{error}");
    }
    assert_eq!(
        host.metric("hookwall.requests.cloud66.trailers_not_accepted"),
        Some(4)
    );
    let outcome = host.send(&as_provider("cloud66", &valid), 200).unwrap();
    assert_eq!(outcome.header("x-hookwall-provider"), Some("cloud66"));
}

#[test]
fn an_oversize_body_is_refused_before_its_end() {
    let mut host = host();
    let body = vec![b' '; 200 * 1024];
    let outcome = host
        .send(&as_provider("crowdsec", &body).chunked(16 * 1024), 200)
        .unwrap();
    assert_eq!(outcome.status(), Some(413));
    assert_eq!(
        host.body_calls(),
        5,
        "65536 bytes are passed on the fifth chunk of 16 KiB"
    );
}

#[test]
fn cloudevent_mode_forwards_the_redacted_cloudevent() {
    let mut host = Host::load(filter(), &plugin_config("cloudevent", true)).unwrap();
    let body = fixture("sectigo/user_reset_password.json");
    let outcome = host.send(&as_provider("sectigo", &body), 200).unwrap();
    assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
    assert_eq!(
        outcome.header("content-type"),
        Some("application/cloudevents+json")
    );
    assert_eq!(outcome.header("content-length"), None);
    let ce = json(outcome.body());
    assert_eq!(ce["specversion"], "1.0");
    assert_eq!(ce["type"], "com.sectigo.wsp.user_reset_password");
    assert_eq!(
        ce["time"], "2026-01-01T00:00:00Z",
        "Sectigo sends no time: the receive time"
    );
    assert!(!String::from_utf8_lossy(outcome.body()).contains("Tmp#9fQ2-xL7v"));
    assert_eq!(ce["data"]["redacted"][0], "body.temporary_password");
}

#[test]
fn credentials_reach_the_receiver_only_when_stripping_is_off() {
    let mut host = Host::load(filter(), &plugin_config("passthrough", false)).unwrap();
    let outcome = host
        .send(
            &as_provider("crowdsec", &fixture("crowdsec/payment_failed.json")),
            200,
        )
        .unwrap();
    assert_eq!(
        outcome.header("authorization"),
        Some("Bearer example-crowdsec-token")
    );
    let outcome = host
        .send(
            &as_provider("cloud66", &fixture("cloud66/server.backon.json")),
            200,
        )
        .unwrap();
    assert_eq!(
        outcome.header(":path"),
        Some("/hooks/cloud66?token=example-cloud66-token")
    );
}

#[test]
fn retries_of_delivered_events_are_answered_without_forwarding() {
    let mut host = host();
    let body = fixture("crowdsec/alert_triggered.json");
    let first = host.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert!(matches!(first, Outcome::Forwarded { .. }));
    let retry = host.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert_eq!(retry.status(), Some(200), "{retry:?}");
    assert_eq!(json(retry.body())["status"], "duplicate");
    assert_eq!(host.metric("hookwall.requests.crowdsec.duplicate"), Some(1));

    host.advance_clock(3601);
    let after_ttl = host.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert!(
        matches!(after_ttl, Outcome::Forwarded { .. }),
        "remembered for ttl_seconds only"
    );
}

#[test]
fn events_the_receiver_refused_are_forwarded_again() {
    let mut host = host();
    let body = fixture("cloud66/server.stopped.json");
    for status in [500, 503, 404] {
        let outcome = host.send(&as_provider("cloud66", &body), status).unwrap();
        assert!(
            matches!(outcome, Outcome::Forwarded { .. }),
            "after a {status}: {outcome:?}"
        );
    }
    let accepted = host.send(&as_provider("cloud66", &body), 204).unwrap();
    assert!(matches!(accepted, Outcome::Forwarded { .. }));
    let retry = host.send(&as_provider("cloud66", &body), 200).unwrap();
    assert_eq!(retry.status(), Some(200));
}

#[test]
fn a_copy_in_flight_on_another_worker_gets_a_retryable_answer() {
    let shared = SharedData::default();
    let mut worker = Host::load_shared(
        filter(),
        &plugin_config("passthrough", true),
        shared.clone(),
    )
    .unwrap();
    let body = fixture("crowdsec/alert_triggered.json");
    let id = json(&fixture("expected/crowdsec/alert_triggered.json"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = format!("hookwall:dedup:crowdsec:{id}");
    shared.set(&key, b"inflight:1767225630");
    let outcome = worker.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert_eq!(outcome.status(), Some(503), "{outcome:?}");
    assert_eq!(outcome.header("retry-after"), Some("5"));
    worker.advance_clock(60);
    let outcome = worker.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert!(
        matches!(outcome, Outcome::Forwarded { .. }),
        "a stale in-flight entry does not block"
    );
    assert!(String::from_utf8(shared.get(&key).unwrap())
        .unwrap()
        .starts_with("done:"));
}

#[test]
fn a_flood_of_malformed_requests_leaves_the_filter_serving() {
    let mut host = host();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alert = fixture("crowdsec/alert_triggered.json");
    for i in 0..2000 {
        let mut body = alert.clone();
        for _ in 0..(next() % 8 + 1) {
            let at = (next() as usize) % body.len();
            body[at] = next() as u8;
        }
        body.truncate((next() as usize) % (body.len() + 1));
        let request = as_provider("crowdsec", &body)
            .header_bytes("x-noise", &[0xff, 0xfe, (i % 256) as u8])
            .chunked((next() % 300 + 1) as usize);
        let outcome = host
            .send(&request, 200)
            .unwrap_or_else(|e| panic!("request {i} trapped the VM: {e}"));
        if let Some(status) = outcome.status() {
            assert!(
                [200, 400, 413, 422].contains(&status),
                "request {i}: {outcome:?}"
            );
        }
    }
    let good = fixture("crowdsec/payment_failed.json");
    let outcome = host.send(&as_provider("crowdsec", &good), 200).unwrap();
    assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
}

#[test]
fn non_utf8_credentials_do_not_trap() {
    let mut host = host();
    let request = Request::post("/hooks/crowdsec", &fixture("crowdsec/payment_failed.json"))
        .header_bytes("authorization", b"Bearer \xff\xfe\x80");
    let outcome = host.send(&request, 200).unwrap();
    assert_eq!(outcome.status(), Some(401));
}

#[test]
fn linear_memory_stays_flat() {
    let mut host = host();
    let body = fixture("crowdsec/security_engine_offline.json");
    let run = |host: &mut Host, n: usize| {
        for _ in 0..n {
            host.send(&as_provider("crowdsec", &body), 500).unwrap();
            host.send(&Request::post("/hooks/crowdsec", &body), 200)
                .unwrap();
        }
        host.memory_size()
    };
    let warm = run(&mut host, 500);
    let after = run(&mut host, 5000);
    assert_eq!(warm, after, "memory grew from {warm} to {after} bytes");
}

#[test]
fn an_invalid_configuration_is_refused_and_logged() {
    let config = r#"{"policy": {"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["10.0.0.0/33"]}]}}"#;
    let error = Host::load(filter(), config)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains(r#"policy.sources[0].allow_ips[0]: invalid CIDR \"10.0.0.0/33\""#)
            || error.contains(r#"invalid CIDR "10.0.0.0/33""#),
        "{error}"
    );
    for config in [
        "",
        "{}",
        r#"{"policy": {"sources": []}}"#,
        &plugin_config("fast", true),
    ] {
        assert!(Host::load(filter(), config).is_err(), "{config}");
    }
}

#[test]
fn the_host_refuses_a_module_importing_what_envoy_lacks() {
    // (module (import "env" "proxy_does_not_exist" (func (param i32) (result i32))))
    let mut module =
        b"\0asm\x01\0\0\0\x01\x06\x01\x60\x01\x7f\x01\x7f\x02\x1c\x01\x03env\x14".to_vec();
    module.extend_from_slice(b"proxy_does_not_exist\x00\x00");
    let error = Host::load(&module, "{}")
        .err()
        .expect("instantiation fails")
        .to_string();
    assert!(error.contains("proxy_does_not_exist"), "{error}");
}
