#!/usr/bin/env bash
# Installs what Spindle's demo and tests need on Debian/Ubuntu, when it is missing:
# a JDK 17+, Maven, Python 3, OpenSSH server and client, sudo, acl, ansible-core and the
# community.general collection; and Debian 13's ansible-core unpacked in ~/.cache/spindle
# (scripts/fetch-ansible-core.sh), which the tests run against too.
# As root it runs apt-get; otherwise it prints the exact line to run.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)
# the doas and dzdo become plugins the plugin tests load live in community.general (Debian's ansible)
[ -d /usr/lib/python3/dist-packages/ansible_collections/community/general ] || need+=(ansible)
# ansible-core 2.19 (the suite's second version) hashes passwords with passlib only
/usr/bin/python3 -c 'import passlib' 2>/dev/null || need+=(python3-passlib)
# become to an unprivileged user with temp files needs setfacl, in vanilla Ansible too
command -v setfacl >/dev/null 2>&1 || need+=(acl)
if [ ${#need[@]} -eq 0 ]; then
  # Debian 13's ansible-core, which the tests run against besides the installed one
  "$(dirname "${BASH_SOURCE[0]}")/fetch-ansible-core.sh" >/dev/null
  exit 0
fi
readarray -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  "$(dirname "${BASH_SOURCE[0]}")/fetch-ansible-core.sh" >/dev/null
else
  echo "setup: missing packages; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
