#!/bin/sh
# Seed 003 "./health-monitor.sh" (and "./health-monitor.sh --continuous"): the health monitor is
# `omni health`; every option it takes is accepted here.
set -e
exec node "$(dirname "$0")/../bin/omni.js" health "$@"
