#!/usr/bin/env bash
# fuzz.sh SECONDS [TARGET…] [-- LIBFUZZER_FLAG…]: builds the fuzz targets (all by default), seeds
# their corpora and runs each for SECONDS, or until a flag such as -runs=10000000 ends it first;
# fails on the first crash, leaving the input in fuzz/artifacts/TARGET/.
# The corpora in fuzz/corpus/ are not committed: seeded here from fixtures/ and
# examples/policy.json, they keep what libFuzzer adds, run after run, on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! "${1:-}" =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh SECONDS [TARGET…] [-- LIBFUZZER_FLAG…]" >&2
    exit 2
fi
seconds=$1
shift
read -r nightly cargo_fuzz < <(scripts/setup-fuzz.sh)
export RUSTUP_TOOLCHAIN=$nightly
targets=()
while (($#)) && [[ $1 != -- ]]; do
    targets+=("$1")
    shift
done
(($#)) && shift
flags=("$@")
((${#targets[@]})) || mapfile -t targets < <("$cargo_fuzz" list --fuzz-dir fuzz)

# classify's first byte picks the provider hint (0 none, 1 CrowdSec, 2 Cloud66, 3 Sectigo):
# every fixture under every hint. The request targets take structured input (`arbitrary`),
# which no file here is, so they start from nothing.
mkdir -p fuzz/corpus/{classify,policy_config,request_head,decision_sequence}
for fixture in fixtures/*/*.json; do
    name=${fixture#fixtures/}
    for hint in 0 1 2 3; do
        { printf "\\x0$hint"; cat "$fixture"; } >"fuzz/corpus/classify/$hint-${name//\//-}"
    done
done
cp examples/policy.json fuzz/corpus/policy_config/example-policy.json

mkdir -p fuzz/logs
echo "fuzz: building the targets (minutes on the first run; output in fuzz/logs/build.log)"
"$cargo_fuzz" build --fuzz-dir fuzz >fuzz/logs/build.log 2>&1 ||
    { tail -n 40 fuzz/logs/build.log; exit 1; }
for target in "${targets[@]}"; do
    log=fuzz/logs/$target.log
    if ! "$cargo_fuzz" run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=30 -print_final_stats=1 ${flags[@]+"${flags[@]}"} >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/, the log in $log" >&2
        exit 1
    fi
    runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
    rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")
    took=$(awk '/^Done [0-9]+ runs in/ {print $5}' "$log")
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
    echo "$target: $runs executions in ${took:-$seconds} s ($rate/s), $coverage, no crash"
done
