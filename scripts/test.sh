#!/usr/bin/env bash
# Every test of the project, as CI runs it. Checks every prerequisite, then does its own setup.
# Setup and builds print one line each with their time (their output in target/test-steps.log,
# shown when one fails). Each suite's output is shown as it comes and kept in
# target/test-<suite>.log; every suite runs even after another failed, and the run ends with one
# line per suite and the total, `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
require_everything
step_log test-steps.log

step "setup: Rust targets" scripts/setup.sh
for target in wasm32-unknown-unknown wasm32-wasip1; do
    step "build: the core, no_std, $target" \
        cargo build --release --lib --no-default-features --target "$target"
done
step "build: the Envoy filter, wasm32-unknown-unknown" \
    cargo build --release --target wasm32-unknown-unknown -p hookwall-envoy
# The tests run the wasip1 build, and the read-all reference filter beside it.
step "build: the Envoy filters the host tests run, wasm32-wasip1" \
    scripts/build-filter.sh -p hookwall-envoy-baseline
step "format: cargo fmt --check" cargo fmt --all -- --check
step "lints: cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings
step "setup: deployment schemas (Python and npm packages)" scripts/setup-deployment.sh
step "setup: OCSF schemas (Python packages)" scripts/setup-ocsf.sh

summaries=()
passed=0
failed=0

# suite NAME COMMAND…: runs a suite with its output shown and kept, then records its summary
# line: the tests passed and failed as cargo's and node's summaries count them, or fuzz.sh's
# targets; a suite that gives no count (the schema checks) counts as one test. A failing
# command whose output counts no failure (a build error) counts one.
suite() {
    local name=$1 start=$SECONDS status=0 log=target/test-${1// /-}.log p f
    shift
    echo "== $name"
    : >"$log"
    "$@" 2>&1 </dev/null | relay shown "$name" "$log" || status=${PIPESTATUS[0]}
    read -r p f < <(count_tests "$log")
    ((status == 0 || f > 0)) || f=1
    ((p + f > 0)) || p=1
    passed=$((passed + p)) failed=$((failed + f))
    summaries+=("$(printf '%-18s %5d passed, %d failed (%d s)' "$name" "$p" "$f" $((SECONDS - start)))")
}

# count_tests LOG: "PASSED FAILED" from cargo's "test result:" lines, node's spec reporter's
# "ℹ pass"/"ℹ fail" and fuzz.sh's ", no crash" lines.
count_tests() {
    awk '/^test result: / { for (i = 4; i < NF; i++) { if ($(i + 1) == "passed;") p += $i; if ($(i + 1) == "failed;") f += $i } }
         /^ℹ pass [0-9]+$/ { p += $3 }
         /^ℹ fail [0-9]+$/ { f += $3 }
         /, no crash$/ { p++ }
         END { print p + 0, f + 0 }' "$1"
}

# The OCSF output of every fixture, against the OCSF 1.5.0 schema.
ocsf() {
    rm -rf target/ocsf
    cargo run --quiet --example ocsf_dump -- target/ocsf
    .tools/ocsf-venv/bin/python tests/ocsf/validate.py target/ocsf
}

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
suite "scripts" node --test --test-reporter=spec tests/scripts/
suite "cargo tests" cargo test --workspace --quiet
suite "deployment files" .tools/deployment-venv/bin/python tests/deployment/validate.py
suite "OCSF" ocsf
suite "Worker" scripts/test-worker.sh
suite "fuzz" scripts/fuzz.sh 20

echo "== summary"
printf '%s\n' "${summaries[@]}"
echo "total: $passed passed, $failed failed"
((failed == 0))
