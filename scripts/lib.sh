# Shared by the setup and demo scripts (sourced, not run): prerequisite checks and quiet steps.

# require LABEL=CHECK…: runs each CHECK (a shell condition) and, if any fails, names every
# missing LABEL on one line and exits; the README's "Prerequisites" says how to get each.
require() {
    local missing=() pair
    for pair in "$@"; do
        eval "${pair#*=}" >/dev/null 2>&1 || missing+=("${pair%%=*}")
    done
    if ((${#missing[@]})); then
        local list
        list=$(printf ', %s' "${missing[@]}")
        echo "$(basename "$0"): missing prerequisites: ${list:2} (see README.md, Prerequisites)" >&2
        exit 1
    fi
}

# The Rust tools the Worker's build runs, pinned. wasm-bindgen-cli must equal the wasm-bindgen
# crate in Cargo.lock.
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print}' \
    "$(dirname "${BASH_SOURCE[0]}")/../Cargo.lock")

# tool_dir CRATE VERSION: where a pinned cargo tool is installed: a folder per crate and version
# in the user's cache ($HOOKWALL_TOOLS, else ~/.cache/hookwall/tools), outside any checkout, so
# that it is built once per machine and every clone (CI's among them) reuses it, and never on
# PATH, so it shadows nothing.
tool_dir() {
    echo "${HOOKWALL_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hookwall/tools}/$1-$2"
}

# python_venv DIR REQUIREMENTS MINOR: a venv in DIR holding exactly REQUIREMENTS (pinned, no
# dependency resolution: the file lists every package), made with a Python 3.MINOR or later;
# rebuilt only when the pins or the Python change.
python_venv() {
    local venv=$1 requirements=$2 minor=$3
    local stamp="$venv/.requirements.sha256"
    local want
    want="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 --version 2>&1)"
    [[ -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && return
    python3 -c "import sys; sys.exit(sys.version_info < (3, $minor))" ||
        { echo "$(basename "$0"): $requirements needs Python 3.$minor or later" >&2; exit 1; }
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    "$venv/bin/pip" check --disable-pip-version-check >/dev/null
    echo "$want" >"$stamp"
}

# A Node.js at least $1 (major.minor.patch).
node_at_least() {
    node -e 'const [have, want] = [process.versions.node, process.argv[1]].map(v => v.split(".").map(Number));
             process.exit((have[0] - want[0] || have[1] - want[1] || have[2] - want[2]) < 0 ? 1 : 0)' "$1"
}

# step TITLE COMMAND…: runs COMMAND with its output appended to $STEP_LOG, prints TITLE and the
# time it took on one line; on failure prints the log's tail and exits with COMMAND's status.
step() {
    local title=$1 start=$SECONDS status=0
    shift
    printf '%-60s' "$title"
    echo "== $title: $*" >>"$STEP_LOG"
    "$@" >>"$STEP_LOG" 2>&1 || status=$?
    if ((status)); then
        echo " failed after $((SECONDS - start)) s; the end of $STEP_LOG:"
        tail -n 40 "$STEP_LOG"
        exit "$status"
    fi
    echo " $((SECONDS - start)) s"
}
