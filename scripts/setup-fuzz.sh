#!/usr/bin/env bash
# Installs what the fuzz targets need (docs/fuzzing.md), pinned and idempotent: a dated nightly
# (cargo-fuzz builds with sanitizer flags only nightly accepts) and cargo-fuzz, into the user's
# tool cache like the Worker's tools. Prints the nightly's name and cargo-fuzz's path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

FUZZ_NIGHTLY=nightly-2026-05-20
CARGO_FUZZ_VERSION=0.13.1

require "$PREREQ_RUSTUP" "$PREREQ_CC"

if ! rustup run "$FUZZ_NIGHTLY" rustc --version >/dev/null 2>&1; then
    say "setup-fuzz: installing $FUZZ_NIGHTLY (about 600 MB in ~/.rustup, once per machine)" >&2
    rustup toolchain install "$FUZZ_NIGHTLY" --profile minimal >&2
fi

root=$(tool_dir cargo-fuzz "$CARGO_FUZZ_VERSION")
if [[ "$("$root/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    say "setup-fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION into $root (takes minutes, once per machine)" >&2
    cargo install --locked --quiet --version "=$CARGO_FUZZ_VERSION" --root "$root" cargo-fuzz >&2
fi
echo "$FUZZ_NIGHTLY $root/bin/cargo-fuzz"
