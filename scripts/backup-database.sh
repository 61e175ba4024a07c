#!/bin/sh
# Seed 004 "./scripts/backup-database.sh [dir]": `omni backup` into dir (default ./backups), one
# file per run named by date and time; `omni restore <file>` brings it back.
set -e
dir="${1:-./backups}"
mkdir -p "$dir"
exec node "$(dirname "$0")/../bin/omni.js" backup --out "$dir/db_$(date +%Y-%m-%d_%H-%M).jsonl.gz"
