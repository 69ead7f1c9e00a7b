//! The shipped Envoy bootstrap, Istio `WasmPlugin`, Istio `EnvoyFilter` and Istio image carry a
//! plugin configuration the filter accepts, and the shapes users rely on; they cannot drift from
//! the code unnoticed. (Their fields are checked against Envoy's and Istio's schemas by
//! tests/deployment/validate.py.)

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

/// The plugin JSON's `allow_on_headers_stop_iteration` (absent: false, the filter's default).
fn plugin_allows_stop_iteration(json: &str) -> bool {
    let key = "\"allow_on_headers_stop_iteration\"";
    assert!(json.matches(key).count() <= 1, "{key} given twice");
    let Some(at) = json.find(key) else {
        return false;
    };
    let rest = json[at + key.len()..].trim_start();
    let rest = rest.strip_prefix(':').expect("a value").trim_start();
    if rest.starts_with("true") {
        true
    } else {
        assert!(rest.starts_with("false"), "{key} is not a boolean");
        false
    }
}

/// The Wasm `PluginConfig`'s `allow_on_headers_stop_iteration` in the YAML, outside the plugin
/// JSON (absent: false, Envoy's default).
fn plugin_config_allows_stop_iteration(yaml: &str) -> bool {
    let outside = yaml[..yaml.find("# plugin-config-begin").unwrap()].to_string()
        + &yaml[yaml.find("# plugin-config-end").unwrap()..];
    let values: Vec<&str> = outside
        .lines()
        .filter_map(|line| line.trim().strip_prefix("allow_on_headers_stop_iteration:"))
        .map(str::trim)
        .collect();
    match values[..] {
        [] | ["false"] => false,
        ["true"] => true,
        _ => panic!("allow_on_headers_stop_iteration: {values:?}"),
    }
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
        // The client is the TCP peer, not the rightmost X-Forwarded-For entry (issue 15).
        "use_remote_address: true",
        "xff_num_trusted_hops: 0",
    ] {
        assert!(yaml.contains(shape), "envoy.yaml lacks {shape}");
    }
    // The filter is told the setting Envoy runs it with.
    assert!(plugin_config_allows_stop_iteration(&yaml));
    assert!(plugin_allows_stop_iteration(&config));
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
        // Without labels, the CloudEvent body carries the event's type, id, category, severity.
        "\"mode\": \"cloudevent\"",
    ] {
        assert!(yaml.contains(shape), "wasmplugin.yaml lacks {shape}");
    }
    // WasmPlugin cannot set PluginConfig.allow_on_headers_stop_iteration, so the filter must not
    // be told it is set.
    assert!(!plugin_config_allows_stop_iteration(&yaml));
    assert!(!plugin_allows_stop_iteration(&config));
}

#[test]
fn the_istio_envoyfilter_configures_the_filter_with_the_option() {
    let yaml = file("istio/envoyfilter.yaml");
    let config = plugin_config(&yaml);
    hookwall_envoy::check_configuration(config.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    for shape in [
        "apiVersion: networking.istio.io/v1alpha3",
        "kind: EnvoyFilter",
        "app: webhook-receiver",
        "applyTo: HTTP_FILTER",
        "context: SIDECAR_INBOUND",
        "name: envoy.filters.network.http_connection_manager",
        "name: envoy.filters.http.router",
        "operation: INSERT_BEFORE",
        "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
        "type.googleapis.com/google.protobuf.StringValue",
        "runtime: envoy.wasm.runtime.v8",
        "fail_open: false",
        "\"mode\": \"passthrough\"",
    ] {
        assert!(yaml.contains(shape), "envoyfilter.yaml lacks {shape}");
    }
    assert!(plugin_config_allows_stop_iteration(&yaml));
    assert!(plugin_allows_stop_iteration(&config));
    // The same policy as the WasmPlugin's: the two are alternatives for the same receiver.
    let wasmplugin = plugin_config(&file("istio/wasmplugin.yaml"));
    let policy = |json: &str| {
        let start = json.find("\"policy\"").expect("a policy");
        json[start..].split_whitespace().collect::<String>()
    };
    assert_eq!(policy(&config), policy(&wasmplugin));
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
