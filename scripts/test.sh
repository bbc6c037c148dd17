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
    # Alert rules, Prometheus and Alertmanager configs, and the live Prometheus test.
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
    python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
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
        systemctl disable --now prometheus prometheus-alertmanager >/dev/null 2>&1 || true
    fi
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
    if { "$BIN" --help; "$BIN" check-config; } 2>&1 | grep -q PROMETHEUS_PORT; then
        MCP_ATLASSIAN_BIN="$BIN" python3 tests/monitoring/live_prometheus.py
    else
        echo "SKIPPED the live server part: $BIN has no metrics listener (no PROMETHEUS_PORT option);"
        echo "running the dry run against tests/monitoring/fake_metrics.prom instead"
        python3 tests/monitoring/live_prometheus.py --fake-exposition tests/monitoring/fake_metrics.prom
    fi
}
stage "live prometheus: dashboard and alert expressions" monitoring_live

echo
if [ "$failed" -gt 0 ]; then
    echo "failed stages: ${failures[*]}"
fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
