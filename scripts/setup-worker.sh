#!/usr/bin/env bash
# Installs everything the Worker's build, tests and benchmark need, pinned and idempotent: the
# wasm target, worker-build and wasm-bindgen (tools/wasm-bindgen) in the user's tool cache
# (scripts/lib.sh, tool_dir; not ~/.cargo/bin), and the Node tools of package-lock.json under
# node_modules.
# Checks the prerequisites first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# The cargo installs link OpenSSL (native-tls) and compile C; wrangler 4.86 needs Node 20.3.
require "$PREREQ_RUSTUP" "$PREREQ_CC" "$PREREQ_PKG_CONFIG" "$PREREQ_OPENSSL" "$PREREQ_NODE" "$PREREQ_NPM"

rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown

# cargo_tool NAME VERSION BINARY EXPECTED CARGO-INSTALL-ARGS…: installs into NAME-VERSION's
# tool_dir unless BINARY --version there already prints EXPECTED, and checks that it then does.
cargo_tool() {
    local name=$1 version=$2 root
    root=$(tool_dir "$1" "$2")
    local binary=$root/bin/$3 expected=$4
    shift 4
    [[ "$("$binary" --version 2>/dev/null)" == "$expected" ]] && return
    say "setup-worker: installing $name $version into $root (takes minutes, once per machine)"
    cargo install --quiet --root "$root" "$@"
    [[ "$("$binary" --version)" == "$expected" ]] ||
        { echo "setup-worker: $binary --version does not print $expected" >&2; exit 1; }
}
# worker-build has no features to turn off: ureq with native-tls (its downloads, which
# build-worker.sh's *_BIN variables make it skip) comes with it whatever the flags.
cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build "$WORKER_BUILD_VERSION" \
    --locked worker-build --version "=$WORKER_BUILD_VERSION"
# The wasm-bindgen command alone, not the wasm-bindgen-cli package and its test runner
# (tools/wasm-bindgen/README.md): its version must be Cargo.lock's wasm-bindgen, which the check
# after the install enforces. Built under target/, not in tools/.
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen "wasm-bindgen $WASM_BINDGEN_VERSION" \
    --locked --path tools/wasm-bindgen --target-dir target/tools/wasm-bindgen

# wrangler, miniflare (workerd), esbuild, binaryen (wasm-opt), autocannon: package-lock.json.
# package.json's allowScripts approves the tree's three install scripts (esbuild's and workerd's
# binary checks, sharp's prebuilt-binary check) by name: the lock file pins their versions.
if ! npm ls --depth=0 >/dev/null 2>&1; then
    npm ci --no-audit --no-fund
fi
