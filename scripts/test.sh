#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need (idempotently, quietly,
# under ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian), then runs formatting and lint checks,
# the Rust tests, the official Python SDK client tests against the built binary, and the
# official MCP conformance suite against the conformance server. Any failure exits non-zero.
#
# Usage: scripts/test.sh            (from anywhere; no arguments)
# Environment: CARGO_TARGET_DIR (default: a cache directory outside the clone, reused between runs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$CACHE"

passed=0
failed=0
failures=()
stage() {
    local name="$1"
    shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "!!! $name failed" >&2
    fi
}

# --- installs -----------------------------------------------------------------------------
VENV="$CACHE/venv"
install_python() {
    local req="$ROOT/tests/python/requirements.txt"
    local stamp="$VENV/.requirements.sha256"
    local want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    echo "installing Python test dependencies into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
}
install_python

# Debian packages the checks use; installed once (CI runs as root on Debian). The package's
# own service is not used: tests start redis-server themselves on ports they choose.
install_debian() {
    local missing=()
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    # The shared rate-limit test starts its own redis-server on a loopback port.
    command -v redis-server >/dev/null || missing+=(redis-server)
    # promtool (in the prometheus package) checks the /metrics scrape in tests/api/metrics.rs.
    command -v promtool >/dev/null || missing+=(prometheus)
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "run as root or install them yourself: apt-get install ${missing[*]}" >&2
        return 1
    fi
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
install_debian

# --- checks -------------------------------------------------------------------------------
stage "shellcheck" shellcheck scripts/*.sh .ci/run
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy" cargo clippy --locked --all-targets -- -D warnings
stage "cargo test" cargo test --locked --all-targets

BIN="$CARGO_TARGET_DIR/debug/mcp-atlassian"
VERSION="$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')"
python_clients() {
    cargo build --locked --quiet --bin mcp-atlassian &&
        MCP_ATLASSIAN_BIN="$BIN" MCP_ATLASSIAN_VERSION="$VERSION" \
            "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/python"
}
stage "python sdk clients" python_clients

conformance() {
    cargo build --locked --quiet --example conformance_server &&
        "$ROOT/scripts/conformance.sh" -- "$CARGO_TARGET_DIR/debug/examples/conformance_server"
}
stage "mcp conformance suite" conformance

echo
if [ "$failed" -gt 0 ]; then
    echo "failed stages: ${failures[*]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
