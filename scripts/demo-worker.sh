#!/usr/bin/env bash
# Main job: builds the Worker, runs it locally in workerd with a loopback receiver, sends every
# fixture as the providers would and prints what the receiver got. No Cloudflare account needed.
# Setup and build print one line each with their time; their output goes to $STEP_LOG
# (target/demo-worker.log when run alone), shown only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
if [[ -z "${STEP_LOG:-}" ]]; then
    mkdir -p target
    export STEP_LOG=$PWD/target/demo-worker.log
    : >"$STEP_LOG"
fi

step "setup: Worker tools (minutes on the first run)" scripts/setup-worker.sh
step "build: the Worker (worker-build)" scripts/build-worker.sh worker
echo
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
node tests/worker/demo.mjs
