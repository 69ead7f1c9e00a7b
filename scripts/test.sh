#!/usr/bin/env bash
# Every test of the project, as CI runs it. Does its own setup.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== core builds no_std for both wasm targets"
for target in wasm32-unknown-unknown wasm32-wasip1; do
    cargo build --quiet --release --lib --no-default-features --target "$target"
done

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --quiet --workspace --all-targets -- -D warnings

echo "== tests"
cargo test --workspace
