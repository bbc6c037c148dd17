#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# tests/conformance/package.json) against an MCP server, in both protocol eras.
#
#   conformance.sh http://127.0.0.1:PORT/mcp          # the fixture server, already running
#   conformance.sh -- COMMAND [ARGS...]                # start the fixture COMMAND, test it, stop it
#   conformance.sh --real URL | --real -- COMMAND      # the real server (mcp-atlassian --sandbox)
#
# Fixture mode runs (1) the legacy active set of conformance 0.1.16 (30 scenarios, initialize
# handshake) and (2) conformance 0.2.0-alpha.12 with `--requirements 2026-07-28` (the stateless
# revision plus everything it requires) with tests/conformance/expected-failures-fixture-2026-07-28.yml.
# Real mode runs the scenarios in CONFORMANCE_REAL_SCENARIOS one by one with 0.2.0-alpha.12
# and tests/conformance/expected-failures-real-server.yml. Expected-failure files list only
# what is not applicable, each with its reason; an entry that starts passing fails the run.
#
# COMMAND must bind 127.0.0.1 and print `listening on http://127.0.0.1:PORT/mcp` (the
# conformance example) or `Streamable HTTP: http://127.0.0.1:PORT/mcp` (the --sandbox banner)
# on stdout once its socket is bound. It is stopped on exit. The dns-rebinding-protection
# scenario only passes against a localhost / 127.0.0.1 URL.
#
# Node 22 and the suites are installed once, quietly, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian (npm registry only; needs the machine's npm),
# with `npm ci` from tests/conformance/package-lock.json (or CONFORMANCE_NPM_DIR), so the MCP
# SDK client the suites use is pinned too.
# Prints one `conformance …: N passed, M failed` line per run and exits non-zero on any
# failure, on a legacy scenario count other than CONFORMANCE_EXPECTED_SCENARIOS (default 30),
# or when a suite cannot run.
#
# Environment: NODE_MAJOR (22), CONFORMANCE_TIMEOUT_SECS (300), CONFORMANCE_START_TIMEOUT_SECS
# (120: how long COMMAND may take to print its URL, which includes a cargo build),
# CONFORMANCE_EXPECTED_SCENARIOS (30; empty to skip the check), CONFORMANCE_REQUIREMENTS
# (2026-07-28), CONFORMANCE_REAL_SCENARIOS (the list below).
set -euo pipefail

NODE_MAJOR="${NODE_MAJOR:-22}"
CONFORMANCE_TIMEOUT_SECS="${CONFORMANCE_TIMEOUT_SECS:-300}"
CONFORMANCE_START_TIMEOUT_SECS="${CONFORMANCE_START_TIMEOUT_SECS:-120}"
CONFORMANCE_EXPECTED_SCENARIOS="${CONFORMANCE_EXPECTED_SCENARIOS-30}"
CONFORMANCE_REQUIREMENTS="${CONFORMANCE_REQUIREMENTS:-2026-07-28}"
CONFORMANCE_REAL_SCENARIOS="${CONFORMANCE_REAL_SCENARIOS:-server-initialize server-session-lifecycle ping tools-list server-stateless server-sse-multiple-streams dns-rebinding-protection http-header-validation sep-2164-resource-not-found}"
CONFORMANCE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian"
NODE_PREFIX="$CONFORMANCE_CACHE/node$NODE_MAJOR"
SUITE_PREFIX="$CONFORMANCE_CACHE/conformance"
NODE_BIN="$NODE_PREFIX/node_modules/node/bin/node"
SUITE_JS="$SUITE_PREFIX/node_modules/@modelcontextprotocol/conformance/dist/index.js"
LEGACY_JS="$SUITE_PREFIX/node_modules/conformance-legacy/dist/index.js"
CONFORMANCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/conformance" && pwd)"
CONFORMANCE_NPM_DIR="${CONFORMANCE_NPM_DIR:-$CONFORMANCE_DIR}"
FIXTURE_BASELINE="$CONFORMANCE_DIR/expected-failures-fixture-$CONFORMANCE_REQUIREMENTS.yml"
REAL_BASELINE="$CONFORMANCE_DIR/expected-failures-real-server.yml"

conformance_log() { printf 'conformance: %s\n' "$*" >&2; }

# Installs Node $NODE_MAJOR and the pinned suite unless they are already there.
conformance_install() {
    mkdir -p "$CONFORMANCE_CACHE"
    local log="$CONFORMANCE_CACHE/npm-install.log"
    if ! { [ -x "$NODE_BIN" ] && "$NODE_BIN" --version 2>/dev/null | grep -q "^v$NODE_MAJOR\."; }; then
        command -v npm >/dev/null || { conformance_log "npm is required to install node $NODE_MAJOR"; return 1; }
        conformance_log "installing node $NODE_MAJOR into $NODE_PREFIX"
        if ! npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error \
            "node@$NODE_MAJOR" >"$log" 2>&1; then
            cat "$log" >&2
            return 1
        fi
    fi
    local stamp="$SUITE_PREFIX/.installed-package-lock.json"
    if [ -f "$SUITE_JS" ] && [ -f "$LEGACY_JS" ] && cmp -s "$CONFORMANCE_NPM_DIR/package-lock.json" "$stamp"; then
        return 0
    fi
    conformance_log "installing the conformance suites from $CONFORMANCE_NPM_DIR into $SUITE_PREFIX"
    mkdir -p "$SUITE_PREFIX"
    cp "$CONFORMANCE_NPM_DIR/package.json" "$CONFORMANCE_NPM_DIR/package-lock.json" "$SUITE_PREFIX/"
    if ! PATH="$(dirname "$NODE_BIN"):$PATH" npm ci --prefix "$SUITE_PREFIX" --no-audit \
        --no-fund --loglevel=error >"$log" 2>&1; then
        cat "$log" >&2
        return 1
    fi
    cp "$CONFORMANCE_NPM_DIR/package-lock.json" "$stamp"
}

# Runs the legacy active set (0.1.16) against URL; prints the summary line; returns 0 only
# if every scenario passed.
conformance_run() {
    local url="$1" workdir output status=0
    workdir="$(mktemp -d)"
    output="$workdir/output.txt"
    # -o keeps each scenario's checks.json, the only place suite mode records why a check failed.
    (cd "$workdir" && timeout "$CONFORMANCE_TIMEOUT_SECS" \
        "$NODE_BIN" "$LEGACY_JS" server --url "$url" --suite active -o "$workdir/results") \
        >"$output" 2>&1 || status=$?

    local passed failed total
    passed="$(sed -n '/=== SUMMARY ===/,$p' "$output" | grep -c '^✓ ' || true)"
    failed="$(sed -n '/=== SUMMARY ===/,$p' "$output" | grep -c '^✗ ' || true)"
    total=$((passed + failed))

    local ok=1
    if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; then
        ok=0
    fi
    if [ -n "$CONFORMANCE_EXPECTED_SCENARIOS" ] && [ "$total" -ne "$CONFORMANCE_EXPECTED_SCENARIOS" ]; then
        conformance_log "expected $CONFORMANCE_EXPECTED_SCENARIOS scenarios, the suite ran $total"
        ok=0
    fi
    if [ "$ok" -ne 1 ]; then
        if [ "$total" -eq 0 ]; then
            tail -n 50 "$output" >&2
        else
            sed -n '/=== SUMMARY ===/,$p' "$output" | grep '^✗ ' >&2 || true
            conformance_failed_checks "$workdir/results" >&2 || true
        fi
        [ "$status" -eq 124 ] && conformance_log "the suite timed out after ${CONFORMANCE_TIMEOUT_SECS}s"
        conformance_log "full output kept in $output"
    else
        rm -rf "$workdir"
    fi
    echo "conformance 0.1.16 (legacy active set): $passed passed, $failed failed"
    [ "$ok" -eq 1 ]
}

# One run of the pinned 0.2.0 suite with ARGS and the expected-failures file BASELINE;
# passes iff the suite exits 0 (no unexpected failure, no stale baseline entry). Prints the
# summary line as LABEL; keeps the output and the failed checks' reasons on failure.
conformance_run_new() {
    local label="$1" baseline="$2" workdir output status=0
    shift 2
    workdir="$(mktemp -d)"
    output="$workdir/output.txt"
    (cd "$workdir" && timeout "$CONFORMANCE_TIMEOUT_SECS" \
        "$NODE_BIN" "$SUITE_JS" server "$@" --expected-failures "$baseline" -o "$workdir/results") \
        >"$output" 2>&1 || status=$?
    local passed failed unit=scenarios line
    if grep -q '=== SUMMARY ===' "$output"; then
        passed="$(sed -n '/=== SUMMARY ===/,$p' "$output" | grep -c '^✓ ' || true)"
        failed="$(sed -n '/=== SUMMARY ===/,$p' "$output" | grep -c '^✗ ' || true)"
    else
        # One scenario prints `Passed: P/T, F failed, W warnings` (counting checks).
        unit=checks
        line="$(sed 's/\x1b\[[0-9;]*m//g' "$output" | grep -m1 '^Passed: ' || true)"
        passed="$(printf '%s' "$line" | sed -n 's/^Passed: \([0-9]*\)\/.*/\1/p')"
        failed="$(printf '%s' "$line" | sed -n 's/^Passed: [0-9]*\/[0-9]*, \([0-9]*\) failed.*/\1/p')"
        passed="${passed:-0}" failed="${failed:-0}"
    fi
    if [ "$failed" -eq 0 ]; then
        echo "conformance $label: $passed $unit passed, 0 failed"
    elif [ "$status" -eq 0 ] && ! grep -q '^ *- ' "$baseline"; then
        echo "conformance $label: $passed $unit passed, $failed failed (extension or pending scenarios the revision does not score; $(basename "$baseline") lists nothing)"
    elif [ "$status" -eq 0 ]; then
        echo "conformance $label: $passed $unit passed, $failed failed (expected in $(basename "$baseline"), or not scored for the revision)"
    else
        echo "conformance $label: $passed $unit passed, $failed failed, not all as $(basename "$baseline") expects"
    fi
    if [ "$status" -ne 0 ] || [ $((passed + failed)) -eq 0 ]; then
        [ "$status" -ne 0 ] || conformance_log "the suite ran no $unit"
        sed -n '/Unexpected failures\|Stale\|stale/,$p' "$output" | sed 's/\x1b\[[0-9;]*m//g' >&2
        conformance_failed_checks "$workdir/results" >&2 || true
        [ "$status" -eq 124 ] && conformance_log "the suite timed out after ${CONFORMANCE_TIMEOUT_SECS}s"
        conformance_log "full output kept in $output"
        return 1
    fi
    rm -rf "$workdir"
}

# The fixture server at URL: the legacy set, then what the 2026-07-28 revision requires.
conformance_run_fixture() {
    local url="$1" status=0
    conformance_run "$url" || status=1
    conformance_run_new "$CONFORMANCE_REQUIREMENTS (--requirements)" "$FIXTURE_BASELINE" \
        --url "$url" --requirements "$CONFORMANCE_REQUIREMENTS" || status=1
    return "$status"
}

# The real server at URL: each scenario of CONFORMANCE_REAL_SCENARIOS.
conformance_run_real() {
    local url="$1" scenario status=0
    for scenario in $CONFORMANCE_REAL_SCENARIOS; do
        conformance_run_new "real server, $scenario" "$REAL_BASELINE" \
            --url "$url" --scenario "$scenario" || status=1
    done
    return "$status"
}

# Prints `scenario: check: reason` for every failed check under the suite's -o directory.
conformance_failed_checks() {
    # shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
    "$NODE_BIN" -e '
const fs = require("fs"), path = require("path");
const dir = process.argv[1];
for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
  let checks;
  try { checks = JSON.parse(fs.readFileSync(path.join(dir, entry, "checks.json"), "utf8")); }
  catch { continue; }
  for (const check of checks) {
    if (check.status === "FAILURE") {
      console.log(`  ${entry}: ${check.id}: ${check.errorMessage || check.description}`);
    }
  }
}' "$1"
}

# Starts "$@" in the background, waits (with a deadline, no fixed sleeps) for its
# `listening on URL` line and sets CONFORMANCE_SERVER_URL and CONFORMANCE_SERVER_PID.
conformance_start_server() {
    local log deadline url=""
    log="$(mktemp)"
    CONFORMANCE_SERVER_LOG="$log"
    "$@" >"$log" 2>"$log.err" &
    CONFORMANCE_SERVER_PID=$!
    deadline=$((SECONDS + CONFORMANCE_START_TIMEOUT_SECS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        url="$(sed -n 's/^\(listening on\|  Streamable HTTP:\) \(http:\/\/127\.0\.0\.1:[0-9]*\/[^ ]*\)$/\2/p' "$log" | head -n 1)"
        [ -n "$url" ] && break
        if ! kill -0 "$CONFORMANCE_SERVER_PID" 2>/dev/null; then
            conformance_log "server exited before it was ready"
            tail -n 30 "$log.err" >&2
            return 1
        fi
        sleep 0.1 # poll interval; readiness is the URL line above, bounded by the deadline
    done
    if [ -z "$url" ]; then
        conformance_log "server did not print 'listening on http://127.0.0.1:PORT/...' within ${CONFORMANCE_START_TIMEOUT_SECS}s"
        tail -n 30 "$log.err" >&2
        return 1
    fi
    CONFORMANCE_SERVER_URL="$url"
}

conformance_stop_server() {
    if [ -n "${CONFORMANCE_SERVER_PID:-}" ] && kill -0 "$CONFORMANCE_SERVER_PID" 2>/dev/null; then
        kill "$CONFORMANCE_SERVER_PID" 2>/dev/null || true
        wait "$CONFORMANCE_SERVER_PID" 2>/dev/null || true
    fi
    CONFORMANCE_SERVER_PID=""
    if [ -n "${CONFORMANCE_SERVER_LOG:-}" ]; then
        rm -f "$CONFORMANCE_SERVER_LOG" "$CONFORMANCE_SERVER_LOG.err"
    fi
}

conformance_main() {
    local run=conformance_run_fixture
    if [ "${1:-}" = "--real" ]; then
        run=conformance_run_real
        shift
    fi
    if [ "$#" -eq 0 ]; then
        sed -n '2,9p' "$0" >&2
        return 2
    fi
    conformance_install
    if [ "$1" = "--" ]; then
        shift
        [ "$#" -gt 0 ] || { conformance_log "no server command after --"; return 2; }
        trap conformance_stop_server EXIT
        trap 'exit 130' INT TERM
        conformance_start_server "$@"
        "$run" "$CONFORMANCE_SERVER_URL"
    else
        "$run" "$1"
    fi
}

# Sourcing the file (e.g. from scripts/test.sh) only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    conformance_main "$@"
fi
