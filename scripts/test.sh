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

# The Python MCP SDK 1.x generation of clients (LangChain's MCP adapters, FastMCP 2) cannot
# share the venv above (mcp 2.x, google-adk's pins): their own venv, same stamp rule.
VENV_MCP1="$CACHE/venv-mcp1"
install_python_mcp1() {
    local req="$ROOT/tests/clients/mcp1/requirements.txt"
    local stamp="$VENV_MCP1/.requirements.sha256"
    local want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -x "$VENV_MCP1/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    echo "installing the MCP SDK 1.x client test dependencies into $VENV_MCP1"
    python3 -m venv "$VENV_MCP1"
    "$VENV_MCP1/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
}
install_python_mcp1

# Debian packages the checks use; installed once (CI runs as root on Debian). The package's
# own service is not used: tests start redis-server themselves on ports they choose.
install_debian() {
    local missing=()
    command -v shellcheck >/dev/null || missing+=(shellcheck)
    # The shared rate-limit test starts its own redis-server on a loopback port.
    command -v redis-server >/dev/null || missing+=(redis-server)
    # promtool (prometheus): the /metrics scrape check, alert rules, the live Prometheus test.
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
    python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
    # `docker-compose config` validates docker-compose.yml (no daemon needed).
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    # The deployment drill runs its own nginx (its own nginx.conf, temp prefix, loopback ports).
    [ -x /usr/sbin/nginx ] || missing+=(nginx)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v setpriv >/dev/null || missing+=(util-linux)
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "run as root or install them yourself: apt-get install ${missing[*]}" >&2
        return 1
    fi
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    # The packages' own services are not used; a system Prometheus would hold port 9090,
    # the server's default metrics port.
    if command -v systemctl >/dev/null; then
        systemctl disable --now prometheus prometheus-alertmanager nginx >/dev/null 2>&1 || true
    fi
    # Without systemd the package may have started nginx on port 80 through its init script.
    if command -v service >/dev/null && [ -f /run/nginx.pid ]; then
        service nginx stop >/dev/null 2>&1 || true
    fi
}
install_debian

# Node 22 and the pinned npm clients of tests/clients (mcp-remote, the MCP Inspector CLI, dclint),
# installed like the conformance suite: `npm ci` from the committed lock file, once per lock.
NODE22="$CACHE/node22/node_modules/node/bin/node"
CLIENTS="$CACHE/clients"
install_node_clients() {
    local log="$CACHE/clients-npm-install.log"
    if ! { [ -x "$NODE22" ] && "$NODE22" --version | grep -q '^v22\.'; }; then
        npm install --prefix "$CACHE/node22" --no-audit --no-fund --loglevel=error node@22 >"$log" 2>&1 ||
            { cat "$log" >&2; return 1; }
    fi
    if [ -d "$CLIENTS/node_modules" ] && cmp -s "$ROOT/tests/clients/package-lock.json" "$CLIENTS/.installed-package-lock.json"; then
        return 0
    fi
    echo "installing the npm MCP clients into $CLIENTS"
    mkdir -p "$CLIENTS"
    cp "$ROOT/tests/clients/package.json" "$ROOT/tests/clients/package-lock.json" "$CLIENTS/"
    PATH="$(dirname "$NODE22"):$PATH" npm ci --prefix "$CLIENTS" --no-audit --no-fund --loglevel=error >"$log" 2>&1 ||
        { cat "$log" >&2; return 1; }
    cp "$ROOT/tests/clients/package-lock.json" "$CLIENTS/.installed-package-lock.json"
}
install_node_clients || echo "the npm MCP clients are not installed: the compose lint and client set-up stages will fail" >&2

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

# --- deployment: Dockerfile, compose file, the image's build step natively, client set-ups ---
stage "hadolint Dockerfile" "$VENV/bin/hadolint" Dockerfile

compose_check() {
    local dir status=0
    dir="$(mktemp -d)"
    # Compose reads env_file (.env) when resolving the file: validate with the example.
    cp .env.example "$dir/.env"
    docker-compose --project-directory "$dir" -f docker-compose.yml config --quiet || status=$?
    rm -rf "$dir"
    # require-project-name-field is off: Debian's docker-compose 1.29 rejects a top-level name.
    PATH="$(dirname "$NODE22"):$PATH" "$CLIENTS/node_modules/.bin/dclint" docker-compose.yml \
        --max-warnings 0 --disable-rule require-project-name-field || status=$?
    return "$status"
}
stage "docker-compose config + dclint" compose_check

# The Dockerfile's one RUN, natively (same command, shared target dir), then the image's
# HEALTHCHECK command against the release binary serving its sandbox.
RELEASE_BUILT=""
release_healthcheck() {
    cargo build --release --locked --bin mcp-atlassian || return 1
    RELEASE_BUILT=1
    local rel="$CARGO_TARGET_DIR/release/mcp-atlassian" size port pid status=0
    size="$(stat -c %s "$rel")"
    # distroless/cc is ~25 MB; the binary must leave the image under 50 MB.
    [ "$size" -lt 25000000 ] || { echo "release binary is $size bytes (limit 25000000)" >&2; return 1; }
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    TRANSPORT=streamable-http HOST=127.0.0.1 PORT="$port" PROMETHEUS_PORT=0 MCP_API_KEY=release-check-key-0123456789 \
        "$rel" --sandbox >/dev/null 2>&1 &
    pid=$!
    local deadline=$((SECONDS + 30))
    until HOST=127.0.0.1 PORT="$port" "$rel" healthcheck --timeout-secs 1 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$pid" 2>/dev/null; then status=1; break; fi
        sleep 0.1 # poll interval; bounded by the deadline
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    # Once stopped, the same probe must fail.
    if HOST=127.0.0.1 PORT="$port" "$rel" healthcheck --timeout-secs 1 2>/dev/null; then status=1; fi
    return "$status"
}
stage "release build + healthcheck subcommand" release_healthcheck

# docs/deployment.md followed natively (tests/deploy): nginx rendered like Nginx Proxy
# Manager with the Advanced block, TLS from a throwaway CA, the documented .env, the SDK
# through the proxy, two replicas with Redis, backup and restore as the image's uid; and the
# Compose file, the docs' NPM block and the Kubernetes manifests checked against each other.
# Uses the release binary when the stage above built it from this tree, else the debug one.
deployment_drill() {
    local bin="$CARGO_TARGET_DIR/release/mcp-atlassian"
    if [ -z "$RELEASE_BUILT" ]; then
        cargo build --locked --quiet --bin mcp-atlassian || return 1
        bin="$BIN"
    fi
    MCP_ATLASSIAN_BIN="$bin" "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/deploy"
}
stage "deployment drill (nginx as NPM, TLS, SDK, replicas, backup/restore)" deployment_drill

client_setups() {
    cargo build --locked --quiet --bin mcp-atlassian &&
        MCP_ATLASSIAN_BIN="$BIN" MCP_ATLASSIAN_VERSION="$VERSION" MCP_CLIENTS_NODE="$NODE22" \
            MCP_CLIENTS_NODE_MODULES="$CLIENTS/node_modules" \
            "$VENV/bin/python" -m pytest -q -p no:cacheprovider --ignore="$ROOT/tests/clients/mcp1" "$ROOT/tests/clients" &&
        MCP_ATLASSIAN_BIN="$BIN" MCP_ATLASSIAN_VERSION="$VERSION" \
            "$VENV_MCP1/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/clients/mcp1"
}
stage "client set-ups (SDKs, mcp-remote, Inspector, Gemini CLI, Claude Code, LangChain, FastMCP, OpenAI Agents, ADK)" client_setups
# Every ops script answers --help with exit 0; the drill runs backup, destroy, restore and an
# MCP tool call with the restored key against the real binary (loopback, temp dirs).
ops_scripts_help() {
    local s
    for s in health_check backup_config restore_config rotate_api_key troubleshoot dr_drill; do
        "$ROOT/scripts/$s.sh" --help >/dev/null || { echo "$s.sh --help failed" >&2; return 1; }
    done
}
stage "ops scripts --help" ops_scripts_help
dr_drill() {
    cargo build --locked --quiet --bin mcp-atlassian && "$ROOT/scripts/dr_drill.sh" --bin "$BIN"
}
stage "disaster-recovery drill" dr_drill

# Both protocol eras: the fixture server (legacy 0.1.16 set + --requirements 2026-07-28 of
# 0.2.0-alpha.12), then the real server on its sandbox (the scenarios it must pass).
conformance() {
    cargo build --locked --quiet --example conformance_server --bin mcp-atlassian &&
        "$ROOT/scripts/conformance.sh" -- "$CARGO_TARGET_DIR/debug/examples/conformance_server" &&
        TRANSPORT=streamable-http HOST=127.0.0.1 PORT=0 PROMETHEUS_PORT=0 \
            MCP_RATE_LIMIT_PER_MINUTE=0 MCP_RATE_LIMIT_PER_HOUR=0 \
            "$ROOT/scripts/conformance.sh" --real -- "$BIN" --sandbox
}
stage "mcp conformance suite (both protocol eras; fixture and real server)" conformance

# Alert and recording rules: syntax, promtool unit tests (every alert fired and kept silent),
# runbook links and test coverage; the Prometheus and Alertmanager configurations.
monitoring_rules() {
    promtool check rules monitoring/recording.yml monitoring/alerts.yml &&
        promtool test rules monitoring/tests/*_test.yml &&
        promtool check config monitoring/prometheus.yml &&
        amtool check-config monitoring/alertmanager.yml &&
        python3 monitoring/tests/check_rules.py
}
stage "alert rules and monitoring configs" monitoring_rules

# The Grafana dashboards against @grafana/schema (pinned in tests/grafana/package-lock.json),
# with the Node 22 the conformance stage installs.
grafana_typecheck() {
    local node_dir="$CACHE/node22" work="$CACHE/grafana-schema" log="$CACHE/npm-install.log"
    local node="$node_dir/node_modules/node/bin/node"
    if ! { [ -x "$node" ] && "$node" --version 2>/dev/null | grep -q '^v22\.'; }; then
        echo "installing node 22 into $node_dir"
        npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error node@22 >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    fi
    if ! cmp -s tests/grafana/package-lock.json "$work/.installed-package-lock.json"; then
        echo "installing @grafana/schema and typescript into $work"
        mkdir -p "$work"
        cp tests/grafana/package.json tests/grafana/package-lock.json "$work/"
        PATH="$(dirname "$node"):$PATH" npm ci --prefix "$work" --no-audit --no-fund --loglevel=error >"$log" 2>&1 || { cat "$log" >&2; return 1; }
        cp tests/grafana/package-lock.json "$work/.installed-package-lock.json"
    fi
    GRAFANA_CHECK_DIR="$work" "$node" tests/grafana/check.mjs
}
stage "grafana dashboard type-check" grafana_typecheck

# A real Prometheus scraping the real server under a workload; every dashboard and rule
# expression through its query API. A binary without a metrics listener (before the metrics
# work is merged) gets only the dry run against a static exposition, and says so.
monitoring_live() {
    cargo build --locked --quiet --bin mcp-atlassian || return 1
    MCP_ATLASSIAN_BIN="$BIN" python3 tests/monitoring/live_prometheus.py
}
stage "live prometheus: dashboard and alert expressions" monitoring_live
# The benchmark's smoke test (debug build, tiny counts): the benchmark itself keeps working.
stage "bench smoke" "$ROOT/scripts/bench.sh" --quick --out "$CARGO_TARGET_DIR/bench-quick"

echo
if [ "$failed" -gt 0 ]; then
    echo "failed stages: ${failures[*]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
