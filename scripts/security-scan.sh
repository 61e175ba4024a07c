#!/bin/sh
# Seed 004 §7.3 "./scripts/security-scan.sh": known vulnerabilities in the dependencies
# (npm audit, high and critical fail the scan).
set -e
cd "$(dirname "$0")/.."
exec npm audit --audit-level=high
