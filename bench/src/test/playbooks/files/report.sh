#!/bin/sh
# Run by the script module: arguments, stdout, stderr and exit status must all come back.
echo "script args: $*"
echo "script stderr line" >&2
exit "${SCRIPT_STATUS:-0}"
