#!/usr/bin/env bash
# Installs the schema packages that validate the deployment files (tests/deployment/), pinned and
# idempotent: a Python venv in .tools/deployment-venv (tests/deployment/requirements.txt) and the
# npm packages of tests/deployment/package-lock.json. Skips what is already installed as pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/deployment-venv
requirements=tests/deployment/requirements.txt
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 --version 2>&1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        { echo "setup-deployment: envoy-data-plane needs Python 3.11 or later" >&2; exit 1; }
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    "$venv/bin/pip" check --disable-pip-version-check >/dev/null
    echo "$want" >"$stamp"
fi

# @kubernetes-models/istio (Istio's CRDs as validators) and its dependencies, from the lock file.
# (Its package.json asks for Node 22; it runs as well on Node 20, so npm's engine warning is quiet.)
lock=tests/deployment/package-lock.json
stamp=tests/deployment/node_modules/.package-lock.sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    (cd tests/deployment && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
