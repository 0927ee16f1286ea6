#!/usr/bin/python3
"""What fork isolation costs per module task, in one interleaved run (compare within a run only).

Runs the same module N times through the agent's run_module and fork server in each of three
ways, in alternating rounds: forked, a fresh process per task (isolation "process", the
default: forked from the zip's warm parent); forked from the fork server itself (as before warm
parents); inline, in the server's long-lived runner (`spindle_task_isolation: none`). Prints
the median per task of each. The module zip is built by the installed
ansible-core's module_common.

    /usr/bin/python3 bench/src/test/scripts/fork_cost.py [--tasks 200] [--rounds 5] [--module ping]
"""

import argparse
import base64
import json
import os
import statistics
import sys
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "push-bootstrap", "src", "main", "python"))
sys.path.insert(0, os.path.join(REPO, "ansible-bridge", "src", "test", "python"))

import bridge_harness  # noqa: E402  (Ansible pointed at a private config and temp dir)
from ansible_spindle.ansiballz import parse_module_invocation  # noqa: E402
from spindle_agent import modules  # noqa: E402
from spindle_agent.modules import ForkServer, run_module  # noqa: E402


class _Agent(object):
    def __init__(self, forkserver):
        self.forkserver = forkserver
        self.sources = None


class _Call(object):
    """What run_module needs of an agent call: the agent's fork server, a cancel hook."""

    def __init__(self, agent):
        self.agent = agent

    def on_cancel(self, callback):
        pass


def main():
    options = _options()
    payload, _ = bridge_harness.ansiballz_payload("ansible.builtin." + options.module, {})
    invocation = parse_module_invocation("/usr/bin/python3", payload)
    server = ForkServer(sources=None)
    server.fork(close=())
    call = _Call(_Agent(server))
    kwargs = dict(zip_sha1=invocation.zip_sha1, fqn=invocation.fqn, params=invocation.params,
                  zip_b64=invocation.zip_b64, name=invocation.name, wrapper=invocation.wrapper)
    times = {"forked": [], "forked from the fork server itself": [], "inline": []}
    preloaded = modules.PRELOADED
    try:
        for _ in range(options.rounds):
            times["forked"].append(_per_task(options.tasks, lambda: _run(call, kwargs, "process")))
            modules.PRELOADED = "no warm parent/"  # no zip has it: tasks fork as before warm parents
            times["forked from the fork server itself"].append(
                _per_task(options.tasks, lambda: _run(call, kwargs, "process")))
            modules.PRELOADED = preloaded
            times["inline"].append(_per_task(options.tasks, lambda: _run(call, kwargs, "none")))
    finally:
        server.stop(grace=2.0)
    print("%s, %d tasks x %d rounds, median per task:" % (options.module, options.tasks, options.rounds))
    for how, per_task in times.items():
        print("  %-36s %6.2f ms" % (how, statistics.median(per_task) * 1000))
    print("fork isolation costs %.2f ms a task" % ((statistics.median(times["forked"]) - statistics.median(times["inline"])) * 1000))


def _options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--module", default="ping")
    return parser.parse_args()


def _per_task(tasks, run):
    started = time.monotonic()
    for _ in range(tasks):
        run()
    return (time.monotonic() - started) / tasks


def _run(call, kwargs, isolation):
    reply = run_module(call, isolation=isolation, **kwargs)
    assert reply["rc"] == 0 and json.loads(base64.b64decode(reply["stdout_b64"])), reply


if __name__ == "__main__":
    sys.exit(main())
