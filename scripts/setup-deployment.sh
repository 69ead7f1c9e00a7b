#!/usr/bin/env bash
# Installs the schema packages that validate the deployment files (tests/deployment/), pinned and
# idempotent: a Python venv in .tools/deployment-venv (tests/deployment/requirements.txt) and the
# npm packages of tests/deployment/package-lock.json. Skips what is already installed as pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib.sh

# envoy-data-plane needs Python 3.11.
python_venv .tools/deployment-venv tests/deployment/requirements.txt 11

# @kubernetes-models/istio (Istio's CRDs as validators) and its dependencies, from the lock file.
# (Its package.json asks for Node 22; it runs as well on Node 20, so npm's engine warning is quiet.)
lock=tests/deployment/package-lock.json
stamp=tests/deployment/node_modules/.package-lock.sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    (cd tests/deployment && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
