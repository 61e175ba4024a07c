#!/bin/sh
# Seed 004 §7.2 "./scripts/test-backup-restore.sh": the backup drill. Takes a backup of the
# database in force (or restores the file given), restores it into a scratch embedded database,
# backs that up again and compares the row counts table by table. Exit 0 only when they match.
#   ./scripts/test-backup-restore.sh                 # backup now, then restore it and compare
#   ./scripts/test-backup-restore.sh backups/db_….jsonl.gz   # drill an existing backup
# Works beside a running Omni (the CLI reaches its database) and on either profile.
set -eu
omni="node $(dirname "$0")/../bin/omni.js"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/omni-restore-drill.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

if [ $# -ge 1 ]; then
  file="$1"
else
  file="$scratch/source.jsonl.gz"
  $omni backup --out "$file" --json > "$scratch/source.json"
fi

# The scratch copy: an embedded database of its own, never the one in force.
env -u DATABASE_URL -u REDIS_URL OMNI_DATA_DIR="$scratch/data" \
  $omni restore "$file" --json > "$scratch/restored.json"
env -u DATABASE_URL -u REDIS_URL OMNI_DATA_DIR="$scratch/data" \
  $omni backup --out "$scratch/again.jsonl.gz" --json > "$scratch/again.json"

node -e '
  const fs = require("node:fs");
  const [restoredFile, againFile] = process.argv.slice(1);
  const restored = JSON.parse(fs.readFileSync(restoredFile, "utf8"));
  const again = JSON.parse(fs.readFileSync(againFile, "utf8")).tables;
  const differences = Object.keys({ ...restored, ...again })
    .filter((table) => (restored[table] ?? 0) !== (again[table] ?? 0))
    .map((table) => `${table}: restored ${restored[table] ?? 0}, read back ${again[table] ?? 0}`);
  const total = Object.values(restored).reduce((sum, n) => sum + n, 0);
  if (differences.length > 0) {
    console.error(`restore drill FAILED:\n  ${differences.join("\n  ")}`);
    process.exit(1);
  }
  console.error(`restore drill OK: ${total} rows in ${Object.keys(restored).length} tables restored and read back.`);
' "$scratch/restored.json" "$scratch/again.json"
