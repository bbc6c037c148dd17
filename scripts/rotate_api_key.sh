#!/bin/sh
# rotate_api_key.sh: issue a new API key for a key id in MCP_API_KEYS_FILE.
#
# The new key is printed once on the first line of stdout (hand it to the client, then
# forget it). The old key keeps working for --grace (default 24h; 0 ends it now, e.g. after
# a leak). A running server reloads the keys file by itself within seconds.
#
# Usage: scripts/rotate_api_key.sh [--bin PATH] [--env-file FILE] [--container NAME]
#            [--grace DURATION] ID
#   ID                the key id (mcp-atlassian keys list shows them)
#   --grace DURATION  how long the old key stays valid: 24h, 7d, 30m, 0 (default 24h)
#   --container NAME  run inside this Docker container (docker exec)
# Exit codes: 0 rotated; 1 the rotation failed (unknown id, unwritable file); 2 usage error.
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
BIN="${MCP_ATLASSIAN_BIN:-mcp-atlassian}"
ENV_FILE=""
CONTAINER=""
GRACE=24h
ID=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN="${2:?}"; shift 2 ;;
        --env-file) ENV_FILE="${2:?}"; shift 2 ;;
        --container) CONTAINER="${2:?}"; shift 2 ;;
        --grace) GRACE="${2:?}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "rotate_api_key.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$ID" ] || { usage >&2; exit 2; }; ID="$1"; shift ;;
    esac
done
[ -n "$ID" ] || { echo "rotate_api_key.sh: give the key id" >&2; usage >&2; exit 2; }
if [ -n "$CONTAINER" ]; then
    docker exec "$CONTAINER" mcp-atlassian ${ENV_FILE:+--env-file "$ENV_FILE"} keys rotate "$ID" --grace "$GRACE" || exit 1
else
    "$BIN" ${ENV_FILE:+--env-file "$ENV_FILE"} keys rotate "$ID" --grace "$GRACE" || exit 1
fi
