#!/usr/bin/env bash
# Main job: builds the Worker, runs it locally in workerd with a loopback receiver, sends every
# fixture as the providers would and prints what the receiver got. No Cloudflare account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-worker.sh
scripts/build-worker.sh worker
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
node tests/worker/demo.mjs
