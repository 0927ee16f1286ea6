"""Log records and stray output of the agent, sent to the controller as LOG frames.

Contract:
- LogForwarder is a logging.Handler that sends every record as
  {"name": logger, "level": levelno, "msg": formatted text} to the controller (handle LOG).
  It never raises and never writes to the process's stdio.
- LineSplitter turns a byte stream (the pipes behind fds 1 and 2, a child's tty) into one
  callback per line. A line longer than MAX_LINE is cut; a partial line is kept until its
  newline or until close().
"""

import logging

from .protocol import CONTROLLER_ID, HANDLE_LOG
from .router import dump_json

__all__ = ["LogForwarder", "LineSplitter", "send_log"]

MAX_LINE = 64 * 1024


def send_log(router, name, level, msg):
    router.send(CONTROLLER_ID, HANDLE_LOG, dump_json({"name": name, "level": level, "msg": msg}))


class LogForwarder(logging.Handler):

    def __init__(self, router):
        logging.Handler.__init__(self)
        self.router = router

    def emit(self, record):
        try:
            send_log(self.router, record.name, record.levelno, self.format(record))
        except Exception:
            pass  # reporting the failure would log again, through this handler


class LineSplitter(object):

    def __init__(self, on_line):
        self._on_line = on_line
        self._partial = b""

    def feed(self, data):
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        while len(self._partial) > MAX_LINE:
            lines.append(self._partial[:MAX_LINE])
            self._partial = self._partial[MAX_LINE:]
        for line in lines:
            self._on_line(line.rstrip(b"\r").decode("utf-8", "replace"))

    def close(self):
        if self._partial:
            self._on_line(self._partial.decode("utf-8", "replace"))
            self._partial = b""
