#!/usr/bin/env bash
# Installs everything the Worker's build, tests and benchmark need, pinned and idempotent: the
# wasm target, worker-build and wasm-bindgen-cli in the user's tool cache (scripts/lib.sh,
# tool_dir; not ~/.cargo/bin), and the Node tools of package-lock.json under node_modules.
# Checks the prerequisites first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The cargo installs link OpenSSL (native-tls) and compile C; wrangler 4.86 needs Node 20.3.
require "$PREREQ_RUSTUP" "$PREREQ_CC" "$PREREQ_PKG_CONFIG" "$PREREQ_OPENSSL" "$PREREQ_NODE" "$PREREQ_NPM"

rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown

# cargo_tool CRATE VERSION BINARY EXPECTED [cargo install flags…]: installs CRATE at exactly
# VERSION into its tool_dir unless BINARY --version there already prints EXPECTED.
cargo_tool() {
    local crate=$1 version=$2 root
    root=$(tool_dir "$1" "$2")
    local binary=$root/bin/$3 expected=$4
    shift 4
    [[ "$("$binary" --version 2>/dev/null)" == "$expected" ]] && return
    say "setup-worker: installing $crate $version into $root (takes minutes, once per machine)"
    cargo install --quiet --root "$root" "$@" "$crate" --version "=$version"
}
cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build "$WORKER_BUILD_VERSION" --locked
# Not --locked: wasm-bindgen-cli's published lock file pins webpki-roots 1.0.11, which the
# crates.io index does not offer, so cargo resolves its dependencies afresh (same crate version). Its
# only future-incompatibility note is for buf_redux and multipart, which serve the HTTP server of
# wasm-bindgen-test-runner, a tool hookwall never runs: the note is silenced as harmless.
CARGO_FUTURE_INCOMPAT_REPORT_FREQUENCY=never \
    cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen "wasm-bindgen $WASM_BINDGEN_VERSION"

# wrangler, miniflare (workerd), esbuild, binaryen (wasm-opt), autocannon: package-lock.json.
# package.json's allowScripts approves the tree's three install scripts (esbuild's and workerd's
# binary checks, sharp's prebuilt-binary check) by name: the lock file pins their versions.
if ! npm ls --depth=0 >/dev/null 2>&1; then
    npm ci --no-audit --no-fund
fi
