"""The fork server (DESIGN.md section 8): a single-threaded child of the agent that forks a
fresh process per module task, so no task sees another's state, fds, env, cwd or signals.

Contract: serve(fd, close) never returns. It closes `close`, imports WARM (stdlib and two site
packages, never ansible), drops the agent's logging handlers and atexit hooks, and serves requests on
the unix socket fd: one byte with four fds, a task socket, stdout, stderr and a pipe with
the spec (modrunner.run). The task gets a new session and no other fd. On the task
socket: "P<pid>\n" (or "E<why>\n": no fork), "S<status>\n" when reaped (< 0: killed by that
signal), then close. A byte from the agent on it, or its closing, kills the task's group.
The byte "W" with two fds, a socket and a pipe with a zip spec, forks a warm parent: a server
like this one on that socket, which first imports from the zip (modrunner.preload), so the
tasks it forks need not, then says "P<pid>\n" on it. The byte "I" instead of "R" (isolation "none") has the task run inline: by one long-lived
runner the server forks when first needed (its own session), which runs its tasks one after
the other in itself (modrunner.execute) and tells the server each status; "P<runner pid>",
"S<status>" as for a forked task. Killing an inline task kills the runner, and a runner that
dies (a module called os._exit, or was killed) ends every task it still had with its status;
the next inline task gets a new runner. The server itself never runs a module, so forked tasks
see nothing of what inline ones did.
When fd ends, or on SIGTERM, tasks get SIGTERM, SIGKILL after GRACE; the server exits.
"""

import array
import atexit
import collections
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

from .modrunner import execute, preload, run

__all__ = ["serve", "WARM"]

GRACE = 1.0
# What Ansible's module_utils collect for one module's result and keep in module globals
# (2.14-2.19: lists, then dicts): an inline task starts with them empty, as a fresh process
# would, or one task's warnings and deprecations would show in the next one's result.
PER_RESULT_STATE = (("ansible.module_utils.common.warnings", ("_global_warnings", "_global_deprecations")),)
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


def _serve_inline(channel):
    """The inline runner: each task's stdout, stderr and spec fds arrive on channel; it runs
    the task in this process and answers "S<status>\n". Ends when channel does."""
    while True:
        fds = array.array("i")
        data, ancillary, _, _ = channel.recvmsg(1, socket.CMSG_SPACE(3 * fds.itemsize))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
        if not data:
            os._exit(0)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            continue
        channel.sendall(b"S%d\n" % _execute_inline(*fds))


def _execute_inline(out, err, spec_fd):
    with open(spec_fd, "rb") as spec:
        data = spec.read()
    _reset_per_result_state()
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    try:
        return execute(data)
    except BaseException:
        traceback.print_exc()
        return 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        for fd, original in enumerate(saved):
            os.dup2(original, fd)  # the task's ends close here: the agent sees its output end
            os.close(original)


def _reset_per_result_state():
    for module_name, names in PER_RESULT_STATE:
        module = sys.modules.get(module_name)
        for name in names:
            collected = getattr(module, name, None)
            if collected is not None:
                collected.clear()


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
        self.runner = None  # (pid, channel) of the inline runner, once forked
        self.inline_tasks = collections.deque()  # task sockets the runner has yet to answer, in order
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
        if data == b"W" and len(fds) == 2:
            self._fork_warm_parent(fds)
            return
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            return
        task = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fds[0])
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may leak into the task
            stream.flush()
        if data == b"I":
            self._run_inline(task, fds[1:])
            return
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

    def _become_child(self, task, fds=()):
        """In a child just forked: a session of its own, nothing of the server's left open
        (the request's task socket and `fds` neither)."""
        os.setsid()
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        self.selector.close()
        owned = [self.sock] + ([task] if task else []) + list(self.tasks.values()) + list(self.inline_tasks)
        if self.runner:
            owned.append(self.runner[1])
        for own in owned:
            own.close()
        for fd in (self.wake_r, self.wake_w) + tuple(fds):
            os.close(fd)

    def _child(self, task, fds):
        try:
            self._become_child(task)
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

    def _fork_warm_parent(self, fds):
        """A fork server of its own for one zip, on socket fds[0], that first imports from the
        zip spec on pipe fds[1] (modrunner.preload); it ends when its socket does."""
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError:
            pid = None  # the agent sees the socket end and forks from this server instead
        if pid == 0:
            try:
                self._become_child(None)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fds[0])
                with open(fds[1], "rb") as spec:
                    preload(spec.read())
                _send(sock, "P%d" % os.getpid())  # ready
                _Server(sock).loop()
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)

    def _run_inline(self, task, fds):
        try:
            if self.runner is None:
                self.runner = self._fork_runner(task, fds)
            pid, channel = self.runner
            _send(task, "P%d" % pid)  # first: the runner may answer before this returns
            channel.sendmsg([b"I"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        except OSError as exc:
            _send(task, "E%s" % exc)
            task.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        self.inline_tasks.append(task)
        self.selector.register(task, selectors.EVENT_READ, lambda: self._poke_inline(task))

    def _fork_runner(self, task, fds):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                self._become_child(task, fds)
                _serve_inline(theirs)
            finally:
                os._exit(70)
        theirs.close()
        self.selector.register(ours, selectors.EVENT_READ, self._runner_answered)
        return pid, ours

    def _runner_answered(self):
        pid, channel = self.runner
        try:
            answer = channel.recv(4096)
        except OSError:
            answer = b""
        if not answer:  # gone: _reap tells its tasks how it ended
            if channel.fileno() in self.selector.get_map():
                self.selector.unregister(channel)
            return
        # One "S<status>\n" line per task, in order; a line is far shorter than a pipe's atomic write.
        for line in answer.decode("ascii").splitlines():
            if self.inline_tasks:
                self._end_inline(self.inline_tasks.popleft(), line)

    def _end_inline(self, task, status_line):
        _send(task, status_line)
        if task.fileno() in self.selector.get_map():
            self.selector.unregister(task)
        task.close()

    def _poke_inline(self, task):
        self._unregister_if_closed(task)
        if task in self.inline_tasks and self.runner:
            _signal(self.runner[0], signal.SIGKILL)

    def _runner_died(self, code):
        if self.runner[1].fileno() in self.selector.get_map():
            self.selector.unregister(self.runner[1])
        self.runner[1].close()
        self.runner = None
        while self.inline_tasks:
            self._end_inline(self.inline_tasks.popleft(), "S%d" % code)

    def _kill(self, pid, task):
        self._unregister_if_closed(task)
        if pid in self.tasks:
            _signal(pid, signal.SIGKILL)

    def _unregister_if_closed(self, task):
        """A readable task socket is a poke (the agent wants the task killed) or its close."""
        try:
            gone = not task.recv(64)
        except OSError:
            gone = True
        if gone:
            self.selector.unregister(task)

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            if self.runner and pid == self.runner[0]:
                self._runner_answered()  # statuses it sent before it ended come first
                if self.runner:
                    self._runner_died(code)
                continue
            task = self.tasks.pop(pid, None)
            if task is not None:
                _send(task, "S%d" % code)
                if task.fileno() in self.selector.get_map():
                    self.selector.unregister(task)
                task.close()

    def _stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in list(self.tasks) + ([self.runner[0]] if self.runner else []):
                _signal(pid, sig)
            deadline = time.monotonic() + GRACE
            while (self.tasks or self.runner) and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.01)
        os._exit(0)
