//! The settings a shipped deployment file gives Envoy and the filter, read from the file
//! itself, so that tests run the filter exactly as that file would have Envoy run it.

use yaml_rust2::{Yaml, YamlLoader};

use crate::{Envoy, Error, Result};

const CONNECTION_MANAGER: &str =
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const WASM: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

/// What a deployment file configures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The connection manager's and the Wasm filter's settings that change what the filter sees.
    pub envoy: Envoy,
    /// The plugin's JSON configuration (`configuration.value`).
    pub plugin_config: String,
}

impl Deployment {
    /// Reads an Envoy bootstrap, or an Istio `EnvoyFilter` that inserts the Wasm filter; a
    /// setting the file leaves out takes Envoy's default. The file must configure exactly one
    /// hookwall filter.
    ///
    /// # Errors
    ///
    /// The text is not YAML, configures no Wasm filter or several, has no plugin configuration,
    /// or gives a setting a value of the wrong type.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| Error::msg(e.to_string()))?;
        let mut managers = Vec::new();
        let mut filters = Vec::new();
        for doc in &docs {
            typed_configs(doc, CONNECTION_MANAGER, &mut managers);
            typed_configs(doc, WASM, &mut filters);
        }
        let [wasm] = filters.as_slice() else {
            return Err(Error::msg(format!(
                "{} Wasm filters, expected one",
                filters.len()
            )));
        };
        let config = &wasm["config"];
        let plugin_config = config["configuration"]["value"]
            .as_str()
            .ok_or_else(|| Error::msg("no config.configuration.value"))?
            .to_string();
        let manager = managers.first().copied().unwrap_or(&Yaml::BadValue);
        let envoy = Envoy {
            allow_on_headers_stop_iteration: flag(&config["allow_on_headers_stop_iteration"])?,
            use_remote_address: flag(&manager["use_remote_address"])?,
            xff_num_trusted_hops: match &manager["xff_num_trusted_hops"] {
                Yaml::BadValue => 0,
                Yaml::Integer(n) => u32::try_from(*n)?,
                other => return Err(Error::msg(format!("xff_num_trusted_hops: {other:?}"))),
            },
            ..Envoy::default()
        };
        Ok(Self {
            envoy,
            plugin_config,
        })
    }
}

fn flag(value: &Yaml) -> Result<bool> {
    match value {
        Yaml::BadValue => Ok(false),
        Yaml::Boolean(b) => Ok(*b),
        other => Err(Error::msg(format!("expected a boolean, got {other:?}"))),
    }
}

/// Every mapping under `node` whose `@type` is `type_url`.
fn typed_configs<'y>(node: &'y Yaml, type_url: &str, out: &mut Vec<&'y Yaml>) {
    match node {
        Yaml::Hash(map) => {
            if node["@type"].as_str() == Some(type_url) {
                out.push(node);
            }
            map.values().for_each(|v| typed_configs(v, type_url, out));
        }
        Yaml::Array(items) => items.iter().for_each(|v| typed_configs(v, type_url, out)),
        _ => {}
    }
}
