#!/usr/bin/env bash
# Main job: builds the Worker, runs it locally in workerd with a loopback receiver, sends every
# fixture as the providers would, then forged, tampered and replayed requests, and prints one
# table row per request: the Worker's answer and what the receiver got. No Cloudflare account
# needed. Setup and build print one line each with their time; their output, and the Worker's own
# log lines, go to $STEP_LOG (target/demo-worker.log when run alone), shown only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# Run alone, its own log; under test.sh or demo.sh, theirs.
[[ -n "${STEP_LOG:-}" ]] || step_log demo-worker.log

step "setup: Worker tools (minutes on the first run)" scripts/setup-worker.sh
step "build: the Worker (worker-build)" scripts/build-worker.sh worker
echo
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
echo "== the Worker in workerd: node tests/worker/demo.mjs (its log lines)" >>"$STEP_LOG"
node tests/worker/demo.mjs 2>>"$STEP_LOG" || {
    status=$?
    echo "the Worker demo failed; the end of $STEP_LOG:"
    tail -n 40 "$STEP_LOG"
    exit "$status"
}
echo
echo "The operator console: scripts/dev-worker.sh runs this Worker on http://127.0.0.1:8787 with"
echo ".dev.vars.example's secrets; open http://127.0.0.1:8787/_hookwall/ and sign in with the admin"
echo "token dev-admin-token (docs/console.md)."
