#!/usr/bin/python3
"""What the planner saves per task, in one interleaved run (the machine is shared: compare the
columns of one run, never numbers across runs).

Runs N x a module task with spindle_local through the daemon of a private runtime dir, under
Ansible's linear strategy (the connection tier: the worker builds the AnsiballZ payload and the
plugin parses it) and under the test-only strategy that routes _execute_module through the
planner (ansible-bridge/src/test/python/strategy_plugins), in alternating pairs after a
warm-up. Per task it prints wall time, controller CPU (ansible-playbook and its workers) and
target CPU (the agent, its fork server and the tasks it forked: the daemon's python
descendants; the daemon's own JVM CPU separately).

    /usr/bin/python3 bench/src/test/scripts/planner_cost.py [--tasks 100] [--pairs 3] [--module ping]
    SPINDLE_COMMAND=<launcher> to use another daemon launcher than the checkout's ./spindle

Needs the built jar (./spindle builds it when stale) and ansible-playbook on PATH.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
CONNECTION_PLUGINS = os.path.join(REPO, "ansible-bridge/src/main/python/ansible_spindle/plugins/connection")
STRATEGY_PLUGINS = os.path.join(REPO, "ansible-bridge/src/main/python/ansible_spindle/plugins/strategy")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MODULE_TASKS = {
    "ping": "ping:",
    "command": "command: hostname",
    "file": "file: path=/tmp state=directory",
}


def main():
    options = _options()
    work = tempfile.mkdtemp(prefix="spindle-planner-cost-")
    try:
        playbook = _write_playbook(work, options.tasks, options.module)
        env = _environment(work)
        strategies = [("linear", "connection tier"), ("spindle_linear", "planner")]
        for strategy, _ in strategies:  # warm-up: daemon, agent, module zips, Python's caches
            _run(work, env, strategy, playbook)
        totals = {strategy: [0.0, 0.0, 0.0, 0.0] for strategy, _ in strategies}
        for _ in range(options.pairs):
            for strategy, _ in strategies:
                measured = _run(work, env, strategy, playbook)
                totals[strategy] = [a + b for a, b in zip(totals[strategy], measured)]
        runs = options.pairs * options.tasks
        print("%d x %s, %d interleaved pairs, per task (ms):" % (options.tasks, options.module, options.pairs))
        print("%-16s %8s %14s %12s %12s" % ("", "wall", "controller CPU", "target CPU", "daemon CPU"))
        for strategy, label in strategies:
            wall, controller, target, daemon = (value * 1000 / runs for value in totals[strategy])
            print("%-16s %8.1f %14.1f %12.1f %12.1f" % (label, wall, controller, target, daemon))
        base, planned = totals["linear"], totals["spindle_linear"]
        print("planner / connection tier: wall %.2f, controller CPU %.2f, target CPU %.2f"
              % tuple(p / b if b else float("nan") for p, b in zip(planned[:3], base[:3])))
    finally:
        _stop_daemon(work)
        shutil.rmtree(work, ignore_errors=True)


def _options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--module", choices=sorted(MODULE_TASKS), default="ping")
    return parser.parse_args()


def _write_playbook(work, tasks, module):
    path = os.path.join(work, "playbook.yml")
    with open(path, "w") as out:
        out.write("- hosts: all\n  gather_facts: false\n  tasks:\n")
        for number in range(tasks):
            out.write("    - name: task %d\n      %s\n" % (number, MODULE_TASKS[module]))
    with open(os.path.join(work, "inventory.ini"), "w") as out:
        out.write("target ansible_connection=spindle_local ansible_python_interpreter=/usr/bin/python3\n")
    return path


def _environment(work):
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")}
    env.update({
        "ANSIBLE_CONFIG": os.path.join(work, "ansible.cfg"),
        "ANSIBLE_INVENTORY": os.path.join(work, "inventory.ini"),
        "ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS,
        "ANSIBLE_STRATEGY_PLUGINS": STRATEGY_PLUGINS,
        "ANSIBLE_LOCAL_TEMP": os.path.join(work, "ansible-local"),
        "SPINDLE_RUNTIME_DIR": os.path.join(work, "runtime"),
        "SPINDLE_PERSIST": "10m",
    })
    env.setdefault("SPINDLE_COMMAND", os.path.join(REPO, "spindle"))
    open(env["ANSIBLE_CONFIG"], "w").close()
    return env


def _run(work, env, strategy, playbook):
    """(wall, controller CPU, target CPU, daemon CPU) in seconds for one ansible-playbook run."""
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_target, before_daemon = _daemon_cpu(work)
    started = time.monotonic()
    subprocess.run(["ansible-playbook", playbook], cwd=work, check=True, stdout=subprocess.DEVNULL,
                   env=dict(env, ANSIBLE_STRATEGY=strategy))
    wall = time.monotonic() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_target, after_daemon = _daemon_cpu(work)
    controller = (after_children.ru_utime - before_children.ru_utime) + (after_children.ru_stime - before_children.ru_stime)
    return wall, controller, after_target - before_target, after_daemon - before_daemon


def _daemon_cpu(work):
    """(CPU of the daemon's descendants incl. their reaped children, the daemon's own CPU)."""
    daemon = _daemon_pid(work)
    if daemon is None:
        return 0.0, 0.0
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat:
            children.setdefault(int(stat[3]), []).append((int(pid), stat))
    own = _stat(str(daemon))
    daemon_cpu = (int(own[13]) + int(own[14])) / CLOCK_TICKS if own else 0.0
    target, pending = 0.0, [daemon]
    while pending:
        for pid, stat in children.get(pending.pop(), []):
            target += sum(int(field) for field in stat[13:17]) / CLOCK_TICKS
            pending.append(pid)
    return target, daemon_cpu


def _stat(pid):
    try:
        with open("/proc/%s/stat" % pid) as stat:
            text = stat.read()
    except OSError:
        return None
    return [None, None] + text[text.rindex(")") + 2:].split()  # fields from 1, as proc(5) numbers them


def _daemon_pid(work):
    try:
        with open(os.path.join(work, "runtime", "daemon.json")) as announced:
            return int(json.load(announced)["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _stop_daemon(work):
    daemon = _daemon_pid(work)
    if daemon is not None:
        os.kill(daemon, signal.SIGTERM)  # the daemon closes its agents cleanly


if __name__ == "__main__":
    sys.exit(main())
