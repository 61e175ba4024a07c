#!/bin/sh
# Seed 004 §3.1 "./scripts/enable-maintenance-mode.sh": full maintenance (503 except health,
# metrics and admin), in every process without a restart. `omni maintenance off` ends it;
# `./scripts/enable-maintenance-mode.sh partial` lets existing conversations continue.
set -e
exec node "$(dirname "$0")/../bin/omni.js" maintenance "${1:-on}"
