#!/bin/sh
# health_check.sh: is mcp-atlassian healthy? For cron, a monitoring agent or a person.
#
# Checks: GET /healthz; GET /readyz and its warnings (every MCP request refused by the Host
# check = critical, a failed scheduled backup = warning); an MCP initialize + tools/list with
# the API key (run it with the public URL to go through the proxy as clients do); the
# Prometheus metrics endpoint (when PROMETHEUS_ENABLED=true, PROMETHEUS_PORT is set or
# --metrics-url is given; unreachable = warning); the age of the newest backup in the backup
# directory (when --backup-dir or BACKUP_DIR is set).
#
# Usage: scripts/health_check.sh [--url URL] [--metrics-url URL] [--backup-dir DIR]
#            [--max-backup-age-hours N] [--only CHECK] [--quiet] [--help]
#   --url URL           server base URL (default http://127.0.0.1:$PORT, PORT default 8000)
#   --metrics-url URL   metrics URL (default http://127.0.0.1:$PROMETHEUS_PORT/metrics, 9090)
#   --backup-dir DIR    where backups are (default $BACKUP_DIR)
#   --max-backup-age-hours N   older newest backup = warning (default 26)
#   --only CHECK        run one check: healthz, readyz, mcp, metrics or backup
#   --quiet             print nothing, only exit with the code
# The API key comes from $MCP_API_KEY (never a flag: flags show up in ps).
# Exit codes: 0 all checks ok; 1 warning (metrics unreachable, backup old, missing or its
# last scheduled run failed); 2 critical (server down, not ready, MCP or API key failing,
# every MCP request refused for its Host header); 3 usage error.
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
URL="http://127.0.0.1:${PORT:-8000}"
METRICS_URL=""
BACKUPS="${BACKUP_DIR:-}"
MAX_AGE_H=26
ONLY=""
QUIET=0
while [ $# -gt 0 ]; do
    case "$1" in
        --url) URL="${2:?}"; shift 2 ;;
        --metrics-url) METRICS_URL="${2:?}"; shift 2 ;;
        --backup-dir) BACKUPS="${2:?}"; shift 2 ;;
        --max-backup-age-hours) MAX_AGE_H="${2:?}"; shift 2 ;;
        --only) ONLY="${2:?}"; shift 2 ;;
        --quiet) QUIET=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "health_check.sh: unknown argument $1" >&2; usage >&2; exit 3 ;;
    esac
done
command -v curl >/dev/null 2>&1 || { echo "health_check.sh: curl is required" >&2; exit 3; }
if [ -z "$METRICS_URL" ] && { [ "${PROMETHEUS_ENABLED:-false}" = true ] || [ -n "${PROMETHEUS_PORT:-}" ]; }; then
    METRICS_URL="http://127.0.0.1:${PROMETHEUS_PORT:-9090}/metrics"
fi

STATUS=0
say() { [ "$QUIET" -eq 1 ] || echo "$*"; }
ok() { say "OK    $1"; }
warn() { say "WARN  $1"; [ "$STATUS" -ge 1 ] || STATUS=1; }
crit() { say "CRIT  $1"; STATUS=2; }
wanted() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
TMP="$(mktemp -d "${TMPDIR:-/tmp}/mcp-health.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

get_code() { curl -s -m 10 -o "$TMP/body" -w '%{http_code}' "$1" 2>/dev/null || echo 000; }

if wanted healthz; then
    c="$(get_code "$URL/healthz")"
    if [ "$c" = 200 ]; then ok "healthz"; else crit "healthz: HTTP $c from $URL/healthz"; fi
fi
if wanted readyz; then
    c="$(get_code "$URL/readyz")"
    if [ "$c" = 200 ]; then ok "readyz"; else crit "readyz: HTTP $c ($(head -c 200 "$TMP/body" 2>/dev/null))"; fi
    # Warnings keep /readyz at 200 (a replica still serves) but say something is wrong.
    if grep -q '"host_check":' "$TMP/body" 2>/dev/null; then
        m="$(sed -n 's/.*"host_check":"\([^}]*\)".*/\1/p' "$TMP/body" | head -c 400)"
        crit "readyz: the Host check refuses every MCP request from outside, no client gets through: ${m:-see $URL/readyz}"
    fi
    if grep -q '"backup":' "$TMP/body" 2>/dev/null; then
        m="$(sed -n 's/.*"backup":"\(the scheduled config backup[^"]*\)".*/\1/p' "$TMP/body" | head -c 400)"
        warn "readyz: ${m:-the last scheduled config backup failed, see $URL/readyz}"
    fi
fi
if wanted mcp; then
    if [ -z "${MCP_API_KEY:-}" ]; then
        warn "mcp: MCP_API_KEY is not set; initialize + tools/list not checked"
    else
        post() {
            curl -s -m 15 -D "$TMP/h" -o "$TMP/out" -w '%{http_code}' -H "X-API-Key: $MCP_API_KEY" \
                -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
                ${1:+-H "mcp-session-id: $1"} -d "$2" "$URL/mcp" 2>/dev/null || echo 000
        }
        c="$(post "" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"health_check","version":"1"}}}')"
        sid="$(tr -d '\r' < "$TMP/h" 2>/dev/null | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')"
        if [ "$c" != 200 ] || ! grep -q '"serverInfo"' "$TMP/out"; then
            crit "mcp: initialize got HTTP $c ($(head -c 200 "$TMP/out"))"
        else
            post "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}' > /dev/null
            c="$(post "$sid" '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')"
            n="$(grep -o '"inputSchema"' "$TMP/out" | wc -l | tr -d ' ')"
            if [ "$c" = 200 ] && [ "$n" -gt 0 ]; then ok "mcp: initialize + tools/list ($n tools)"; else crit "mcp: tools/list got HTTP $c with $n tools"; fi
        fi
    fi
fi
if wanted metrics; then
    if [ -z "$METRICS_URL" ]; then
        say "SKIP  metrics: no metrics endpoint configured (PROMETHEUS_ENABLED/PROMETHEUS_PORT)"
    else
        c="$(get_code "$METRICS_URL")"
        if [ "$c" = 200 ]; then ok "metrics"; else warn "metrics: $METRICS_URL not reachable (HTTP $c)"; fi
    fi
fi
if wanted backup; then
    if [ -z "$BACKUPS" ]; then
        say "SKIP  backup: no backup directory (--backup-dir or BACKUP_DIR)"
    else
        # Names carry a UTC timestamp, so in sorted order the newest comes last.
        newest="$(for f in "$BACKUPS"/mcp-atlassian-config-*.tar.gz "$BACKUPS"/mcp-atlassian-config-*.tar.gz.age; do
            if [ -f "$f" ]; then basename "$f"; fi
        done | sort | tail -n 1)"
        if [ -z "$newest" ]; then
            warn "backup: no backup in $BACKUPS"
        else
            age_s=$(( $(date +%s) - $(stat -c %Y "$BACKUPS/$newest") ))
            if [ "$age_s" -gt $((MAX_AGE_H * 3600)) ]; then
                warn "backup: newest ($newest) is $((age_s / 3600)) h old (limit $MAX_AGE_H h)"
            else
                ok "backup: newest is $((age_s / 60)) min old ($newest)"
            fi
        fi
    fi
fi
exit "$STATUS"
