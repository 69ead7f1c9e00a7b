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
