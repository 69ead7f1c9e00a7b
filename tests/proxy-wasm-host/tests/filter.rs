//! The release filter (`target/wasm32-wasip1/release/hookwall_envoy.wasm`) driven through the
//! proxy-wasm host: every fixture, every deny rule, chunking, modes, dedup, metrics, floods,
//! each under both of Envoy's header-stop settings: the shipped `envoy/envoy.yaml` (with
//! `allow_on_headers_stop_iteration`), and the same Envoy without it (Istio's `WasmPlugin`,
//! Envoy before 1.35). `scripts/test.sh` builds the filter first.

use std::path::PathBuf;

use proxy_wasm_host::examples::{
    header_settings, provider_request, release_filter, repository, shipped_deployment,
};
use proxy_wasm_host::{Envoy, Host, Outcome, Request, SharedData};
use serde_json::Value;

/// The shipped bootstrap's settings, and the same Envoy without the header-stop option.
fn settings() -> [Envoy; 2] {
    let settings = header_settings();
    assert!(settings[0].allow_on_headers_stop_iteration && settings[0].use_remote_address);
    settings
}

/// Labels beyond `x-hookwall-source` exist only where Envoy let the filter hold the headers.
fn labelled(envoy: Envoy) -> bool {
    envoy.allow_on_headers_stop_iteration
}

/// The example policy, with the filter told the header-stop setting `envoy` has.
fn plugin_config(envoy: Envoy, mode: &str, strip: bool) -> String {
    let policy = std::fs::read_to_string(repository().join("examples/policy.json")).unwrap();
    format!(
        r#"{{"policy": {policy}, "mode": "{mode}", "strip_credentials": {strip}, "dedup": {{"enabled": true, "ttl_seconds": 3600}}, "allow_on_headers_stop_iteration": {}}}"#,
        envoy.allow_on_headers_stop_iteration
    )
}

fn host_with(envoy: Envoy, mode: &str, strip: bool) -> Host {
    Host::load_in(
        envoy,
        release_filter(),
        &plugin_config(envoy, mode, strip),
        SharedData::default(),
    )
    .expect("the filter loads")
}

fn host(envoy: Envoy) -> Host {
    host_with(envoy, "passthrough", true)
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repository().join("fixtures").join(path)).unwrap()
}

fn fixtures(provider: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repository().join("fixtures").join(provider))
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
    for envoy in settings() {
        every_fixture_in(envoy);
    }
}

fn every_fixture_in(envoy: Envoy) {
    let mut host = host(envoy);
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
            if !labelled(envoy) {
                assert_eq!(outcome.header("x-hookwall-event-id"), None);
                continue;
            }
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
            assert_eq!(
                outcome.header("x-hookwall-event-id"),
                golden["data"]["id"].as_str()
            );
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
    for envoy in settings() {
        deny_rules_in(envoy, cases.clone(), &alert);
    }
}

fn deny_rules_in(envoy: Envoy, cases: Vec<(&str, Request, u16, &str)>, alert: &[u8]) {
    let mut host = host(envoy);
    for (name, request, status, reason) in cases {
        let outcome = host.send(&request, 200).unwrap();
        assert_eq!(outcome.status(), Some(status), "{name}: {outcome:?}");
        // The head is decided before anything goes upstream; a body is refused, at worst,
        // after the headers alone went (the receiver's stream is then reset).
        let decided_on_body =
            ["malformed_json", "schema_violation", "provider_mismatch"].contains(&reason);
        assert_eq!(
            outcome.headers_reached_receiver(),
            decided_on_body && !labelled(envoy),
            "{name}"
        );
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
        .send(&Request::post("/hooks/crowdsec", alert), 200)
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
    for envoy in settings() {
        chunked_in(envoy);
    }
}

fn chunked_in(envoy: Envoy) {
    let mut host = host(envoy);
    for size in [1, 7, 100, 4096] {
        let body = fixture("cloud66/active.protect.block.json");
        // The receiver fails each copy, so that the same event is forwarded every time.
        let outcome = host
            .send(&as_provider("cloud66", &body).chunked(size), 500)
            .unwrap();
        assert_eq!(outcome.body(), body.as_slice(), "chunks of {size}");
        assert_eq!(
            outcome.header("x-hookwall-event-type"),
            labelled(envoy).then_some("active.protect.block")
        );
        assert_eq!(host.body_calls(), body.len().div_ceil(size));
    }
}

/// Envoy ends a request that has trailers with the trailers callback, never with a body callback
/// at the end of the stream: a filter waiting for that would let the body through unchecked.
#[test]
fn requests_with_trailers_are_refused_not_forwarded_unchecked() {
    for envoy in settings() {
        trailers_in(envoy);
    }
}

fn trailers_in(envoy: Envoy) {
    let mut host = host(envoy);
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
    assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
}

#[test]
fn an_oversize_body_is_refused_before_its_end() {
    for envoy in settings() {
        let mut host = host(envoy);
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
}

#[test]
fn cloudevent_mode_forwards_the_redacted_cloudevent() {
    for envoy in settings() {
        cloudevent_in(envoy);
    }
}

fn cloudevent_in(envoy: Envoy) {
    let mut host = host_with(envoy, "cloudevent", true);
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
    let redacted = ce["data"]["redacted"].as_array().unwrap();
    assert!(
        redacted.contains(&Value::from("body.temporary_password")),
        "{redacted:?}"
    );
}

#[test]
fn credentials_reach_the_receiver_only_when_stripping_is_off() {
    for envoy in settings() {
        credentials_in(envoy);
    }
}

fn credentials_in(envoy: Envoy) {
    let mut host = host_with(envoy, "passthrough", false);
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
    for envoy in settings() {
        retries_in(envoy);
    }
}

fn retries_in(envoy: Envoy) {
    let mut host = host(envoy);
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
    for envoy in settings() {
        refused_again_in(envoy);
    }
}

fn refused_again_in(envoy: Envoy) {
    let mut host = host(envoy);
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
    for envoy in settings() {
        in_flight_in(envoy);
    }
}

/// Another worker's copy in flight is staged by forwarding the event once, then turning its
/// `done` entry back into an `inflight` one held by another stream.
fn in_flight_in(envoy: Envoy) {
    let shared = SharedData::default();
    let mut worker = Host::load_in(
        envoy,
        release_filter(),
        &plugin_config(envoy, "passthrough", true),
        shared.clone(),
    )
    .unwrap();
    let body = fixture("crowdsec/alert_triggered.json");
    let first = worker.send(&as_provider("crowdsec", &body), 200).unwrap();
    assert!(matches!(first, Outcome::Forwarded { .. }), "{first:?}");
    let slots: Vec<String> = shared
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("hookwall:dedup:"))
        .collect();
    let [key] = slots.try_into().expect("one dedup entry");
    let entry = String::from_utf8(shared.get(&key).unwrap()).unwrap();
    let (event, done) = entry.split_once(':').unwrap();
    assert!(done.starts_with("done:"), "{entry}");
    shared.set(&key, format!("{event}:inflight:1767225630:99").as_bytes());
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
        .starts_with(&format!("{event}:done:")));
}

#[test]
fn a_flood_of_malformed_requests_leaves_the_filter_serving() {
    for envoy in settings() {
        flood_in(envoy);
    }
}

fn flood_in(envoy: Envoy) {
    let mut host = host(envoy);
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
        for _ in 0..=(next() % 8) {
            let at = usize::try_from(next() % body.len() as u64).unwrap();
            body[at] = next().to_le_bytes()[0];
        }
        body.truncate(usize::try_from(next() % (body.len() as u64 + 1)).unwrap());
        let request = as_provider("crowdsec", &body)
            .header_bytes("x-noise", &[0xff, 0xfe, u8::try_from(i % 256).unwrap()])
            .chunked(usize::try_from(next() % 300 + 1).unwrap());
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
    for envoy in settings() {
        let mut host = host(envoy);
        let request = Request::post("/hooks/crowdsec", &fixture("crowdsec/payment_failed.json"))
            .header_bytes("authorization", b"Bearer \xff\xfe\x80");
        let outcome = host.send(&request, 200).unwrap();
        assert_eq!(outcome.status(), Some(401));
    }
}

#[test]
fn linear_memory_stays_flat() {
    for envoy in settings() {
        memory_in(envoy);
    }
}

fn memory_in(envoy: Envoy) {
    let mut host = host(envoy);
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
    let error = Host::load(release_filter(), config)
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
        &plugin_config(Envoy::default(), "fast", true),
    ] {
        assert!(Host::load(release_filter(), config).is_err(), "{config}");
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

/// The filter in `envoy`, told the header-stop setting of `told`.
fn host_told(envoy: Envoy, told: Envoy) -> Host {
    Host::load_in(
        envoy,
        release_filter(),
        &plugin_config(told, "passthrough", true),
        SharedData::default(),
    )
    .unwrap()
}

/// Told it may hold the headers in an Envoy that converts the hold to `StopAll`, the filter
/// would never see the body: it must neither hang nor let anything through, and say why once.
#[test]
fn a_filter_told_the_wrong_setting_fails_closed_without_hanging() {
    let envoy = Envoy {
        allow_on_headers_stop_iteration: false,
        ..shipped_deployment().envoy
    };
    let told = Envoy {
        allow_on_headers_stop_iteration: true,
        ..envoy
    };
    let mut host = host_told(envoy, told);
    let body = fixture("crowdsec/alert_triggered.json");
    for _ in 0..3 {
        let outcome = host.send(&as_provider("crowdsec", &body), 200).unwrap();
        assert_eq!(outcome.status(), Some(500), "{outcome:?}");
        assert!(!outcome.headers_reached_receiver());
        assert_eq!(json(outcome.body())["error"], "filter_misconfigured");
    }
    let refused = host
        .send(&Request::post("/hooks/crowdsec", &body), 200)
        .unwrap();
    assert_eq!(refused.status(), Some(401), "the head is still decided");
    let explained = host
        .logs()
        .iter()
        .filter(|line| line.contains("allow_on_headers_stop_iteration"))
        .count();
    assert_eq!(explained, 1, "{:?}", host.logs());
    assert_eq!(
        host.metric("hookwall.requests.crowdsec.filter_misconfigured"),
        Some(3)
    );
}

/// Told it may not hold the headers in an Envoy that would allow it, the filter works as in
/// Istio: enforced, unlabelled.
#[test]
fn a_filter_told_no_in_an_envoy_with_the_option_works_without_labels() {
    let envoy = shipped_deployment().envoy;
    let told = Envoy {
        allow_on_headers_stop_iteration: false,
        ..envoy
    };
    let mut host = host_told(envoy, told);
    let outcome = host
        .send(
            &as_provider("crowdsec", &fixture("crowdsec/payment_failed.json")),
            200,
        )
        .unwrap();
    assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
    assert_eq!(outcome.header("x-hookwall-source"), Some("crowdsec"));
    assert_eq!(outcome.header("x-hookwall-severity"), None);
    let refused = host
        .send(&as_provider("crowdsec", b"{\"metadata\": "), 200)
        .unwrap();
    assert_eq!(refused.status(), Some(400));
}

/// A caller's own `x-hookwall-*` headers never reach the receiver as if hookwall set them.
#[test]
fn labels_a_caller_sends_are_removed() {
    for envoy in settings() {
        let mut host = host(envoy);
        let request = as_provider("crowdsec", &fixture("crowdsec/alert_triggered.json"))
            .header("x-hookwall-severity", "info")
            .header("x-hookwall-event-id", "forged")
            .header("X-Hookwall-Verified", "yes");
        let outcome = host.send(&request, 200).unwrap();
        let Outcome::Forwarded { headers, .. } = &outcome else {
            panic!("{outcome:?}");
        };
        for (name, value) in headers {
            assert!(
                !["info", "forged", "yes"].contains(&value.as_str()),
                "{name}: {value}"
            );
        }
        assert_eq!(
            outcome.header("x-hookwall-severity"),
            labelled(envoy).then_some("high")
        );
    }
}

/// Payload text reaches the receiver's headers only as RFC 9110 field values, bounded.
#[test]
fn labels_carry_no_control_bytes_and_are_bounded() {
    let long_id = "7".repeat(5000);
    let bodies = [
        (
            "crowdsec",
            String::from_utf8(fixture("crowdsec/payment_failed.json"))
                .unwrap()
                .replace("\"payment_failed\"", "\"new_thing\\r\\nx-evil: 1\"")
                .replacen(
                    "\"event_id\": \"",
                    "\"event_id\": \"a\\r\\nx-evil: 2\\u0000",
                    1,
                ),
        ),
        (
            "crowdsec",
            String::from_utf8(fixture("crowdsec/payment_failed.json"))
                .unwrap()
                .replacen("\"event_id\": \"", &format!("\"event_id\": \"{long_id}"), 1),
        ),
    ];
    for envoy in settings() {
        let mut host = host(envoy);
        for (provider, body) in &bodies {
            let outcome = host
                .send(&as_provider(provider, body.as_bytes()), 200)
                .unwrap();
            let Outcome::Forwarded { headers, .. } = &outcome else {
                panic!("{outcome:?}");
            };
            assert!(headers.iter().all(|(name, _)| name != "x-evil"));
            for (name, value) in headers.iter().filter(|(n, _)| n.starts_with("x-hookwall-")) {
                assert!(
                    value.len() <= 128 && value.bytes().all(|b| (0x21..=0x7e).contains(&b)),
                    "{name}: {value:?}"
                );
            }
            if labelled(envoy) && body.contains("new_thing") {
                assert_eq!(
                    outcome.header("x-hookwall-event-type"),
                    Some("new_thing%0D%0Ax-evil:%201")
                );
            }
            let retry = host
                .send(&as_provider(provider, body.as_bytes()), 200)
                .unwrap();
            assert_eq!(retry.status(), Some(200), "a retry is still recognized");
        }
    }
}

/// CrowdSec's documentation gives all 15 of its examples one `event_id`: notifications of
/// different types about one source event. Each is its own alert and is forwarded once.
#[test]
fn distinct_event_types_sharing_an_id_are_each_forwarded_once() {
    const DOCUMENTED_ID: &str = "c6d468d4f1084ebca84165c33f97fbc4";
    for envoy in settings() {
        let mut host = host(envoy);
        let examples: Vec<Vec<u8>> = fixtures("crowdsec")
            .into_iter()
            .map(|(_, body)| {
                let mut value = json(&body);
                let holder = match value.get("details") {
                    Some(_) => &mut value["details"],
                    None => &mut value,
                };
                assert!(holder.get("event_id").is_some());
                holder["event_id"] = Value::from(DOCUMENTED_ID);
                serde_json::to_vec(&value).unwrap()
            })
            .collect();
        assert_eq!(examples.len(), 15);
        for body in &examples {
            let outcome = host.send(&as_provider("crowdsec", body), 200).unwrap();
            assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
        }
        for body in &examples {
            let retry = host.send(&as_provider("crowdsec", body), 200).unwrap();
            assert_eq!(retry.status(), Some(200), "{retry:?}");
        }
        assert_eq!(host.metric("hookwall.requests.crowdsec.allowed"), Some(15));
        assert_eq!(
            host.metric("hookwall.requests.crowdsec.duplicate"),
            Some(15)
        );
    }
}

/// Shared data cannot be deleted through the ABI, so dedup entries live in a fixed ring:
/// however many distinct events pass, the process keeps at most `slots` keys, and the one key
/// the filter rewrites for fresh compare-and-swap numbers.
#[test]
fn dedup_memory_is_bounded_by_its_slots() {
    let policy = std::fs::read_to_string(repository().join("examples/policy.json")).unwrap();
    for envoy in settings() {
        let config = format!(
            r#"{{"policy": {policy}, "dedup": {{"slots": 64}}, "allow_on_headers_stop_iteration": {}}}"#,
            envoy.allow_on_headers_stop_iteration
        );
        let shared = SharedData::default();
        let mut host = Host::load_in(envoy, release_filter(), &config, shared.clone()).unwrap();
        let template = String::from_utf8(fixture("cloud66/server.stopped.json")).unwrap();
        for i in 0..2000 {
            let body = template.replacen("\"timestamp\": ", &format!("\"timestamp\": 1{i:05}"), 1);
            let outcome = host
                .send(&as_provider("cloud66", body.as_bytes()), 200)
                .unwrap();
            assert!(
                matches!(outcome, Outcome::Forwarded { .. }),
                "{i}: {outcome:?}"
            );
        }
        assert!(shared.len() <= 64 + 1, "{} keys", shared.len());
    }
}

/// `envoy.yaml` as shipped takes the client from the TCP peer: a forged `X-Forwarded-For`
/// does not pass Sectigo's address allowlist. Under Envoy's default (`use_remote_address:
/// false`) the same request would pass the address check: the host models both.
#[test]
fn the_shipped_bootstrap_is_not_fooled_by_x_forwarded_for() {
    let shipped = shipped_deployment();
    let forged = Request::post("/hooks/sectigo", &fixture("sectigo/user_create.json"))
        .peer("198.51.100.7:5000")
        .header("x-forwarded-for", "54.236.233.46");
    let mut host = Host::load_in(
        shipped.envoy,
        release_filter(),
        &shipped.plugin_config,
        SharedData::default(),
    )
    .unwrap();
    let outcome = host.send(&forged, 200).unwrap();
    assert_eq!(outcome.status(), Some(403), "{outcome:?}");
    assert_eq!(json(outcome.body())["error"], "forbidden_address");
    let default_envoy = Envoy {
        use_remote_address: false,
        ..shipped.envoy
    };
    let mut fooled = Host::load_in(
        default_envoy,
        release_filter(),
        &shipped.plugin_config,
        SharedData::default(),
    )
    .unwrap();
    let outcome = fooled.send(&forged, 200).unwrap();
    assert_eq!(
        outcome.status(),
        Some(401),
        "past the allowlist: {outcome:?}"
    );
}

/// A redacted body's record of what was redacted stays bounded: one request cannot exhaust the
/// VM's memory, and the next one is served.
#[test]
fn a_redaction_bomb_neither_kills_the_vm_nor_grows_the_output() {
    for envoy in settings() {
        let mut host = host_with(envoy, "cloudevent", true);
        let mut body = String::from(
            r#"{"id": 1, "event": "user_login_link", "target": {"type": "user", "id": "u1"}, "partner": {"id": "p1"}, "body": {""#,
        );
        body.push_str(&"a".repeat(32_000));
        body.push_str("\": [");
        body.push_str(&vec!["\"\""; 10_900].join(","));
        body.push_str("]}}");
        let outcome = host
            .send(&as_provider("sectigo", body.as_bytes()), 200)
            .unwrap();
        assert!(
            outcome.body().len() < 2 * body.len() + 4096,
            "{} bytes out of {}",
            outcome.body().len(),
            body.len()
        );
        let good = fixture("sectigo/user_create.json");
        let outcome = host.send(&as_provider("sectigo", &good), 200).unwrap();
        assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
    }
}

/// `mode: "data"` and `mode: "slack"` hand the receiver the core's bare event and chat message,
/// as the CLI and the Worker's destinations of those formats have them, in either setting.
#[test]
fn data_and_slack_modes_forward_the_core_s_bodies() {
    for envoy in settings() {
        for mode in ["data", "slack"] {
            let mut host = host_with(envoy, mode, true);
            let body = fixture("crowdsec/alert_triggered.json");
            let outcome = host.send(&as_provider("crowdsec", &body), 200).unwrap();
            assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
            assert_eq!(outcome.header("content-type"), Some("application/json"));
            let forwarded = json(outcome.body());
            if mode == "data" {
                assert_eq!(forwarded["event_type"], "alert_triggered");
            } else {
                let text = forwarded["text"].as_str().unwrap();
                assert!(text.starts_with("[HIGH] crowdsec: "), "{text}");
                assert_eq!(forwarded["blocks"][0]["text"]["verbatim"], true);
            }
        }
    }
}

/// `mode: "ocsf"` hands the receiver the OCSF event, without the payload, in either setting.
#[test]
fn ocsf_mode_forwards_the_ocsf_event() {
    for envoy in settings() {
        let mut host = host_with(envoy, "ocsf", true);
        let body = fixture("sectigo/user_reset_password.json");
        let outcome = host.send(&as_provider("sectigo", &body), 200).unwrap();
        assert!(matches!(outcome, Outcome::Forwarded { .. }), "{outcome:?}");
        assert_eq!(outcome.header("content-type"), Some("application/json"));
        assert_eq!(outcome.header("content-length"), None);
        let event = json(outcome.body());
        assert_eq!(event["metadata"]["version"], "1.5.0");
        assert_eq!(event["class_uid"], 3001, "Account Change");
        assert_eq!(event["type_uid"], 300_104, "Password Reset");
        assert!(event.get("raw_data").is_none());
        assert!(!String::from_utf8_lossy(outcome.body()).contains("Tmp#9fQ2-xL7v"));
    }
}

/// The deepest nesting hookwall accepts (README, Hostile input).
const MAX_DEPTH: usize = 16;

/// The deepest payload accepted, of every provider in every mode, is forwarded, and one level more
/// is refused before anything reads it. Sectigo's bodies are read, redacted and written
/// recursively: this is the depth the smallest runtime stack must hold (WAMR's, checked by hand in
/// proxy-wasm-cpp-host: docs/envoy-test-host.md), and wasmtime's larger stack would hide a miss.
#[test]
fn the_deepest_payload_accepted_is_forwarded_and_one_level_more_refused() {
    for envoy in settings() {
        for mode in ["passthrough", "cloudevent", "ocsf"] {
            deepest_in(envoy, mode);
        }
    }
}

fn deepest_in(envoy: Envoy, mode: &str) {
    let mut host = host_with(envoy, mode, true);
    let cases = [
        ("sectigo", "sectigo/user_reset_password.json", Some("body")),
        ("crowdsec", "crowdsec/alert_triggered.json", None),
        ("cloud66", "cloud66/server.stopped.json", None),
    ];
    for (provider, path, member) in cases {
        for array in [false, true] {
            let deepest = with_nesting(&fixture(path), member, MAX_DEPTH, array);
            let outcome = host.send(&as_provider(provider, &deepest), 200).unwrap();
            assert!(
                matches!(outcome, Outcome::Forwarded { .. }),
                "{mode} {path} at depth {MAX_DEPTH}: {outcome:?}"
            );
            let deeper = with_nesting(&fixture(path), member, MAX_DEPTH + 1, array);
            let outcome = host.send(&as_provider(provider, &deeper), 200).unwrap();
            assert_eq!(outcome.status(), Some(400), "{mode} {path}: {outcome:?}");
            assert_eq!(json(outcome.body())["error"], "nesting_too_deep");
        }
    }
}

/// `body` with a member `deep` added (inside `member`, if given) that makes it nest `depth`
/// levels in all, in objects or arrays; a distinct event each time (its id, where it has one, is
/// changed too), so dedup never answers.
fn with_nesting(body: &[u8], member: Option<&str>, depth: usize, array: bool) -> Vec<u8> {
    let mut doc = json(body);
    let nonce = depth * 2 + usize::from(array);
    if let Some(id) = doc.pointer_mut("/id") {
        *id = Value::from(nonce);
    }
    if let Some(id) = doc.pointer_mut("/details/event_id") {
        *id = Value::from(format!("deep-{nonce}"));
    }
    let outer = 1 + usize::from(member.is_some());
    let deep = (outer..depth).fold(Value::from("x"), |inner, _| {
        if array {
            Value::Array(vec![inner])
        } else {
            serde_json::json!({ "k": inner })
        }
    });
    let at = match member {
        Some(name) => &mut doc[name],
        None => &mut doc,
    };
    at["deep"] = deep;
    serde_json::to_vec(&doc).unwrap()
}
