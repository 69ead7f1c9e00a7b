#!/usr/bin/env bash
# Installs pydantic-ocsf (the official OCSF schemas with validating models), pinned and idempotent,
# into a Python venv in .tools/ocsf-venv (tests/ocsf/requirements.txt), for tests/ocsf/validate.py.
# Skips the install when the venv already holds exactly those pins for this Python.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/ocsf-venv
requirements=tests/ocsf/requirements.txt
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 --version 2>&1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        { echo "setup-ocsf: pydantic-ocsf needs Python 3.9 or later" >&2; exit 1; }
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    "$venv/bin/pip" check --disable-pip-version-check >/dev/null
    echo "$want" >"$stamp"
fi
