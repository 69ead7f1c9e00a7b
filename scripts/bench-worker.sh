#!/usr/bin/env bash
# The Worker's size (raw and gzip), requests/second against a Worker that only answers 200, both
# built the same way and run in workerd on loopback in the same run, and the CPU time per request
# of each Worker's own code in workerd. Reports, never fails on a figure. BENCH_SECONDS sets each
# load's duration (default 10), CPU_ITERATIONS the handler calls timed (default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-worker.sh
scripts/build-worker.sh worker
scripts/build-worker.sh tests/worker/baseline
for wasm in worker/build/index_bg.wasm tests/worker/baseline/build/index_bg.wasm; do
    printf '%-45s raw %7d B  gzip %7d B\n' "$wasm" "$(wc -c <"$wasm")" "$(gzip -9c "$wasm" | wc -c)"
done
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
echo "== requests per second, workerd on loopback"
node tests/worker/bench.mjs | grep -v '^{"source"'
echo "== CPU time per request of the Worker's own code (runtime I/O stubbed), workerd"
node tests/worker/cpu.mjs
