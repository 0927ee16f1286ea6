#!/usr/bin/python3
"""Controller CPU of ActionBase._execute_module alone, per task, vanilla (payload built, then
parsed by spindle_ssh) against planned, in this process with the daemon replaced by a
recorder (ansible-bridge/src/test/python/test_planner's harness): the part of a task's
controller CPU the planner changes, without the worker fork, templating and callbacks around it.

    /usr/bin/python3 bench/src/test/scripts/planner_execute_cost.py [--tasks 200]
    PYTHONPATH=<an ansible-core tree> ... to measure another release
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "..", "..", "..", "..", "ansible-bridge", "src", "test", "python")))

import test_planner  # noqa: E402

MODULES = {"ansible.builtin.ping": {"data": "x"}, "ansible.builtin.command": {"_raw_params": "hostname"}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200)
    tasks = parser.parse_args().tasks
    harness = test_planner.PlannerTest()
    for name, args in MODULES.items():
        cpu = {False: [], True: []}
        for _ in range(2):  # interleaved, the first of each as warm-up
            for planned in (False, True):
                harness.run_module(planned, module_name=name, module_args=args)
                started = time.process_time()
                for _ in range(tasks):
                    harness.run_module(planned, module_name=name, module_args=args)
                cpu[planned].append((time.process_time() - started) * 1000 / tasks)
        vanilla, planned = min(cpu[False]), min(cpu[True])
        print("%s: _execute_module CPU per task: vanilla %.2f ms, planned %.2f ms (%.2fx)"
              % (name, vanilla, planned, planned / vanilla))


if __name__ == "__main__":
    sys.exit(main())
