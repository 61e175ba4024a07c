#!/bin/sh
# Seed 004 "./scripts/daily-health-check.sh": the instance health, then the queues and the
# dead letters waiting, in one report. Exit code ≠ 0 if any of them fails.
set -e
omni() { node "$(dirname "$0")/../bin/omni.js" "$@"; }
omni health "$@"
omni queue stats
omni dlq list
