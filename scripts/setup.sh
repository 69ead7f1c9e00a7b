#!/usr/bin/env bash
# Installs what building and testing the core and the Envoy filter need. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

installed=$(rustup target list --installed)
for target in wasm32-unknown-unknown wasm32-wasip1; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
