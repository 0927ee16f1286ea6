"""The fork server (DESIGN.md section 8): a single-threaded child of the agent that forks a
fresh process per module task, so no task sees another's state, fds, env, cwd or signals.

Contract: serve(fd, close) never returns. It closes `close`, imports WARM (stdlib and two site
packages, never ansible), drops the agent's logging handlers and atexit hooks, and serves requests on
the unix socket fd: one byte with four fds, a task socket, stdout, stderr and a pipe with
the spec (modrunner.run). The task gets a new session and no other fd. On the task
socket: "P<pid>\n" (or "E<why>\n": no fork), "S<status>\n" when reaped (< 0: killed by that
signal), then close. A byte from the agent on it, or its closing, kills the task's group.
When fd ends, or on SIGTERM, tasks get SIGTERM, SIGKILL after GRACE; the server exits.
"""

import array
import atexit
import importlib
import logging
import os
import selectors
import signal
import socket
import sys
import time
import traceback
import types

from .modrunner import run

__all__ = ["serve", "WARM"]

GRACE = 1.0
# What ansible.module_utils.basic imports, so a task doesn't load it from disk each time (about
# 12 -> 6 ms per module here). The last two are site packages basic uses when a target has them
# (python3-selinux, python3-distro); they are left out quietly when it doesn't.
WARM = ("__future__ argparse copy ctypes datetime gettext glob grp hashlib inspect json locale "
        "pkgutil platform pwd random runpy shlex shutil subprocess syslog tempfile typing zipfile "
        "encodings.cp437 selinux distro").split()


def serve(fd, close=()):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fd)
    try:
        os.setsid()  # signals meant for the agent's group stay there
    except OSError:
        pass
    for other in close:
        os.close(other)
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    logging.getLogger().handlers[:] = []
    logging.getLogger().setLevel(logging.WARNING)
    atexit._clear()
    atexit.register(logging.shutdown)
    sys.modules["__main__"] = types.ModuleType("__main__")
    _Server(sock).loop()


def _signal(pid, sig):
    for kill in (os.killpg, os.kill):  # os.kill: the task may not have called setsid() yet
        try:
            kill(pid, sig)
        except OSError:
            pass


def _send(sock, text):
    try:
        sock.sendall(text.encode("utf-8", "replace") + b"\n")
    except OSError:
        pass


class _Server(object):

    def __init__(self, sock):
        self.sock = sock
        self.tasks = {}  # pid -> task socket, until reaped
        self.wake_r, self.wake_w = os.pipe()
        for end in (self.wake_r, self.wake_w):
            os.set_blocking(end, False)
        signal.set_wakeup_fd(self.wake_w)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, lambda *args: None)
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ, self._request)
        self.selector.register(self.wake_r, selectors.EVENT_READ, self._signals)

    def loop(self):
        while True:
            for key, _ in self.selector.select():
                key.data()

    def _signals(self):
        try:
            caught = os.read(self.wake_r, 512)
        except BlockingIOError:
            caught = b""
        if signal.SIGTERM in bytearray(caught):
            self._stop()
        self._reap()

    def _request(self):
        fds = array.array("i")
        data, ancillary, _, _ = self.sock.recvmsg(1, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
        if not data:
            self._stop()
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            return
        task = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fds[0])
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may leak into the task
            stream.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            _send(task, "E%s" % exc)
            pid = None
        if pid == 0:
            self._child(task, fds[1:])
        for fd in fds[1:]:
            os.close(fd)
        if pid is None:
            task.close()
            return
        self.tasks[pid] = task
        self.selector.register(task, selectors.EVENT_READ, lambda: self._kill(pid, task))
        _send(task, "P%d" % pid)

    def _child(self, task, fds):
        try:
            os.setsid()
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            self.selector.close()
            for own in [self.sock, task] + list(self.tasks.values()):
                own.close()
            for fd in (self.wake_r, self.wake_w):
                os.close(fd)
            os.dup2(fds[0], 1)
            os.dup2(fds[1], 2)
            os.close(fds[0])
            os.close(fds[1])
            with open(fds[2], "rb") as spec:
                data = spec.read()
            run(data)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(70)

    def _kill(self, pid, task):
        try:
            gone = not task.recv(64)
        except OSError:
            gone = True
        if gone:
            self.selector.unregister(task)
        if pid in self.tasks:
            _signal(pid, signal.SIGKILL)

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            task = self.tasks.pop(pid, None)
            if task is not None:
                code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                _send(task, "S%d" % code)
                if task.fileno() in self.selector.get_map():
                    self.selector.unregister(task)
                task.close()

    def _stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.tasks:
                _signal(pid, sig)
            deadline = time.monotonic() + GRACE
            while self.tasks and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.01)
        os._exit(0)
