#!/usr/bin/env bash
# The README's first command: set up, build, and run the demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
mvn -q -B -DskipTests package
exec ./spindle demo "$@"
