#!/usr/bin/env bash
# Builds the Worker and runs it in workerd (Miniflare) against loopback receivers; the OCSF
# bodies it delivers are validated with tests/ocsf/validate.py (setup-ocsf.sh's venv). The
# console's tests drive Debian's Chromium (setup-browser.sh), the CLI's run the built hookwall.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-worker.sh
scripts/setup-ocsf.sh
scripts/setup-browser.sh
scripts/build-worker.sh worker
cargo build --quiet --bin hookwall
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
node --test --test-concurrency=1 tests/worker/
