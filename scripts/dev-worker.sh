#!/usr/bin/env bash
# The Worker on this machine in one command: installs the Worker's tools if needed and builds it,
# then runs the loopback receiver (tests/worker/receiver.mjs, one line per delivery) and
# `wrangler dev` (workerd with local bindings, no telemetry, no outside connection) with the
# secrets of .dev.vars, copied from .dev.vars.example when there is none. Prints where to send
# what; Ctrl-C stops both, workerd included.
# PORT (default 8787) and RECEIVER_PORT (8788, the port .dev.vars.example's URLs name) set the
# ports; arguments go to `wrangler dev` (e.g. --env-file FILE instead of .dev.vars).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
step_log dev-worker.log
port=${PORT:-8787}
receiver_port=${RECEIVER_PORT:-8788}

step "setup: Worker tools (minutes on the first run)" scripts/setup-worker.sh
step "build: the Worker (worker-build)" scripts/build-worker.sh worker
if [[ ! -e .dev.vars && " $* " != *" --env-file "* ]]; then
    cp .dev.vars.example .dev.vars
    echo "made .dev.vars from .dev.vars.example (git ignores it)"
fi

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
jobs_started=()
stop() {
    local pid
    for pid in ${jobs_started[@]+"${jobs_started[@]}"}; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for pid in ${jobs_started[@]+"${jobs_started[@]}"}; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop EXIT
trap 'exit 130' INT TERM

# Each of the two in a process group of its own (job control on while they start), so that
# stopping one stops whatever it started (wrangler's workerd), and so that Ctrl-C reaches this
# script and its foreground commands alone: the trap then stops both.
set -m
PORT=$receiver_port node tests/worker/receiver.mjs &
jobs_started+=($!)
node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port" "$@" </dev/null &
wrangler=$!
jobs_started+=("$wrangler")
set +m

worker=http://127.0.0.1:$port
# workerd answers /healthz once the Worker is loaded; wrangler builds it again first.
until node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
                 .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$worker/healthz"; do
    kill -0 "$wrangler" 2>/dev/null || { echo "dev-worker: wrangler dev stopped" >&2; exit 1; }
    sleep 1
done

json='-H "Content-Type: application/json" --data-binary'
cat <<EOF

The Worker serves $worker (wrangler dev, workerd; secrets from .dev.vars), and the receiver on
http://127.0.0.1:$receiver_port prints one line per delivery: /services/collector/raw (OCSF, every
event), /slack (critical and high) and /crowdsec (CrowdSec's, as the bare event). Send a fixture
as each provider would (the credentials of .dev.vars.example):
  curl -i -H "Authorization: Bearer dev-crowdsec-token" $json @fixtures/crowdsec/alert_triggered.json $worker/hooks/crowdsec
  curl -i $json @fixtures/cloud66/server.stopped.json "$worker/hooks/cloud66?token=dev-cloud66-token"
  curl -i -u sectigo:dev-sectigo-password $json @fixtures/sectigo/website_malware_issue_found.json $worker/hooks/sectigo
The operator console is $worker/_hookwall/: sign in with the admin token dev-admin-token
(.dev.vars.example holds its SHA-256). The same ledger from the CLI:
  HOOKWALL_ADMIN_TOKEN=dev-admin-token target/release/hookwall events list --worker $worker
Ctrl-C stops the Worker and the receiver.
EOF
wait "$wrangler"
