#!/usr/bin/env bash
# Every test of the project, as CI runs it. Does its own setup.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== core builds no_std for both wasm targets"
for target in wasm32-unknown-unknown wasm32-wasip1; do
    cargo build --quiet --release --lib --no-default-features --target "$target"
done

echo "== the Envoy filter, release, for both wasm targets (the tests run the wasip1 build, and the read-all reference filter the host tests run)"
cargo build --quiet --release --target wasm32-unknown-unknown -p hookwall-envoy
cargo build --quiet --release --target wasm32-wasip1 -p hookwall-envoy -p hookwall-envoy-baseline

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --quiet --workspace --all-targets -- -D warnings

echo "== tests"
cargo test --workspace

echo "== deployment files against Envoy's and Istio's schemas"
scripts/setup-deployment.sh
.tools/deployment-venv/bin/python tests/deployment/validate.py

echo "== OCSF output of every fixture against the OCSF 1.5.0 schema"
scripts/setup-ocsf.sh
rm -rf target/ocsf
cargo run --quiet --example ocsf_dump -- target/ocsf
.tools/ocsf-venv/bin/python tests/ocsf/validate.py target/ocsf

echo "== the Cloudflare Worker, built and run in workerd (Miniflare) against a loopback receiver"
scripts/test-worker.sh

echo "== fuzz: each target for 20 seconds"
scripts/fuzz.sh 20
