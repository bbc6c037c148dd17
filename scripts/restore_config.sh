#!/bin/sh
# restore_config.sh: verify a config backup, then restore it (all files or none).
#
# FILE may be local or [user@]host:path (fetched with scp first). The backup is verified
# (decrypted with --identity, every checksum checked) before anything is written; files that
# differ from the backup are only replaced with --force and are kept as
# *.pre-restore-<timestamp>. Restart the server afterwards (docker compose restart).
#
# Usage: scripts/restore_config.sh [--bin PATH] [--identity FILE] [--target DIR]
#            [--map FROM=TO]... [--dry-run] [--force] FILE
#   --bin PATH       the binary (default: $MCP_ATLASSIAN_BIN, else mcp-atlassian on PATH)
#   --identity FILE  age identity for .age backups (keep it off the server)
#   --target DIR     restore into DIR by file name instead of the recorded paths
#   --map FROM=TO    restore recorded paths under FROM into TO (repeatable); a backup taken in
#                    the container: --map /config=/opt/mcp-atlassian --map /data=/opt/mcp-atlassian/data
#   --dry-run        only show what would change
#   --force          replace files that differ from the backup
# Exit codes: 0 restored (or dry run shown); 1 verify or restore failed, nothing changed;
# 2 usage error; 3 the remote backup could not be fetched.
set -eu

usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
BIN="${MCP_ATLASSIAN_BIN:-mcp-atlassian}"
FILE=""
IDENTITY=""
TARGET=""
DRY=""
FORCE=""
MAPS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) BIN="${2:?}"; shift 2 ;;
        --identity) IDENTITY="${2:?}"; shift 2 ;;
        --target) TARGET="${2:?}"; shift 2 ;;
        --map)
            case "${2:?}" in *=*) ;; *) echo "restore_config.sh: --map takes FROM=TO" >&2; exit 2 ;; esac
            # Newline-separated; paths with newlines are not supported.
            MAPS="${MAPS}${2}
"
            shift 2 ;;
        --dry-run) DRY=1; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "restore_config.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$FILE" ] || { usage >&2; exit 2; }; FILE="$1"; shift ;;
    esac
done
[ -n "$FILE" ] || { echo "restore_config.sh: give the backup file" >&2; usage >&2; exit 2; }

case "$FILE" in
    /*|./*|../*) ;;
    *:*)
        TMP="$(mktemp -d "${TMPDIR:-/tmp}/mcp-restore.XXXXXX")"
        trap 'rm -rf "$TMP"' EXIT
        scp -q "$FILE" "$TMP/" || { echo "restore_config.sh: cannot fetch $FILE" >&2; exit 3; }
        FILE="$TMP/$(basename "${FILE#*:}")"
        ;;
esac
"$BIN" backup verify "$FILE" ${IDENTITY:+--identity "$IDENTITY"} ||
    { echo "restore_config.sh: the backup does not verify; nothing was changed" >&2; exit 1; }
set --
while IFS= read -r m; do
    [ -z "$m" ] || set -- "$@" --map "$m"
done <<EOF_MAPS
$MAPS
EOF_MAPS
"$BIN" restore "$FILE" ${IDENTITY:+--identity "$IDENTITY"} ${TARGET:+--target "$TARGET"} "$@" \
    ${DRY:+--dry-run} ${FORCE:+--force} ||
    { echo "restore_config.sh: restore failed; nothing was changed" >&2; exit 1; }
[ -n "$DRY" ] || echo "restored; now restart the server (e.g. docker compose restart mcp-atlassian)"
