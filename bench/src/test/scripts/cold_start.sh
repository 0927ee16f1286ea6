#!/bin/bash
# Cold 5-task playbook (examples/bench_cold_5_tasks.yml) under spindle_linear: before (the plugins
# of commit 268a563, unpacked into $B/before with `git archive 268a563 ansible-bridge/src/main/python`)
# vs after (this checkout),
# interleaved, each run with a fresh runtime dir (no daemon), the same daemon jar; and vanilla ssh.
# Logs in as root to a private sshd on loopback (root's rc files slow vanilla, not Spindle, down).
# Usage: bench/src/test/scripts/cold_start.sh ROUNDS (docs/performance.md, "Cold start")
set -u
ROUNDS=${1:-5}
B=${COLD_START_DIR:-/tmp/coldstart-bench}; mkdir -p $B
WT=$(cd "$(dirname "$0")/../../../.." && pwd)
cd $B
if [ ! -f hostkey ]; then
  ssh-keygen -q -t ed25519 -N '' -f hostkey; ssh-keygen -q -t ed25519 -N '' -f clientkey
fi
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > sshd_config <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $B/hostkey
AuthorizedKeysFile $B/clientkey.pub
PidFile $B/sshd.pid
UsePAM no
StrictModes no
PermitRootLogin yes
PasswordAuthentication no
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
/usr/sbin/sshd -f $B/sshd_config -E $B/sshd.log
sleep 0.5
trap 'kill $(cat $B/sshd.pid)' EXIT
cat > inventory.ini <<INV
target ansible_host=127.0.0.1 ansible_port=$PORT ansible_user=root ansible_ssh_private_key_file=$B/clientkey ansible_python_interpreter=/usr/bin/python3
[all:vars]
ansible_ssh_common_args='-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no'
INV
run() {  # name strategy_dir strategy
  local name=$1 dir=$2 strategy=$3 rt=$B/rt-$1-$RANDOM
  mkdir -m 700 $rt
  cat > ansible-$name.cfg <<CFG
[defaults]
inventory = $B/inventory.ini
host_key_checking = False
strategy = $strategy
${dir:+strategy_plugins = $dir}
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=$rt/cp-%%C
CFG
  local start=$(date +%s.%N)
  ANSIBLE_CONFIG=$B/ansible-$name.cfg SPINDLE_RUNTIME_DIR=$rt SPINDLE_COMMAND=$WT/spindle SPINDLE_PERSIST=0 \
    ansible-playbook -e bench_dir=/tmp/coldstart-bench-dir $WT/examples/bench_cold_5_tasks.yml > $B/out-$name.txt 2>&1
  local rc=$?
  local end=$(date +%s.%N)
  printf "%s %.3f rc=%d load=%s\n" $name $(echo "$end - $start" | bc) $rc "$(cut -d' ' -f1 /proc/loadavg)"
  # stop what the run left: the daemon (persist 0 exits by itself within a second or two), ssh masters
  if [ -f $rt/daemon.json ]; then pid=$(/usr/bin/python3 -c "import json;print(json.load(open('$rt/daemon.json'))['pid'])"); kill $pid 2>/dev/null; fi
  for s in $rt/cp-*; do [ -S "$s" ] && ssh -o ControlPath=$s -O exit x 2>/dev/null; done
  sleep 1
}
for i in $(seq 1 $ROUNDS); do
  if [ $((i % 2)) = 1 ]; then order="before after vanilla"; else order="after before vanilla"; fi
  for v in $order; do
    case $v in
      before) run before $B/before/ansible-bridge/src/main/python/ansible_spindle/plugins/strategy spindle_linear ;;
      after) run after $WT/ansible-bridge/src/main/python/ansible_spindle/plugins/strategy spindle_linear ;;
      vanilla) run vanilla "" linear ;;
    esac
  done
done
