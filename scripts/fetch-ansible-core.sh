#!/usr/bin/env bash
# Debian 13's ansible-core (2.19), unpacked for the tests: the equivalence suite and the plugin's
# tests run against it besides the installed one (Debian 12's 2.14). Its .deb comes from
# Debian's archive through apt with a private source list, package lists and cache under the
# target folder, so nothing on the system changes; dpkg-deb -x unpacks it there. It runs on
# Debian 12's Python 3.11 and libraries with PYTHONPATH=<printed dir>.
# Prints the directory to put on PYTHONPATH; does nothing but print it when it is there already.
set -euo pipefail
suite=trixie
root="${SPINDLE_CACHE:-$HOME/.cache/spindle}/ansible-core-$suite"
tree="$root/tree/usr/lib/python3/dist-packages"
if [ -f "$tree/ansible/release.py" ]; then
  echo "$tree"
  exit 0
fi
scratch="$root/apt"
rm -rf "$scratch" "$root/tree"
mkdir -p "$scratch/lists/partial" "$scratch/cache/archives/partial" "$scratch/etc"
echo "deb http://deb.debian.org/debian $suite main" > "$scratch/etc/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$scratch/etc/sources.list" -o "Dir::Etc::SourceParts=$scratch/etc"
             -o "Dir::State::Lists=$scratch/lists" -o "Dir::Cache=$scratch/cache" -o "APT::Sandbox::User=root")
apt-get -qq "${apt_private[@]}" update >&2
(cd "$scratch" && apt-get -qq "${apt_private[@]}" download ansible-core >&2)
dpkg-deb -x "$scratch"/ansible-core_*.deb "$root/tree"
rm -rf "$scratch"
echo "$tree"
