#!/usr/bin/env bash
# Builds a workers-rs crate with worker-build using the tools setup-worker.sh installed (the
# user's tool cache, scripts/lib.sh, and node_modules); it would otherwise download them from
# GitHub.
# Usage: build-worker.sh [crate dir] (default worker).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
crate=${1:-worker}
source "$root/scripts/lib.sh"
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(tool_dir wasm-bindgen "$WASM_BINDGEN_VERSION")/bin/wasm-bindgen}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$root/node_modules/.bin/esbuild}"
# Optimized for size: the Worker's budget is 250 KB gzip, and its CPU time per request is spent
# in JS glue and the runtime more than in its wasm (docs/worker.md: opt-level z takes a quarter
# off the gzip size at no measurable CPU cost per request). Set here rather than in the root
# Cargo.toml so that it covers every crate in the Worker's wasm, the core included, and nothing
# else: the CLI and the Envoy filter keep the workspace's release profile.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-z}"
cd "$root/$crate"
# The workspace's `strip = true` keeps about 90 KB of function names out of the Worker (worker-build
# keeps whatever names reach wasm-opt) and drops the `target_features` section with them.
# wasm-bindgen then warns, harmlessly: it detects reference types from the module's externref
# intrinsics instead, with the same result. Only that line is dropped.
{ "$(tool_dir worker-build "$WORKER_BUILD_VERSION")/bin/worker-build" --release 2>&1 1>&3 |
    sed '/the `target_features` custom section is missing/d' >&2; } 3>&1
