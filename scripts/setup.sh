#!/usr/bin/env bash
# Installs what building and testing the core and the Envoy filter need: the two wasm targets of
# the rustup toolchain. Checks the prerequisites first (README.md, Prerequisites). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# blake3 and wasmtime's build scripts compile C.
require "$PREREQ_RUSTUP" "$PREREQ_CC"

installed=$(rustup target list --installed)
for target in wasm32-unknown-unknown wasm32-wasip1; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
