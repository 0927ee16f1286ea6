#!/usr/bin/env bash
# The README's second command (and what CI runs): set up, then every test —
# Java unit and integration tests (real OpenSSH on loopback, started by the tests) and the
# Python agent's unit tests, all driven by Maven.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
exec mvn -B verify "$@"
