#!/usr/bin/env bash
# Runs the active server scenarios of the official MCP conformance suite
# (@modelcontextprotocol/conformance, pinned below) against an MCP server.
#
#   conformance.sh http://127.0.0.1:PORT/mcp     # a server that is already running
#   conformance.sh -- COMMAND [ARGS...]           # start COMMAND, test it, stop it
#
# COMMAND must bind 127.0.0.1 and print one line `listening on http://127.0.0.1:PORT/mcp`
# on stdout once its socket is bound (the conformance example does). It is stopped on exit.
# The dns-rebinding-protection scenario only passes against a localhost / 127.0.0.1 URL.
#
# Node 22 and the suite are installed once, quietly, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian (npm registry only; needs the machine's npm).
# Prints `conformance: N passed, M failed` (scenarios) and exits non-zero on any failure,
# on a scenario count other than CONFORMANCE_EXPECTED_SCENARIOS (default 30), or when the
# suite cannot run.
#
# With CONFORMANCE_NPM_DIR (default: tests/conformance/, if it has a package-lock.json)
# the suite is installed with `npm ci` from that package.json + package-lock.json, so the
# MCP SDK client the suite uses is pinned too; without it, only the suite version is pinned.
#
# Environment: CONFORMANCE_VERSION (0.1.16), NODE_MAJOR (22), CONFORMANCE_TIMEOUT_SECS (300),
# CONFORMANCE_START_TIMEOUT_SECS (120: how long COMMAND may take to print its URL, which
# includes a cargo build), CONFORMANCE_EXPECTED_SCENARIOS (30; empty to skip the check).
set -euo pipefail

CONFORMANCE_VERSION="${CONFORMANCE_VERSION:-0.1.16}"
NODE_MAJOR="${NODE_MAJOR:-22}"
CONFORMANCE_TIMEOUT_SECS="${CONFORMANCE_TIMEOUT_SECS:-300}"
CONFORMANCE_START_TIMEOUT_SECS="${CONFORMANCE_START_TIMEOUT_SECS:-120}"
CONFORMANCE_EXPECTED_SCENARIOS="${CONFORMANCE_EXPECTED_SCENARIOS-30}"
CONFORMANCE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian"
NODE_PREFIX="$CONFORMANCE_CACHE/node$NODE_MAJOR"
SUITE_PREFIX="$CONFORMANCE_CACHE/conformance"
NODE_BIN="$NODE_PREFIX/node_modules/node/bin/node"
SUITE_JS="$SUITE_PREFIX/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ -z "${CONFORMANCE_NPM_DIR:-}" ] && [ -f "$(dirname "${BASH_SOURCE[0]}")/../tests/conformance/package-lock.json" ]; then
    CONFORMANCE_NPM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/conformance" && pwd)"
fi

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
    if [ -n "${CONFORMANCE_NPM_DIR:-}" ]; then
        local stamp="$SUITE_PREFIX/.installed-package-lock.json"
        if [ -f "$SUITE_JS" ] && cmp -s "$CONFORMANCE_NPM_DIR/package-lock.json" "$stamp"; then
            return 0
        fi
        conformance_log "installing the conformance suite from $CONFORMANCE_NPM_DIR into $SUITE_PREFIX"
        mkdir -p "$SUITE_PREFIX"
        cp "$CONFORMANCE_NPM_DIR/package.json" "$CONFORMANCE_NPM_DIR/package-lock.json" "$SUITE_PREFIX/"
        if ! PATH="$(dirname "$NODE_BIN"):$PATH" npm ci --prefix "$SUITE_PREFIX" --no-audit \
            --no-fund --loglevel=error >"$log" 2>&1; then
            cat "$log" >&2
            return 1
        fi
        cp "$CONFORMANCE_NPM_DIR/package-lock.json" "$stamp"
        return 0
    fi
    local installed=""
    if [ -f "$SUITE_PREFIX/node_modules/@modelcontextprotocol/conformance/package.json" ]; then
        installed="$("$NODE_BIN" -p "require('$SUITE_PREFIX/node_modules/@modelcontextprotocol/conformance/package.json').version" 2>/dev/null || true)"
    fi
    if [ "$installed" != "$CONFORMANCE_VERSION" ]; then
        conformance_log "installing @modelcontextprotocol/conformance@$CONFORMANCE_VERSION into $SUITE_PREFIX"
        if ! PATH="$(dirname "$NODE_BIN"):$PATH" npm install --prefix "$SUITE_PREFIX" --no-audit \
            --no-fund --loglevel=error "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
            >"$log" 2>&1; then
            cat "$log" >&2
            return 1
        fi
    fi
}

# Runs the active server scenarios against URL; prints the summary line; returns 0 only
# if every scenario passed.
conformance_run() {
    local url="$1" workdir output status=0
    workdir="$(mktemp -d)"
    output="$workdir/output.txt"
    # -o keeps each scenario's checks.json, the only place suite mode records why a check failed.
    (cd "$workdir" && timeout "$CONFORMANCE_TIMEOUT_SECS" \
        "$NODE_BIN" "$SUITE_JS" server --url "$url" --suite active -o "$workdir/results") \
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
    echo "conformance: $passed passed, $failed failed"
    [ "$ok" -eq 1 ]
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
        url="$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\/[^ ]*\)$/\1/p' "$log" | head -n 1)"
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
        conformance_run "$CONFORMANCE_SERVER_URL"
    else
        conformance_run "$1"
    fi
}

# Sourcing the file (e.g. from scripts/test.sh) only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    conformance_main "$@"
fi
