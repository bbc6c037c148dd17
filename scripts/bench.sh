#!/usr/bin/env bash
# Benchmark mcp-atlassian against the built-in sandbox and, with --compare, against the
# reference Python server (mcp-atlassian 0.23.1 from PyPI). See docs/performance.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/bench.sh [--compare | --quick] [--out DIR]

Builds the server and the load generator (examples/loadgen) in release mode, starts the
sandbox (`mcp-atlassian sandbox`) on loopback and measures, for our server:
cold start (to /healthz 200 and to initialize + tools/list; median of 10), resident memory
idle, with 100 and 1,000 open SSE sessions and with 100 and 1,000 idle Streamable HTTP
sessions, payload bytes (tools/list with TOOLSETS=all and, ours only, TOOLSETS=dynamic at
start; the results of the ten most used tools), and jira_get_issue / jira_search calls over
/mcp (stateful, stateless) and /sse at concurrency 1, 8 and 64 (throughput, p50/p90/p99,
errors), next to the floor: the same REST calls made straight to the sandbox.

  --compare   also measure the reference server, installed with pip into a venv under
              ${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian/bench-venv (first run only);
              takes about 6-9 minutes on a 2-core machine
  --quick     a smoke test of the benchmark (debug build, tiny counts, ours only, < 1 min)
  --out DIR   where results.md and results.json go (default: target/bench)
  -h, --help  this text

Everything runs on 127.0.0.1; every load cell has a fixed count and a wall-clock cap.
EOF
}

compare=0
quick=0
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --compare) compare=1 ;;
        --quick) quick=1 ;;
        --out)
            [ $# -ge 2 ] || { echo "bench.sh: --out needs a directory" >&2; exit 2; }
            out="$2"
            shift
            ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$compare" = 1 ] && [ "$quick" = 1 ]; then
    echo "bench.sh: --quick measures our server only; drop --compare" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
# Absolute: the load generator starts the binaries from their own working directories.
mkdir -p "$target"
target="$(cd "$target" && pwd)"
out="${out:-$target/bench}"
mkdir -p "$out"

if [ "$quick" = 1 ]; then
    profile=debug
    cargo build --locked --quiet --bin mcp-atlassian --example loadgen
else
    profile=release
    cargo build --locked --quiet --release --bin mcp-atlassian --example loadgen
fi
bin="$target/$profile/mcp-atlassian"
loadgen="$target/$profile/examples/loadgen"

args=(--ours "$bin" --out "$out")
if [ "$quick" = 1 ]; then
    args+=(--quick)
fi
if [ "$compare" = 1 ]; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/mcp-atlassian/bench-venv"
    if [ ! -x "$venv/bin/mcp-atlassian" ]; then
        echo "bench.sh: installing the reference server (mcp-atlassian==0.23.1) into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp-atlassian==0.23.1"
    fi
    args+=(--reference "$venv/bin/mcp-atlassian")
fi

# 1,000 SSE sessions need about 2,000 descriptors between the two processes.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$loadgen" "${args[@]}"
echo "bench.sh: wrote $out/results.md and $out/results.json" >&2
