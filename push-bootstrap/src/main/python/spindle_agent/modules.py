"""The `run_module` call: AnsiballZ payloads run in fresh processes from a fork server.

Contract:
- run_module(call, zip_sha1, fqn, params, env=None, zip_b64=None, timeout=None, cwd=None,
  name=None, wrapper=None, isolation=None) -> {"rc",
  "stdout_b64", "stderr_b64"} as /bin/sh -c 'ENV... python3 && sleep 0' gives them for the
  pipelined payload (killed by signal N: rc 128+N, dash's line on stderr). zip_b64 must
  hash to zip_sha1; ZIPS keeps zips (LRU, ZIP_CACHE bytes); a zip neither sent nor held is
  spindle.UnknownPayload. `wrapper` is what the payload's wrapper does around the module
  (docs/protocol.md; modrunner does it). Timeout (spindle.Timeout) or CANCEL kill the task's group.
  isolation "process" (None: the same) runs it in a fresh process forked from the fork server;
  "none" in the fork server's one long-lived inline runner (forkserver), where whatever a task
  changes stays for the next "none" task; without a fork server both run as a process.
  A forked task is forked from a warm parent for its zip and name when the zip holds
  ansible.module_utils.basic: a fork server forked from the fork server once, which imported
  basic from the zip (up to WARM_PARENTS, least recently used closed first), so a task does
  not import it again; from the fork server itself otherwise, or when that parent is gone.
- ForkServer.fork(close) forks forkserver.serve from the still single-threaded agent
  (`close`: the agent's fds). run() forks one task (inline: has the inline runner run it;
  warm: (key, zip spec, the task's spec for it) of its warm parent) -> (rc, stdout, stderr),
  or None: then
  it runs as [sys.executable, "-c", stage 1], stage 2 and spec on stdin. A dead server is
  replaced by a fresh interpreter booted from the agent's sources unless that replacement
  died before forking a task.
"""

import array
import base64
import collections
import io
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from .commands import result, run_process
from .errors import SpindleError, Timeout, UnknownPayload
from .pump import pump
from .router import dump_json
from .stage import build_stage1, build_stage2

__all__ = ["run_module", "ForkServer", "ZipCache", "ZIPS"]

log = logging.getLogger(__name__)

ZIP_CACHE = 64 << 20
WARM_PARENTS = 8
PRELOADED = "ansible/module_utils/basic.py"  # what a warm parent imports, when the zip has it
GRACE = 2.0  # seconds to collect the last output of a killed task


class ZipCache(object):

    def __init__(self, limit=ZIP_CACHE):
        self.limit = limit
        self.size = 0
        self._zips = collections.OrderedDict()
        self._compiled = {}  # sha1 -> {name: (shown path, marshalled code)}, dropped with the zip
        self._members = {}  # sha1 -> the zip's member names, dropped with the zip
        self._lock = threading.Lock()

    def get(self, sha1, zip_b64=None):
        with self._lock:
            if sha1 in self._zips:
                self._zips.move_to_end(sha1)
                return self._zips[sha1]
        if zip_b64 is None:
            raise UnknownPayload("this agent does not hold module zip %s" % sha1)
        import hashlib  # here: 2 ms less to boot
        data = base64.b64decode(zip_b64)
        actual = hashlib.sha1(data).hexdigest()
        if actual != sha1.lower():
            raise ValueError("the module zip's sha1 is %s, not %s" % (actual, sha1))
        with self._lock:
            if sha1 not in self._zips and len(data) <= self.limit:
                self._zips[sha1] = data
                self.size += len(data)
                while self.size > self.limit:
                    evicted, old = self._zips.popitem(last=False)
                    self.size -= len(old)
                    self._compiled.pop(evicted, None)
                    self._members.pop(evicted, None)
        return data

    def holds_member(self, sha1, data, member):
        """Whether the zip has `member` (read once per zip)."""
        with self._lock:
            known = self._members.get(sha1)
        if known is None:
            import zipfile
            known = frozenset(zipfile.ZipFile(io.BytesIO(data)).namelist())
            with self._lock:
                if sha1 in self._zips:
                    self._members[sha1] = known
        return member in known

    def compiled(self, sha1, data, name):
        """(shown path, marshalled code of every .py in the zip), compiled once per zip and name.

        Compiling ansible.module_utils is most of a small module's run time (about 45 ms for
        ping); the task process loads this in about a millisecond instead.
        """
        with self._lock:
            known = self._compiled.get(sha1, {}).get(name)
        if known is None:
            from .modrunner import compile_zip, shown_path
            shown = shown_path(name)
            known = (shown, compile_zip(data, shown))
            with self._lock:
                if sha1 in self._zips:
                    # Concurrent first tasks compile it each; all of them take the first one kept:
                    # its shown path (random) is also their warm parent's key, and ten keys for
                    # one module made ten warm parents, the oldest closed with its task running.
                    known = self._compiled.setdefault(sha1, {}).setdefault(name, known)
        return known


ZIPS = ZipCache()


ISOLATIONS = ("process", "none")


def run_module(call, zip_sha1, fqn, params, env=None, zip_b64=None, timeout=None, cwd=None, name=None,
               wrapper=None, isolation=None):
    if isolation is not None and isolation not in ISOLATIONS:
        raise ValueError("isolation must be one of %s, not %r" % (", ".join(ISOLATIONS), isolation))
    data = ZIPS.get(zip_sha1, zip_b64)
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
    env = dict((str(k), str(v)) for k, v in (env or {}).items())
    shown, code = ZIPS.compiled(zip_sha1, data, name or fqn.rpartition(".")[2])
    spec = dump_json({"fqn": fqn, "params": params, "env": env, "cwd": cwd, "zip_len": len(data),
                      "shown": shown, "wrapper": wrapper}) + b"\n" + data + code
    warm = None
    if isolation != "none" and ZIPS.holds_member(zip_sha1, data, PRELOADED):
        # The parent's imports name the zip as its tasks do: one parent per zip and name. Its
        # tasks get the spec without the zip and code, which the parent holds.
        warm = ((zip_sha1, shown), lambda: dump_json({"zip_len": len(data), "shown": shown}) + b"\n" + data + code,
                dump_json({"fqn": fqn, "params": params, "env": env, "cwd": cwd, "zip_len": 0, "warm": True,
                           "shown": shown, "wrapper": wrapper}) + b"\n")
    deadline = None if timeout is None else time.monotonic() + timeout
    server = call.agent.forkserver
    try:
        outcome = server.run(call, spec, deadline, inline=isolation == "none", warm=warm) if server else None
        if outcome is None:
            stage2 = _stage2(call.agent.sources, "task")
            outcome = run_process(call, build_stage1(len(stage2), sys.executable), stage2 + spec,
                                  timeout=deadline and max(0, deadline - time.monotonic()))
    except Timeout:
        raise Timeout("module %s timed out after %s s" % (fqn, timeout))
    rc, stdout, stderr = outcome
    if rc < 0:
        if -rc not in (signal.SIGINT, signal.SIGPIPE) and hasattr(signal, "strsignal"):
            stderr += (signal.strsignal(-rc) + "\n").encode()
        rc = 128 - rc
    return result(rc, stdout, stderr)


def _stage2(sources, role, fd=-1, cache={}):
    if (role, fd) not in cache:  # CONFIG may hold no null
        cache[role, fd] = build_stage2(sources, {"role": role, "fd": fd})
    return cache[role, fd]


class ForkServer(object):

    def __init__(self, sources):
        self.sources = sources
        self.pid = self._sock = self._process = None  # a Popen once restarted
        self.restarts = self.tasks = 0
        self.fork_times = collections.deque(maxlen=200)  # request to "forked", in seconds
        self._proven = True  # False from a restart until the new server forked a task
        self._lock = threading.Lock()
        self._warm = collections.OrderedDict()  # key -> (socket, pid) of its warm parent, oldest first
        self._warm_lock = threading.Lock()

    def fork(self, close):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                from .forkserver import serve
                serve(theirs.detach(), close)
            finally:
                os._exit(70)
        theirs.close()
        self._sock, self.pid = ours, pid

    def stop(self, grace):
        """Close the server's socket and wait up to `grace` seconds for it to end (it ends
        its tasks first), then kill it: on the way out nothing it forked may stay behind."""
        with self._lock:
            sock, self._sock = self._sock, None
        self._close_warm_parents()
        if sock is None:
            return
        sock.close()
        deadline = time.monotonic() + grace
        while not self._reaped() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._reaped():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def _reaped(self):
        try:
            if self._process:
                return self._process.poll() is not None
            return os.waitpid(self.pid, os.WNOHANG)[0] != 0
        except ChildProcessError:
            return True

    def _close_warm_parents(self):
        with self._warm_lock:
            warm, self._warm = list(self._warm.values()), collections.OrderedDict()
        for parent, _ in warm:  # a warm parent ends its tasks when its socket ends
            parent.close()

    def stats(self):
        times = sorted(self.fork_times)
        with self._warm_lock:
            warm = [pid for _, pid in self._warm.values()]
        return {"pid": self.pid, "restarts": self.restarts, "tasks": self.tasks, "warm_parents": warm,
                "fork_ms": times and round(times[len(times) // 2] * 1000, 3) or None}

    def run(self, call, spec, deadline, inline=False, warm=None):
        if warm is not None and not inline:
            key, zip_spec, warm_spec = warm
            parent = self._warm_parent(key, zip_spec)
            started = parent and self._submit(parent, b"R")
            if started and started != "refused":
                return self._collect(call, started, warm_spec, deadline)
            if parent:
                self._drop_warm(warm[0], parent)
        for _ in range(2):
            sock = self._sock
            if sock is None:
                return None
            started = self._submit(sock, b"I" if inline else b"R")
            if started == "refused":
                return None
            if started:
                return self._collect(call, started, spec, deadline)
            self._restart(sock)
        return None

    def _submit(self, sock, kind):
        """(task socket, stdout, stderr, spec fd, bytes after the pid line), "refused" if
        the server cannot fork, None if it is dead. kind: b"R" a forked task, b"I" inline."""
        task, theirs = socket.socketpair()
        (out, out_w), (err, err_w), (spec_r, spec_w) = os.pipe(), os.pipe(), os.pipe()
        started, reply = time.monotonic(), b""
        try:
            sock.sendmsg([kind], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   array.array("i", [theirs.fileno(), out_w, err_w, spec_r]))])
            task.settimeout(30)
            while b"\n" not in reply:
                block = task.recv(256)
                reply += block
                if not block:
                    break
        except OSError:
            pass
        finally:
            theirs.close()
            for fd in (out_w, err_w, spec_r):
                os.close(fd)
        line, newline, rest = reply.partition(b"\n")
        if line.startswith(b"P") and newline:
            self.fork_times.append(time.monotonic() - started)
            self.tasks += 1
            self._proven = True
            return task, out, err, spec_w, rest
        task.close()
        for fd in (out, err, spec_w):
            os.close(fd)
        if line.startswith(b"E"):
            log.warning("the fork server cannot fork: %s", line[1:].decode("utf-8", "replace"))
            return "refused"
        return None

    def _collect(self, call, started, spec, deadline):
        task, out, err, spec_w, status = started
        drains = [out, err, task.fileno()]
        call.on_cancel(lambda: _poke(task))
        try:
            outputs, finished = pump(drains, spec_w, spec, deadline)
            if not finished:
                _poke(task)
                late = pump(drains, None, b"", time.monotonic() + GRACE)[0]
                outputs = dict((fd, outputs[fd] + late[fd]) for fd in drains)
        finally:
            os.close(out)
            os.close(err)
            task.close()
        status += outputs[drains[2]]
        if not finished:
            raise Timeout("timed out")
        if not status.startswith(b"S"):
            raise SpindleError("the fork server died while the module ran")
        return int(status[1:].split(b"\n")[0]), outputs[out], outputs[err]

    def _warm_parent(self, key, zip_spec):
        """The socket of key's warm parent, asking the fork server for one if there is none
        (None if it cannot); the oldest beyond WARM_PARENTS is closed, and ends."""
        with self._warm_lock:
            known = self._warm.get(key)
            if known is not None:
                self._warm.move_to_end(key)
                return known[0]
            server = self._sock
            if server is None:
                return None
            ours, theirs = socket.socketpair()
            spec_r, spec_w = os.pipe()
            try:
                server.sendmsg([b"W"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [theirs.fileno(), spec_r]))])
                os.close(spec_r)
                spec_r = None
                with os.fdopen(spec_w, "wb") as spec:
                    spec_w = None
                    spec.write(zip_spec())
                pid = _ready_pid(ours)
            except OSError:
                pid = None
            finally:
                theirs.close()
                for fd in (spec_r, spec_w):
                    if fd is not None:
                        os.close(fd)
            if pid is None:  # it could not fork, or died preloading: tasks fork from the server
                ours.close()
                return None
            self._warm[key] = (ours, pid)
            while len(self._warm) > WARM_PARENTS:
                self._warm.popitem(last=False)[1][0].close()
            return ours

    def _drop_warm(self, key, parent):
        with self._warm_lock:
            if self._warm.get(key, (None,))[0] is parent:
                del self._warm[key]
        parent.close()

    def _restart(self, dead):
        self._close_warm_parents()  # children of the dead server: all of it starts anew
        with self._lock:
            if self._sock is not dead:
                return  # another worker did it
            self._sock = None
            dead.close()
            try:
                os.kill(self.pid, signal.SIGKILL)
                if self._process:
                    self._process.wait()
                else:
                    os.waitpid(self.pid, 0)
            except OSError:
                pass
            if not self._proven:
                log.error("the restarted fork server died too: modules run without it now")
                return
            ours, theirs = socket.socketpair()
            stage2 = _stage2(self.sources, "forkserver", theirs.fileno())
            try:
                process = subprocess.Popen(build_stage1(len(stage2), sys.executable),
                                           stdin=subprocess.PIPE, pass_fds=[theirs.fileno()],
                                           start_new_session=True)
                process.stdin.write(stage2)
                process.stdin.close()
            except OSError as exc:
                log.error("cannot restart the fork server: %s", exc)
                ours.close()
                return
            finally:
                theirs.close()
            log.warning("the fork server %s died; started %d", self.pid, process.pid)
            self._sock, self.pid, self._process = ours, process.pid, process
            self.restarts += 1
            self._proven = False


def _ready_pid(sock, timeout=30):
    """The pid in the "P<pid>\n" a warm parent says when ready; None if it ends first."""
    sock.settimeout(timeout)
    line = b""
    while not line.endswith(b"\n"):
        block = sock.recv(64)
        if not block:
            return None
        line += block
    sock.settimeout(None)
    return int(line[1:]) if line.startswith(b"P") else None


def _poke(task):
    try:
        task.send(b"k")
    except OSError:
        pass
