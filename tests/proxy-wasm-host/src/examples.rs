//! What the tests, the benchmark and the replay tool share: the release filter, the shipped
//! Envoy settings, and requests as the providers send them to hookwall's example policy
//! (`examples/policy.json`): the right path, credentials and source address.

use std::path::Path;
use std::sync::OnceLock;

use crate::deployment::Deployment;
use crate::{Envoy, Request};

/// The repository's root: this crate lives in `tests/proxy-wasm-host`.
pub fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The release filter as `scripts/test.sh` builds it, read once.
///
/// # Panics
///
/// The filter is not built: every test of it would fail, so the first one says how to build it.
pub fn release_filter() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        let path = repository().join("target/wasm32-wasip1/release/hookwall_envoy.wasm");
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\nbuild it first: cargo build --release --target wasm32-wasip1 -p hookwall-envoy",
                path.display()
            )
        })
    })
}

/// The shipped bootstrap, `envoy/envoy.yaml`.
///
/// # Panics
///
/// The file is missing or no longer a deployment this host can read: the tests that run the
/// filter as shipped could not.
pub fn shipped_deployment() -> Deployment {
    let yaml = std::fs::read_to_string(repository().join("envoy/envoy.yaml")).unwrap();
    Deployment::from_yaml(&yaml).unwrap()
}

/// The shipped Envoy's settings, and the same Envoy without `allow_on_headers_stop_iteration`
/// (Istio's `WasmPlugin`, Envoy before 1.35): every filter test runs under both.
pub fn header_settings() -> [Envoy; 2] {
    let shipped = shipped_deployment().envoy;
    [
        shipped,
        Envoy {
            allow_on_headers_stop_iteration: false,
            ..shipped
        },
    ]
}

/// A request carrying `body` from `provider` (`crowdsec`, `cloud66` or `sectigo`).
pub fn provider_request(provider: &str, body: &[u8]) -> Request {
    match provider {
        "crowdsec" => Request::post("/hooks/crowdsec", body)
            .header("authorization", "Bearer example-crowdsec-token"),
        "cloud66" => Request::post("/hooks/cloud66?token=example-cloud66-token", body),
        _ => Request::post("/hooks/sectigo", body)
            // sectigo:example-sectigo-password
            .header(
                "authorization",
                "Basic c2VjdGlnbzpleGFtcGxlLXNlY3RpZ28tcGFzc3dvcmQ=",
            )
            .peer("54.236.233.46:443"),
    }
}
