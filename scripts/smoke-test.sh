#!/bin/sh
# Seed 004 §3.2 "./scripts/smoke-test.sh" after a deploy: the instance answers its health check
# with every critical component up (`omni health`, exit code ≠ 0 otherwise). Options of
# `omni health` (--url, --timeout) are accepted.
set -e
exec node "$(dirname "$0")/../bin/omni.js" health "$@"
