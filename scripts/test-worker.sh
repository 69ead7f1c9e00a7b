#!/usr/bin/env bash
# Builds the Worker and runs it in workerd (Miniflare) against loopback receivers; the OCSF
# bodies it delivers are validated with tests/ocsf/validate.py (setup-ocsf.sh's venv). Setup and
# build print one line each with their time, their output in $STEP_LOG (target/test-worker.log
# when run alone). The tests keep the Worker's log lines to themselves unless one fails. The
# console's tests drive Debian's Chromium (setup-browser.sh), the CLI's run the built hookwall.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# Run alone, its own log; under test.sh or demo.sh, theirs.
[[ -n "${STEP_LOG:-}" ]] || step_log test-worker.log

step "setup: Worker tools (minutes on the first run)" scripts/setup-worker.sh
step "setup: OCSF schemas (Python packages)" scripts/setup-ocsf.sh
step "setup: Chromium for the console's tests" scripts/setup-browser.sh
step "build: the Worker (worker-build)" scripts/build-worker.sh worker
step "build: the CLI (hookwall events, run against the Worker)" cargo build --bin hookwall
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
node --test --test-concurrency=1 --test-reporter=spec tests/worker/
