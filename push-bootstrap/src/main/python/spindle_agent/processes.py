"""The processes the agent started, so that they end when it ends.

Contract:
- Every process the agent starts runs in a session of its own (start_new_session=True), so
  its process group id is its pid and kill_group() also reaches what it started in turn.
- terminate(processes, grace) sends SIGTERM to each group, waits up to grace seconds in
  total, then sends SIGKILL to what is left and reaps it. Processes it may not signal (a
  root sudo started by an unprivileged agent) are left to end on their own: their channel
  closes with the agent.
- ProcessSet is a thread-safe set of the live ones. retire(process, grace) gives one grace
  seconds to end on its own (a become child whose channel closed does), then terminates it,
  on a background thread, and only then forgets it, so terminate_all() on the way out still
  waits for it; then() runs after that, and the threading.Event it returns is set once the
  process is reaped or given up on.
"""

import os
import signal
import subprocess
import threading
import time

__all__ = ["kill_group", "terminate", "ProcessSet"]


def kill_group(process, sig):
    if process.returncode is not None:
        return  # reaped: its pid may already belong to someone else
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def terminate(processes, grace):
    for process in processes:
        kill_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_group(process, signal.SIGKILL)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                pass


class ProcessSet(object):

    def __init__(self):
        self._processes = set()
        self._lock = threading.Lock()

    def add(self, process):
        with self._lock:
            self._processes.add(process)

    def discard(self, process):
        with self._lock:
            self._processes.discard(process)

    def retire(self, process, grace, then=None):
        ended = threading.Event()

        def end():
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                terminate([process], grace)
            self.discard(process)
            if then is not None:
                then()
            ended.set()
        threading.Thread(target=end, daemon=True).start()
        return ended

    def terminate_all(self, grace):
        with self._lock:
            processes = list(self._processes)
        terminate(processes, grace)
