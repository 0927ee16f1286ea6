"""A pool of reusable daemon threads for calls.

Contract: submit(fn, *args) returns at once and fn(*args) runs on a worker thread. A new
thread is started only when no worker is idle, so a warm call costs a queue hand-off, not a
thread start, and a slow call never delays the next one. Workers never exit; they are daemon
threads so they do not keep the process alive. Exceptions escaping fn are logged.
"""

import logging
import queue
import threading

__all__ = ["WorkerPool"]

log = logging.getLogger(__name__)


class WorkerPool(object):

    def __init__(self):
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting on the queue and not yet promised a job

    def submit(self, fn, *args):
        with self._lock:
            start_worker = self._idle == 0
            if not start_worker:
                self._idle -= 1
        self._queue.put((fn, args))
        if start_worker:
            threading.Thread(target=self._work, name="spindle-worker", daemon=True).start()

    def _work(self):
        while True:
            fn, args = self._queue.get()
            try:
                fn(*args)
            except Exception:
                log.exception("worker job %r failed", fn)
            with self._lock:
                self._idle += 1
