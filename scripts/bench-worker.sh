#!/usr/bin/env bash
# The Worker's size (raw and gzip), requests/second against a Worker that only answers 200, both
# built the same way and run in workerd on loopback in the same run, and the CPU time per request
# of each Worker's own code in workerd, then that CPU time against the last build that deduplicated
# with KV instead of the ledger (commit c492a17, built once into target/bench-kv/ from this
# repository's history), in alternating runs. Reports, never fails on a figure. BENCH_SECONDS sets
# each load's duration (default 10), CPU_ITERATIONS the handler calls timed (default 10000),
# KV_ROUNDS the alternating runs (default 2; 0 skips the KV build).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
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

# The last KV build, its own cpu.mjs timing its own Worker, as it was measured then.
kv_commit=c492a17
rounds=${KV_ROUNDS:-2}
(( rounds > 0 )) || exit 0
kv=$PWD/target/bench-kv
if [[ ! -f $kv/worker/build/index_bg.wasm ]]; then
    echo "== building the KV build ($kv_commit) into $kv (minutes, once)"
    rm -rf "$kv"
    git worktree prune
    git worktree add --detach "$kv" "$kv_commit" >/dev/null
    ln -s "$PWD/node_modules" "$kv/node_modules"
    # Its build script names wasm-bindgen-cli's path; tools/wasm-bindgen's output is the same.
    bindgen=$(tool_dir wasm-bindgen "$WASM_BINDGEN_VERSION")/bin/wasm-bindgen
    for crate in worker tests/worker/baseline; do
        (cd "$kv" && WASM_BINDGEN_BIN=$bindgen CARGO_TARGET_DIR=$kv/target \
            scripts/build-worker.sh "$crate" >/dev/null)
    done
fi
delivered() { awk '/direct: delivered/ && !/real ledger/ {print $(NF-4)}'; }
echo "== CPU per delivered event (ledger stood in) against the KV build ($kv_commit), alternating runs"
for ((round = 1; round <= rounds; round++)); do
    kv_us=$(cd "$kv" && node tests/worker/cpu.mjs | delivered)
    ours_us=$(node tests/worker/cpu.mjs | delivered)
    awk -v k="$kv_us" -v o="$ours_us" -v r="$round" \
        'BEGIN { printf "round %d: KV build %s µs, this build %s µs: %.2fx\n", r, k, o, o / k }'
done
