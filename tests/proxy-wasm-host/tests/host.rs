//! The host follows Envoy, not the filter under test: a filter that holds the headers to read
//! the body, as the proxy-wasm examples do, stalls in an Envoy without
//! `allow_on_headers_stop_iteration`, and the host says so at once instead of hanging.
//! Runs the benchmark's reference filter (`tests/baseline-filter`); `scripts/test.sh` builds it.

use std::path::Path;

use proxy_wasm_host::{Envoy, Host, Outcome, Request, SharedData};

fn read_all_filter() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-wasip1/release/hookwall_envoy_baseline.wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\nbuild it: cargo build --release --target wasm32-wasip1 -p hookwall-envoy-baseline",
            path.display()
        )
    })
}

fn load(allow_on_headers_stop_iteration: bool) -> Host {
    let envoy = Envoy {
        allow_on_headers_stop_iteration,
        ..Envoy::default()
    };
    Host::load_in(envoy, &read_all_filter(), "", SharedData::default()).unwrap()
}

#[test]
fn holding_the_headers_stalls_without_the_option_and_works_with_it() {
    let request = Request::post("/any", b"{\"a\": 1}").chunked(3);
    let error = load(false).send(&request, 200).unwrap_err().to_string();
    assert!(
        error.contains("hangs") && error.contains("stopped all iteration"),
        "{error}"
    );
    let outcome = load(true).send(&request, 200).unwrap();
    assert!(
        matches!(&outcome, Outcome::Forwarded { body, .. } if body == b"{\"a\": 1}"),
        "{outcome:?}"
    );
}

#[test]
fn stop_all_holds_a_request_without_a_body_too() {
    let mut request = Request::post("/any", b"");
    request.method = "GET".into();
    let error = load(false).send(&request, 200).unwrap_err().to_string();
    assert!(
        error.contains("hangs"),
        "StopAll holds the headers too: {error}"
    );
}
