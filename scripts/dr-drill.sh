#!/bin/sh
# Seed 004 §7.3 "./scripts/dr-drill.sh": disaster-recovery drill on the docker compose stack
# (docker-compose.yml, or COMPOSE_FILE). It simulates losing the database and recovers it:
#   1. backup (omni backup inside the api container) and count the messages;
#   2. kill PostgreSQL and check that Omni says so (/health 503, /readyz 503);
#   3. bring PostgreSQL back empty (its volume removed) — the disaster;
#   4. migrate and restore the backup, restart api and worker;
#   5. check /health 200 and the same message count. Prints how long recovery took (the RTO).
# DESTRUCTIVE for the stack it runs on: use a staging copy. Asks first unless --yes.
set -eu
cd "$(dirname "$0")/.."
url="${OMNI_URL:-http://localhost:${OMNI_PORT:-3000}}"
dc() { docker compose "$@"; }
psql_omni() { dc exec -T postgres psql -U omni -d omni -tAc "$1"; }

if [ "${1:-}" != "--yes" ]; then
  printf 'This deletes the PostgreSQL volume of this compose stack and restores it from a fresh backup. Continue? [y/N] '
  read -r answer
  [ "$answer" = "y" ] || [ "$answer" = "Y" ] || { echo "aborted"; exit 1; }
fi

started=$(date +%s)
backup="/tmp/dr-drill-$(date +%Y%m%d-%H%M%S).jsonl.gz"
echo "1. backup to $backup (api container)"
dc exec -T api node bin/omni.js backup --out "$backup"
dc cp "api:$backup" ./dr-drill-backup.jsonl.gz
before="$(psql_omni 'SELECT count(*) FROM messages')"
echo "   messages: $before"

echo "2. PostgreSQL down: Omni must say so"
dc kill postgres
code="$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)"
echo "   /health answered $code (expected 503)"
[ "$code" = "503" ] || { echo "FAILED: /health did not report the database down"; exit 1; }

echo "3. the disaster: PostgreSQL's volume is lost"
dc rm -f postgres
docker volume rm "$(basename "$PWD")_postgres-data" >/dev/null
recovery_started=$(date +%s)

echo "4. recover: new PostgreSQL, migrations, restore, restart Omni"
dc up -d --wait postgres
dc run --rm -T migrate
dc cp ./dr-drill-backup.jsonl.gz "api:/tmp/dr-drill-restore.jsonl.gz"
dc exec -T api node bin/omni.js restore /tmp/dr-drill-restore.jsonl.gz --force
dc restart api worker

echo "5. check"
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)" = "200" ] && break
  sleep 2
done
after="$(psql_omni 'SELECT count(*) FROM messages')"
finished=$(date +%s)
echo "   messages: $after (before: $before)"
echo "   recovery took $((finished - recovery_started)) s (RTO); whole drill $((finished - started)) s"
[ "$after" = "$before" ] || { echo "FAILED: message count differs"; exit 1; }
echo "DR drill OK. The backup stays in ./dr-drill-backup.jsonl.gz."
