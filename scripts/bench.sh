#!/usr/bin/env bash
# Benchmarks whose figures the README reports. Not part of the tests: timing never gates CI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== core: classify natively (criterion)"
cargo bench --bench classify

echo "== core: classify compiled to wasm32, in wasmtime (criterion)"
cargo build --quiet --release --target wasm32-unknown-unknown -p hookwall-classify-wasm
cargo bench --bench classify_wasm

echo "== Envoy filter: size, and time per request in the proxy-wasm host against the read-all baseline and hookwall's host calls alone"
scripts/build-filter.sh --quiet -p hookwall-envoy-baseline -p hookwall-envoy-host-calls
wasm=target/wasm32-wasip1/release/hookwall_envoy.wasm
echo "hookwall_envoy.wasm: $(wc -c <"$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip"
cargo bench -p proxy-wasm-host --bench filter

echo "== policy: denied and allowed requests natively"
cargo bench --bench policy
