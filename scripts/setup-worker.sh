#!/usr/bin/env bash
# Installs everything the Worker's build, tests and benchmark need, pinned and idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
# Must equal the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print}' Cargo.lock)

rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown

installed() { "$1" --version 2>/dev/null | grep -q " $2\$"; }
installed worker-build "$WORKER_BUILD_VERSION" ||
    cargo install worker-build --version "=$WORKER_BUILD_VERSION"
installed wasm-bindgen "$WASM_BINDGEN_VERSION" ||
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"

# wrangler, miniflare (workerd), esbuild, binaryen (wasm-opt), autocannon: package-lock.json.
if ! npm ls --depth=0 >/dev/null 2>&1; then
    npm ci --no-audit --no-fund
fi
