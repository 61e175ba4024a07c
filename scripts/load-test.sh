#!/bin/sh
# Seed 004 "./scripts/load-test.sh": the benchmark suite, `omni bench` (real HTTP webhooks through
# the whole pipeline with the channel and LLM simulators); its options are accepted here.
set -e
exec node "$(dirname "$0")/../bin/omni.js" bench "$@"
