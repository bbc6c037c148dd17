#!/bin/sh
# dr_drill.sh: an end-to-end disaster-recovery drill against the real binary, in temp dirs,
# on loopback ports it chooses, against the built-in sandbox (no real Atlassian site).
#
# It creates a deployment (env file, API keys file, age identity), takes an encrypted backup
# with backup_config.sh (copied to a separate "off-host" directory), DESTROYS the config,
# restores it with restore_config.sh, starts the server, and proves that an MCP tool call
# with the restored API key works (and a wrong key is refused). Then it checks the other
# scripts: health_check.sh, rotate_api_key.sh and troubleshoot.sh (no secret in the archive).
# It prints the measured recovery time: from the config being destroyed to the first
# successful tool call.
#
# Usage: scripts/dr_drill.sh [--bin PATH] [--keep] [--help]
#   --bin PATH   the mcp-atlassian binary (default: $MCP_ATLASSIAN_BIN, else mcp-atlassian on PATH)
#   --keep       keep the temp directory for inspection
# Exit codes: 0 drill passed; 1 a drill step failed (named on stderr); 2 usage error or a
# missing tool (curl).
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
BIN="${MCP_ATLASSIAN_BIN:-mcp-atlassian}"
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) [ $# -ge 2 ] || { usage >&2; exit 2; }; BIN="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "dr_drill.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
command -v curl >/dev/null 2>&1 || { echo "dr_drill.sh: curl is required" >&2; exit 2; }
command -v "$BIN" >/dev/null 2>&1 || [ -x "$BIN" ] || { echo "dr_drill.sh: binary not found: $BIN" >&2; exit 2; }
case "$BIN" in /*) ;; */*) BIN="$(pwd)/$BIN" ;; esac
HERE="$(cd "$(dirname "$0")" && pwd)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-dr-drill.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ "$KEEP" -eq 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM
fail() { echo "dr_drill.sh: FAILED: $*" >&2; exit 1; }
step() { echo "--- $*"; }
now_ms() {
    # GNU date has %N; elsewhere fall back to whole seconds.
    ms="$(date +%s%3N 2>/dev/null)"
    case "$ms" in *N*|'') echo "$(($(date +%s) * 1000))" ;; *) echo "$ms" ;; esac
}

SITE="$WORK/site"
mkdir -p "$SITE" "$WORK/offsite"
cd "$WORK"

step "set up a deployment in $SITE"
"$BIN" backup keygen --output "$WORK/identity.txt" > "$WORK/keygen.out" || fail "backup keygen"
PUBLIC="$(head -n 1 "$WORK/keygen.out")"
cat > "$SITE/.env" <<ENV
TRANSPORT=streamable-http
HOST=127.0.0.1
PORT=0
PROMETHEUS_PORT=0
MCP_API_KEYS_FILE=$SITE/keys.toml
BACKUP_DIR=$WORK/backups
BACKUP_ENCRYPTION_RECIPIENTS=$PUBLIC
LOG_FORMAT=json
ENV
chmod 600 "$SITE/.env"
"$BIN" --env-file "$SITE/.env" keys create --id drill > "$WORK/key.out" || fail "keys create"
API_KEY="$(head -n 1 "$WORK/key.out")"
( cd "$SITE" && sha256sum .env keys.toml ) > "$WORK/before.sha256"

step "back up and copy it off the host"
"$HERE/backup_config.sh" --bin "$BIN" --env-file "$SITE/.env" "$WORK/offsite" || fail "backup_config.sh"
BACKUP=""
for f in "$WORK"/offsite/mcp-atlassian-config-*.tar.gz.age; do [ -f "$f" ] && BACKUP="$f"; done
[ -n "$BACKUP" ] || fail "no encrypted backup arrived in the off-host directory"

step "destroy the config (and the local backups)"
rm -rf "$SITE" "$WORK/backups"
START="$(now_ms)"

step "restore from the off-host copy"
"$HERE/restore_config.sh" --bin "$BIN" --identity "$WORK/identity.txt" "$BACKUP" || fail "restore_config.sh"
( cd "$SITE" && sha256sum -c --quiet "$WORK/before.sha256" ) || fail "restored files differ from the originals"
[ "$(stat -c %a "$SITE/.env")" = 600 ] || fail "the restored .env lost its mode 0600"

step "start the server on the restored config"
"$BIN" --sandbox --env-file "$SITE/.env" > "$WORK/server.out" 2> "$WORK/server.log" &
SERVER_PID=$!
URL=""
METRICS_URL=""
i=0
while [ $i -lt 300 ]; do
    URL="$(sed -n 's|^  Streamable HTTP: \(http://[^/]*\)/.*|\1|p' "$WORK/server.out")"
    METRICS_URL="$(sed -n 's|^Metrics (Prometheus): \(http://.*/metrics\)$|\1|p' "$WORK/server.out")"
    [ -n "$URL" ] && [ -n "$METRICS_URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; fail "the server exited"; }
    i=$((i + 1)); sleep 0.1
done
[ -n "$URL" ] || fail "the server did not report its address within 30 s"
[ -n "$METRICS_URL" ] || fail "the server did not report its metrics address"

step "call an MCP tool with the restored API key"
mcp() { # mcp SESSION BODY -> response on stdout, headers in $WORK/h
    curl -sS -m 20 -D "$WORK/h" -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' ${1:+-H "mcp-session-id: $1"} \
        -d "$2" "$URL/mcp"
}
mcp "" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"dr-drill","version":"1"}}}' > "$WORK/init.out" || fail "initialize"
SESSION="$(tr -d '\r' < "$WORK/h" | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')"
grep -q '"serverInfo"' "$WORK/init.out" || fail "initialize answered: $(cat "$WORK/init.out")"
mcp "$SESSION" '{"jsonrpc":"2.0","method":"notifications/initialized"}' > /dev/null || fail "initialized"
mcp "$SESSION" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"jira_search","arguments":{"jql":"project = DEMO ORDER BY created DESC","limit":1}}}' > "$WORK/call.out" || fail "tools/call"
if ! grep -q '"result"' "$WORK/call.out" || grep -q '"isError":true' "$WORK/call.out"; then
    fail "the tool call did not succeed: $(cat "$WORK/call.out")"
fi
END="$(now_ms)"
code="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: wrong-key-wrong-key' -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "$URL/mcp")"
[ "$code" = 403 ] || fail "a wrong API key got HTTP $code, expected 403"

step "health_check.sh against the restored server"
set +e
MCP_API_KEY="$API_KEY" "$HERE/health_check.sh" --url "$URL" --metrics-url "$METRICS_URL" \
    --backup-dir "$WORK/offsite"
hc=$?
set -e
# Everything is reachable and the backup is minutes old: anything but 0 is a finding.
[ "$hc" -eq 0 ] || fail "health_check.sh exited $hc"

step "rotate_api_key.sh: the new key works at once"
"$HERE/rotate_api_key.sh" --bin "$BIN" --env-file "$SITE/.env" --grace 0 drill > "$WORK/rotate.out" || fail "rotate_api_key.sh"
NEW_KEY="$(head -n 1 "$WORK/rotate.out")"
if [ -z "$NEW_KEY" ] || [ "$NEW_KEY" = "$API_KEY" ]; then fail "no new key printed"; fi
# SIGHUP reloads the keys file at once (the 2 s file poll would also catch it). Retries are
# spaced out: each try before the reload is a failed key, and MCP_AUTH_FAILURES_PER_MINUTE
# (10 by default) would lock this IP out for a minute if they came in a burst.
kill -HUP "$SERVER_PID"
ok=0; i=0
while [ $i -lt 15 ]; do
    if MCP_API_KEY="$NEW_KEY" "$HERE/health_check.sh" --url "$URL" --quiet --only mcp; then ok=1; break; fi
    i=$((i + 1)); sleep 1.5
done
[ "$ok" -eq 1 ] || fail "the rotated key was not accepted within 20 s (see $WORK/server.log)"

step "troubleshoot.sh: one archive, no secrets in it"
"$HERE/troubleshoot.sh" --bin "$BIN" --env-file "$SITE/.env" --url "$URL" --log-file "$WORK/server.log" \
    --output "$WORK/support.tar.gz" > /dev/null || fail "troubleshoot.sh"
mkdir -p "$WORK/support" && tar -xzf "$WORK/support.tar.gz" -C "$WORK/support"
! grep -rqF -e "$NEW_KEY" -e "$API_KEY" "$WORK/support" || fail "the support archive holds a secret"
grep -rq 'MCP_API_KEYS_FILE' "$WORK/support" || fail "the support archive lacks the config"

echo "dr drill passed: recovery time $((END - START)) ms (config destroyed -> MCP tool call served with the restored API key)"
