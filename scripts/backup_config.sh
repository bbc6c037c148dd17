#!/bin/sh
# backup_config.sh: take a config backup now and copy it off the host.
#
# Runs `mcp-atlassian backup create` (locally, or inside the container with --container),
# then copies the new file to DEST: a local directory, or HOST:DIR over scp (rsync when
# installed). A local copy is compared by SHA-256 with the original.
#
# Usage: scripts/backup_config.sh [--bin PATH] [--env-file FILE] [--container NAME] DEST
#   DEST              local directory, or [user@]host:dir for a copy over SSH
#   --bin PATH        the binary (default: $MCP_ATLASSIAN_BIN, else mcp-atlassian on PATH)
#   --env-file FILE   the server's env file (passed to the binary)
#   --container NAME  run the backup inside this Docker container (docker exec) and copy the
#                     file out of it with docker cp
# Exit codes: 0 backup written and copied; 1 the backup failed; 2 usage error;
# 3 the backup was written but the copy failed (it is still in BACKUP_DIR).
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
BIN="${MCP_ATLASSIAN_BIN:-mcp-atlassian}"
ENV_FILE=""
CONTAINER=""
DEST=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN="${2:?}"; shift 2 ;;
        --env-file) ENV_FILE="${2:?}"; shift 2 ;;
        --container) CONTAINER="${2:?}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "backup_config.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$DEST" ] || { usage >&2; exit 2; }; DEST="$1"; shift ;;
    esac
done
[ -n "$DEST" ] || { echo "backup_config.sh: give a destination" >&2; usage >&2; exit 2; }

run() {
    if [ -n "$CONTAINER" ]; then
        docker exec "$CONTAINER" mcp-atlassian ${ENV_FILE:+--env-file "$ENV_FILE"} "$@"
    else
        "$BIN" ${ENV_FILE:+--env-file "$ENV_FILE"} "$@"
    fi
}
OUT="$(run backup create)" || { echo "backup_config.sh: the backup failed (see above)" >&2; exit 1; }
FILE="$(printf '%s\n' "$OUT" | head -n 1 | cut -f 1)"
[ -n "$FILE" ] || { echo "backup_config.sh: the binary printed no backup path" >&2; exit 1; }
printf '%s\n' "$OUT"

SRC="$FILE"
TMP=""
if [ -n "$CONTAINER" ]; then
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/mcp-backup.XXXXXX")"
    trap 'rm -rf "$TMP"' EXIT
    docker cp "$CONTAINER:$FILE" "$TMP/" || { echo "backup_config.sh: docker cp failed" >&2; exit 3; }
    SRC="$TMP/$(basename "$FILE")"
fi
case "$DEST" in
    *:*)
        if command -v rsync >/dev/null 2>&1; then
            rsync -a "$SRC" "$DEST/" || { echo "backup_config.sh: rsync to $DEST failed" >&2; exit 3; }
        else
            scp -q -p "$SRC" "$DEST/" || { echo "backup_config.sh: scp to $DEST failed" >&2; exit 3; }
        fi
        ;;
    *)
        if ! mkdir -p "$DEST" || ! cp -p "$SRC" "$DEST/"; then
            echo "backup_config.sh: copy to $DEST failed" >&2
            exit 3
        fi
        a="$(sha256sum "$SRC" | cut -d' ' -f1)"
        b="$(sha256sum "$DEST/$(basename "$SRC")" | cut -d' ' -f1)"
        [ "$a" = "$b" ] || { echo "backup_config.sh: the copy in $DEST differs from the original" >&2; exit 3; }
        ;;
esac
echo "copied $(basename "$SRC") to $DEST"
