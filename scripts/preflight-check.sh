#!/bin/sh
# Seed 004 §3.1 "Verificar pré-requisitos": the preflight is `omni doctor` (config, database, Redis,
# LLM providers, and each configured channel asked whether it can deliver). Exit code ≠ 0 on failure.
set -e
exec node "$(dirname "$0")/../bin/omni.js" doctor "$@"
