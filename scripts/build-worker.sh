#!/usr/bin/env bash
# Builds a workers-rs crate with worker-build using the tools setup-worker.sh installed (it
# would otherwise download them from GitHub). Usage: build-worker.sh [crate dir] (default worker).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
crate=${1:-worker}
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$HOME/.cargo/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$root/node_modules/.bin/esbuild}"
cd "$root/$crate"
worker-build --release
