#!/bin/sh
# troubleshoot.sh: collect what a support request needs into one archive, secrets redacted.
#
# Collects: versions (binary, OS, Docker), the effective configuration from `check-config`
# (secrets shown as ***set***), the env file with every value of a secret-looking variable
# (TOKEN, SECRET, PASSWORD, KEY, PAT, REDIS_URL) replaced by ***, recent logs (docker logs, or
# --log-file), and the output of health_check.sh. Read the archive before you send it.
#
# Usage: scripts/troubleshoot.sh [--bin PATH] [--env-file FILE] [--container NAME]
#            [--log-file FILE] [--url URL] [--since 2h] [--output FILE]
#   --output FILE   archive to write (default ./mcp-atlassian-support-<UTC time>.tar.gz)
#   --since DUR     how much of the container log to take (default 2h)
# Exit codes: 0 archive written; 1 the archive could not be written; 2 usage error.
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
BIN="${MCP_ATLASSIAN_BIN:-mcp-atlassian}"
ENV_FILE=""
CONTAINER=""
LOG_FILE=""
URL=""
SINCE=2h
OUTPUT="mcp-atlassian-support-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN="${2:?}"; shift 2 ;;
        --env-file) ENV_FILE="${2:?}"; shift 2 ;;
        --container) CONTAINER="${2:?}"; shift 2 ;;
        --log-file) LOG_FILE="${2:?}"; shift 2 ;;
        --url) URL="${2:?}"; shift 2 ;;
        --since) SINCE="${2:?}"; shift 2 ;;
        --output) OUTPUT="${2:?}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "troubleshoot.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-support.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
D="$WORK/mcp-atlassian-support"
mkdir -p "$D"

# Redacts NAME=value lines whose NAME looks secret; keeps the name so the setting is visible.
redact() {
    sed -E 's/^([[:space:]]*(export[[:space:]]+)?[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASS|KEY|PAT|REDIS_URL)[A-Za-z0-9_]*[[:space:]]*=).*/\1***/'
}
mcp() {
    if [ -n "$CONTAINER" ]; then docker exec "$CONTAINER" mcp-atlassian "$@"; else "$BIN" "$@"; fi
}
{
    echo "collected: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    mcp --version 2>&1 || echo "binary not runnable"
    uname -a
    if command -v docker >/dev/null 2>&1; then docker version --format '{{.Server.Version}}' 2>&1 | sed 's/^/docker /'; fi
} > "$D/versions.txt" 2>&1
mcp ${ENV_FILE:+--env-file "$ENV_FILE"} check-config > "$D/check-config.txt" 2>&1 || true
if [ -n "$ENV_FILE" ] && [ -f "$ENV_FILE" ]; then redact < "$ENV_FILE" > "$D/env-redacted.txt"; fi
if [ -n "$CONTAINER" ]; then
    docker logs --since "$SINCE" "$CONTAINER" 2>&1 | tail -n 5000 | redact > "$D/logs.txt" || true
elif [ -n "$LOG_FILE" ] && [ -f "$LOG_FILE" ]; then
    tail -n 5000 "$LOG_FILE" | redact > "$D/logs.txt"
fi
# The health check reads MCP_API_KEY from the environment; its output never contains it.
"$HERE/health_check.sh" ${URL:+--url "$URL"} > "$D/health.txt" 2>&1 || echo "exit code $?" >> "$D/health.txt"
tar -czf "$OUTPUT" -C "$WORK" mcp-atlassian-support || { echo "troubleshoot.sh: cannot write $OUTPUT" >&2; exit 1; }
echo "wrote $OUTPUT: read it before sending it anywhere"
