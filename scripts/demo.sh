#!/usr/bin/env bash
# The main job: every documented fixture through the core, then through the release Envoy filter
# in the proxy-wasm test host, as the providers would send them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --quiet --release --bin hookwall
cargo build --quiet --release --target wasm32-wasip1 -p hookwall-envoy

echo "== core: every fixture classified (provider, type, category, severity, summary)"
target/release/hookwall classify --format table fixtures/crowdsec/*.json fixtures/cloud66/*.json fixtures/sectigo/*.json

echo
echo "== Envoy filter (release .wasm in the proxy-wasm host): every fixture sent as its provider would"
cargo run --quiet --release -p proxy-wasm-host --bin envoy-replay

echo
echo "== Cloudflare Worker (in workerd, with a loopback receiver): every fixture sent as its provider would"
scripts/demo-worker.sh
