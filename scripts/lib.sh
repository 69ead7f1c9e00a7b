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

# Every prerequisite, as `require` takes them: what it is and the Debian package that gives it,
# then the check. README.md, "Prerequisites", says what needs each.
PREREQ_RUSTUP="rustup with cargo (https://rustup.rs)=command -v rustup && command -v cargo"
PREREQ_CC="cc and c++ (Debian: build-essential)=command -v cc && command -v c++"
PREREQ_PKG_CONFIG="pkg-config (Debian: pkg-config)=command -v pkg-config"
PREREQ_OPENSSL="the OpenSSL headers (Debian: libssl-dev)=pkg-config --exists openssl"
PREREQ_NODE="Node.js 20.3 or later (Debian: nodejs)=node_at_least 20.3.0"
PREREQ_NPM="npm (Debian: npm)=command -v npm"
PREREQ_PYTHON="Python 3.11 or later (Debian: python3)=python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'"
PREREQ_VENV="Python's venv (Debian: python3-venv)=python3 -c 'import ensurepip, venv'"

# require_everything: what scripts/demo.sh and scripts/test.sh need between them, checked before
# either builds anything, so that a missing tool is named in the first second, not after minutes.
require_everything() {
    require "$PREREQ_RUSTUP" "$PREREQ_CC" "$PREREQ_PKG_CONFIG" "$PREREQ_OPENSSL" \
        "$PREREQ_NODE" "$PREREQ_NPM" "$PREREQ_PYTHON" "$PREREQ_VENV"
}

# The Rust tools the Worker's build runs, pinned. The wasm-bindgen command (tools/wasm-bindgen)
# must equal the wasm-bindgen crate in Cargo.lock.
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

# step_log NAME: the steps' output goes to target/NAME from now on, emptied first.
step_log() {
    mkdir -p target
    export STEP_LOG=$PWD/target/$1
    : >"$STEP_LOG"
}

# step TITLE COMMAND…: runs COMMAND with its output appended to $STEP_LOG and prints TITLE and
# the time it took on one line. A long step is never silent: every 25 s a line says how long it
# has run and what it is doing (the log's last line), and a line COMMAND prints starting with
# "==> " (say) is shown at once; the time then goes on a line of its own. On failure prints the
# log's tail and exits with COMMAND's status.
step() {
    local title=$1 start=$SECONDS status=0
    shift
    printf '%-60s' "$title"
    echo "== $title: $*" >>"$STEP_LOG"
    "$@" 2>&1 </dev/null | relay quiet "$title" "$STEP_LOG" || status=${PIPESTATUS[0]}
    if ((status)); then
        echo " failed after $((SECONDS - start)) s; the end of $STEP_LOG:"
        tail -n 40 "$STEP_LOG"
        exit "$status"
    fi
    echo " $((SECONDS - start)) s"
}

# say TEXT: a line a quiet step shows on the screen (a wait of minutes the user should know of).
say() {
    echo "==> $*"
}

# The longest the screen stays silent while a step or a suite runs, in seconds.
HEARTBEAT_SECONDS=25

# relay quiet|shown TITLE LOG: reads a command's output and appends it to LOG; `shown` also
# shows it as it comes, `quiet` only its `say` lines. Whenever HEARTBEAT_SECONDS pass with
# nothing new on the screen, one line says how long TITLE has run (quiet: and the log's last
# line). A quiet relay that spoke ends on a blank line padded as step's title, for its time.
relay() {
    local mode=$1 title=$2 log=$3 start=$SECONDS said=$SECONDS spoke=0 line="" pending="" last=""
    while :; do
        if IFS= read -r -t 1 line; then
            line=$pending$line pending=""
            printf '%s\n' "$line" >>"$log"
            last=$line
            if [[ $mode == shown ]]; then
                printf '%s\n' "$line"
                said=$SECONDS
            elif [[ $line == '==> '* ]]; then
                printf '\n  %s' "${line#==> }"
                said=$SECONDS spoke=1
            fi
        elif (($? > 128)); then
            pending+=$line # a timeout keeps the part of a line read so far
        else
            [[ -z $pending$line ]] || printf '%s\n' "$pending$line" >>"$log"
            break
        fi
        ((SECONDS - said < HEARTBEAT_SECONDS)) && continue
        said=$SECONDS
        if [[ $mode == shown ]]; then
            echo "  … $title: $((SECONDS - start)) s so far"
        else
            last=${last//[[:cntrl:]]/}
            last=${last#"${last%%[![:space:]]*}"}
            printf '\n  … %d s so far: %s' $((SECONDS - start)) "${last:0:80}"
            spoke=1
        fi
    done
    ((spoke == 0)) || printf '\n%-60s' ''
}
