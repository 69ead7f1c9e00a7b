#!/usr/bin/env bash
# The main job: classify every documented fixture and print one line per event.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --quiet --release --bin hookwall

echo "== core: every fixture classified (provider, type, category, severity, summary)"
target/release/hookwall classify --format table fixtures/crowdsec/*.json fixtures/cloud66/*.json fixtures/sectigo/*.json
