#!/bin/sh
# Seed 004 "./scripts/health-check.sh": `omni health` against the running instance
# (PUBLIC_URL or http://localhost:PORT unless --url is given). Exit code ≠ 0 when it is down.
set -e
exec node "$(dirname "$0")/../bin/omni.js" health "$@"
