//! The shipped Envoy bootstrap, Istio WasmPlugin and Istio image carry a plugin configuration
//! the filter accepts, and the shapes users rely on; they cannot drift from the code unnoticed.

use std::path::Path;

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// The JSON between the `plugin-config-begin`/`-end` markers (after its YAML key).
fn plugin_config(yaml: &str) -> String {
    let start = yaml.find("# plugin-config-begin").expect("begin marker");
    let end = yaml.find("# plugin-config-end").expect("end marker");
    let block = &yaml[start..end];
    let json_start = block.find('{').expect("a JSON object");
    block[json_start..].to_string()
}

#[test]
fn the_envoy_bootstrap_configures_the_filter() {
    let yaml = file("envoy.yaml");
    let config = plugin_config(&yaml);
    hookwall_envoy::check_configuration(config.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    for shape in [
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
        "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
        "type.googleapis.com/google.protobuf.StringValue",
        "runtime: envoy.wasm.runtime.v8",
        "filename: target/wasm32-wasip1/release/hookwall_envoy.wasm",
        "fail_open: false",
        "cluster: receiver",
    ] {
        assert!(yaml.contains(shape), "envoy.yaml lacks {shape}");
    }
    let filters = yaml.find("envoy.filters.http.wasm").unwrap();
    assert!(
        filters < yaml.find("envoy.filters.http.router").unwrap(),
        "hookwall runs before the router"
    );
}

#[test]
fn the_istio_wasmplugin_configures_the_filter() {
    let yaml = file("istio/wasmplugin.yaml");
    let config = plugin_config(&yaml);
    hookwall_envoy::check_configuration(config.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    for shape in [
        "apiVersion: extensions.istio.io/v1alpha1",
        "kind: WasmPlugin",
        "phase: AUTHN",
        "failStrategy: FAIL_CLOSE",
        "type: HTTP",
        "matchLabels:",
    ] {
        assert!(yaml.contains(shape), "wasmplugin.yaml lacks {shape}");
    }
}

/// Istio fetches a single-layer image only if it holds `plugin.wasm`; the build context lets
/// through exactly the file the release build writes.
#[test]
fn the_istio_image_holds_the_release_filter_as_plugin_wasm() {
    let release = "target/wasm32-wasip1/release/hookwall_envoy.wasm";
    let dockerfile = file("istio/Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .collect();
    assert_eq!(
        instructions,
        ["FROM scratch", &format!("COPY {release} ./plugin.wasm")]
    );
    let ignore = file("istio/Dockerfile.dockerignore");
    assert_eq!(
        ignore.lines().collect::<Vec<_>>(),
        ["*", &format!("!{release}")]
    );
    let yaml = file("istio/wasmplugin.yaml");
    assert!(yaml.contains("docker build -f envoy/istio/Dockerfile"));
}
