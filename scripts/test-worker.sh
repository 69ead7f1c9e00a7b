#!/usr/bin/env bash
# Builds the Worker and runs it in workerd (Miniflare) against loopback receivers; the OCSF
# bodies it delivers are validated with tests/ocsf/validate.py (setup-ocsf.sh's venv).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-worker.sh
scripts/setup-ocsf.sh
scripts/build-worker.sh worker
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
node --test --test-concurrency=1 tests/worker/
