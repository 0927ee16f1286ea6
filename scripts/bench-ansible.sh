#!/usr/bin/env bash
# `./spindle bench ansible` as a throwaway plain account (run as root): root's dotfiles here run
# `pyenv init` in every SSH exec, which vanilla pays per task and Spindle once, so the bench logs
# in as `spindle-bench`, made for the run with Debian's stock dotfiles, no password (`*`: the
# bench logs in with its sshd's key) and a sudoers drop-in for the sudo scenario, and removed
# with its processes and drop-in when the run ends however it ends. An account of that name that
# isn't the benchmark's (its comment says whose it is) is never touched; one a killed run left
# is replaced. One benchmark at a time. Arguments go to `spindle bench ansible`.
# (A dev tool, not the product: the account lives here, outside src/main.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name=spindle-bench
mark="spindle bench throwaway account"
sudoers=/etc/sudoers.d/spindle-bench
[ "$(id -u)" -eq 0 ] || { echo "bench-ansible: run as root (it makes and removes the $name account)" >&2; exit 1; }
exec 9>/run/lock/spindle-bench-account.lock
flock -n 9 || { echo "bench-ansible: another benchmark holds the $name account" >&2; exit 1; }

remove() {
  if getent passwd "$name" >/dev/null; then
    pkill -KILL -u "$name" 2>/dev/null || true
    sleep 0.2
    userdel --remove --force "$name" 2>/dev/null || true
  fi
  rm -f "$sudoers"
}

if entry="$(getent passwd "$name")"; then
  [ "$(echo "$entry" | cut -d: -f5)" = "$mark" ] || {
    echo "bench-ansible: an account named $name exists and is not the benchmark's ($entry); remove or rename it" >&2
    exit 1; }
  remove   # a killed run's leftover
fi
trap remove EXIT
useradd --create-home --shell /bin/bash --comment "$mark" "$name"
usermod --password '*' "$name"
draft="$(mktemp /etc/sudoers.d/.spindle-bench-XXXXXX)"   # a name with a dot: inert until renamed
echo "$name ALL=(root) NOPASSWD: ALL" > "$draft"
chmod 0440 "$draft"
visudo -c -q -f "$draft" && mv "$draft" "$sudoers" || { rm -f "$draft"; exit 1; }
"${SPINDLE_BENCH_RUN:-$here/spindle}" bench ansible --login "$name" "$@"
