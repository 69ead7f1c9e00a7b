//! A client that sends its body long after its head, on the release filter. With Envoy and
//! the filter agreeing, the body is awaited however late it is (within Envoy's own timeouts);
//! a filter told it may hold the headers in an Envoy that withholds the body refuses with 500
//! once Envoy has received a body it never handed over, never on time alone, and never stalls.

use proxy_wasm_host::examples::{provider_request, release_filter, repository, shipped_deployment};
use proxy_wasm_host::{Envoy, Host, Outcome, Request, SharedData};
use serde_json::Value;

fn shipped() -> Envoy {
    shipped_deployment().envoy
}

/// A fresh VM of the filter in `envoy`, told the header-stop setting `told`.
fn host(envoy: Envoy, told: bool) -> Host {
    let policy = std::fs::read_to_string(repository().join("examples/policy.json")).unwrap();
    let config = format!(r#"{{"policy": {policy}, "allow_on_headers_stop_iteration": {told}}}"#);
    Host::load_in(envoy, release_filter(), &config, SharedData::default())
        .expect("the filter loads")
}

/// Cloud66 never retries: its event must not be refused for a slow client.
fn late_event(seconds: u64) -> Request {
    let body = std::fs::read(repository().join("fixtures/cloud66/server.stopped.json")).unwrap();
    provider_request("cloud66", &body).body_after(seconds)
}

fn without_option(envoy: Envoy) -> Envoy {
    Envoy {
        allow_on_headers_stop_iteration: false,
        ..envoy
    }
}

const DELAYS: [u64; 4] = [0, 5, 8, 120];

/// Both settings on, as `envoy/envoy.yaml` ships, on a fresh VM each time (every new worker
/// and every reload is one): a late body is forwarded, labelled, and nothing is logged.
#[test]
fn a_late_body_is_forwarded_where_envoy_and_the_filter_agree() {
    for (envoy, told) in [(shipped(), true), (without_option(shipped()), false)] {
        for seconds in DELAYS {
            let mut host = host(envoy, told);
            let outcome = host.send(&late_event(seconds), 200).unwrap();
            assert!(
                matches!(outcome, Outcome::Forwarded { .. }),
                "{seconds} s, told {told}: {outcome:?}"
            );
            assert_eq!(outcome.header("x-hookwall-source"), Some("cloud66"));
            assert_eq!(
                outcome.header("x-hookwall-provider"),
                told.then_some("cloud66")
            );
            let logs = host.logs();
            assert!(
                !logs
                    .iter()
                    .any(|l| l.contains("allow_on_headers_stop_iteration")),
                "{logs:?}"
            );
        }
    }
}

/// Told "on" in an Envoy without the option: the body Envoy received and withheld proves the
/// mismatch, whenever the body comes; the request is refused, never forwarded, never stalled.
#[test]
fn a_withheld_body_is_refused_once_envoy_has_it_however_late() {
    let envoy = without_option(shipped());
    for seconds in DELAYS {
        let mut host = host(envoy, true);
        let outcome = host.send(&late_event(seconds), 200).unwrap();
        assert_eq!(outcome.status(), Some(500), "{seconds} s: {outcome:?}");
        assert!(!outcome.headers_reached_receiver());
        let error: Value = serde_json::from_slice(outcome.body()).unwrap();
        assert_eq!(error["error"], "filter_misconfigured");
        let explained = host
            .logs()
            .iter()
            .filter(|l| l.contains("withheld it from the filter"))
            .count();
        assert_eq!(explained, 1, "{:?}", host.logs());
    }
}
