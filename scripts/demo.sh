#!/usr/bin/env bash
# The main job: every documented fixture through the core, then through the release Envoy filter
# in the proxy-wasm test host, then through the Worker in workerd, as the providers would send
# them, followed in both runtimes by the requests they must refuse: a forged token, a wrong
# source address, a tampered body, another provider's payload and a replayed event. Checks every
# prerequisite first. Setup and builds print one line each with their time (and a line every
# 25 s while one runs); their output goes to target/demo.log, shown only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_everything
step_log demo.log

step "setup: Rust targets" scripts/setup.sh
step "build: the hookwall CLI" cargo build --release --bin hookwall
step "build: the Envoy filter (wasm32-wasip1, wasm-opt)" scripts/build-filter.sh
# The test host in the dev profile, as `cargo test` builds it: no LTO over wasmtime and Cranelift,
# and scripts/test.sh reuses the build. Cranelift itself is optimized there (Cargo.toml).
step "build: the proxy-wasm test host (minutes on the first run)" cargo build -p proxy-wasm-host --bin envoy-replay

echo
echo "== core: every fixture classified"
target/release/hookwall classify --format table fixtures/crowdsec/*.json fixtures/cloud66/*.json fixtures/sectigo/*.json

echo
echo "== Envoy filter (release .wasm in the proxy-wasm host): every fixture sent as its provider would, then forgeries and a replay"
target/debug/envoy-replay

echo
echo "== Cloudflare Worker (in workerd, with a loopback receiver): every fixture sent as its provider would, then forgeries and a replay"
scripts/demo-worker.sh

echo
echo "demo done in $SECONDS s; build and Worker logs in $STEP_LOG"
