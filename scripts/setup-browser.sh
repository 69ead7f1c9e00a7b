#!/usr/bin/env bash
# Installs the browser the console's tests drive: Debian's chromium, when no Chromium is found
# (CHROMIUM_PATH names another). puppeteer-core (package-lock.json) drives it; its own browser
# download is never used. Needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

[[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] && exit 0
require "apt-get (Debian or Ubuntu), or CHROMIUM_PATH=command -v apt-get"
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
say "installing Debian's chromium for the console's browser tests (a minute or two, once)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
