#!/usr/bin/env bash
# Installs pydantic-ocsf (the official OCSF schemas with validating models), pinned and idempotent,
# into a Python venv in .tools/ocsf-venv (tests/ocsf/requirements.txt), for tests/ocsf/validate.py.
# Skips the install when the venv already holds exactly those pins for this Python.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib.sh

python_venv .tools/ocsf-venv tests/ocsf/requirements.txt 9
