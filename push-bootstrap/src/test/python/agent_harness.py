"""Test helpers: where things are, the agent's sources, an agent subprocess booted with the
real stage 1 and stage 2, and a fake controller speaking frames to it.

Importing this module puts push-bootstrap/src/main/python on sys.path, found relative to
this file, so the tests run from any working directory.
"""

import base64
import glob
import itertools
import json
import os
import queue
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
PYTHON_SOURCES = os.path.join(REPO, "push-bootstrap", "src", "main", "python")
PACKAGE_DIR = os.path.join(PYTHON_SOURCES, "spindle_agent")
VECTORS = os.path.join(REPO, "bus", "src", "test", "resources", "frames", "vectors.json")
PROTOCOL_DOC = os.path.join(REPO, "docs", "protocol.md")

if PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, PYTHON_SOURCES)

from spindle_agent.framing import Decoder, encode  # noqa: E402
from spindle_agent.protocol import (  # noqa: E402
    FLAG_ERROR, FLAG_RAW, HANDLE_CALL, HANDLE_CANCEL, HANDLE_CREDIT, HANDLE_GET_SOURCE, HANDLE_LOG,
    HANDLE_STREAM_CALL, READY_MARKER,
)
from spindle_agent.stage import build_stage1, build_stage2, stage1_line  # noqa: E402

AGENT_ID = 1000


def agent_source_files():
    return sorted(glob.glob(os.path.join(PACKAGE_DIR, "*.py")))


def agent_sources():
    """SOURCES as the controller sends them: {"spindle_agent.x": [is_pkg, source]}."""
    sources = {}
    for path in agent_source_files():
        module = os.path.basename(path)[:-3]
        with open(path, encoding="utf-8") as source:
            text = source.read()
        if module == "__init__":
            sources["spindle_agent"] = [True, text]
        else:
            sources["spindle_agent." + module] = [False, text]
    return sources


def agent_config(**overrides):
    config = {"context_id": AGENT_ID, "parent_id": 0, "max_frame": 32 * 1024 * 1024,
              "log_level": 20, "name": "tester@localhost"}
    config.update(overrides)
    return config


def children_of(pid):
    """Pids whose parent is pid, read from /proc."""
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.split("/")[2]))
    return children


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def decoded(result):
    """(rc, stdout bytes, stderr bytes) of an exec/run_command/run_module reply."""
    return (result["rc"], base64.b64decode(result["stdout_b64"]),
            base64.b64decode(result["stderr_b64"]))


def parent_of(pid):
    with open("/proc/%d/stat" % pid) as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def forkserver_pid(controller, dst=AGENT_ID):
    return controller.call("stats", dst=dst)["forkserver"]["pid"]


def wait_until(predicate, timeout=5.0, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class RemoteError(Exception):
    def __init__(self, payload):
        Exception.__init__(self, "%s: %s" % (payload["type"], payload["message"]))
        self.type = payload["type"]
        self.message = payload["message"]
        self.traceback = payload["traceback"]
        self.exited = payload.get("exited")


class FakeController(object):
    """Context 0 on one socket: sends CALLs, collects replies and LOG records, serves
    GET_SOURCE from a dict {fullname: [is_pkg, source]} the way the Java controller does."""

    def __init__(self, sock, module_sources=None):
        self.sock = sock
        self.module_sources = module_sources or {}
        self.source_requests = []
        self.logs = []
        self.unexpected = []  # frames nobody waits for, e.g. a reply to a cancelled call
        self.noise = b""
        self.ready = threading.Event()
        self.closed = threading.Event()
        self._handles = itertools.count(1000)
        self._waiters = {}  # reply handle -> [Event, frame]
        self._streams = {}  # reply handle of a STREAM_CALL -> Queue of its reply frames
        self._lock = threading.Condition()
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def send(self, data):
        with self._write_lock:
            self.sock.sendall(data)

    def request(self, handle, value, dst=AGENT_ID, data=None):
        """Send a request; with data, a RAW one: the JSON's length, the JSON, then data."""
        payload = json.dumps(value).encode("utf-8")
        if data is None:
            return self.send_request(handle, payload, 0, dst)
        return self.send_request(handle, struct.pack(">I", len(payload)) + payload + data,
                                 FLAG_RAW, dst)

    def send_request(self, handle, payload, flags, dst=AGENT_ID):
        """Send a request as given, for wait(); returns its reply handle."""
        reply_to = next(self._handles)
        self._waiters[reply_to] = [threading.Event(), None]
        self.send(encode(dst, 0, handle, reply_to, payload, flags))
        return reply_to

    def call_async(self, fn, dst=AGENT_ID, data=None, **kw):
        """A CALL; data (bytes) makes it a RAW CALL carrying them."""
        return self.request(HANDLE_CALL, {"fn": fn, "kw": kw}, dst, data)

    def wait(self, reply_to, timeout=10.0):
        """The reply's JSON value (bytes for a RAW reply); raises RemoteError for an ERROR
        reply."""
        event, _ = self._waiters[reply_to]
        if not event.wait(timeout):
            raise AssertionError("no reply to handle %d within %s s" % (reply_to, timeout))
        frame = self._waiters.pop(reply_to)[1]
        if frame.flags & FLAG_RAW:
            return frame.payload
        value = json.loads(frame.payload.decode("utf-8"))
        if frame.flags & FLAG_ERROR:
            raise RemoteError(value)
        return value

    def call(self, fn, dst=AGENT_ID, reply_timeout=10.0, data=None, **kw):
        return self.wait(self.call_async(fn, dst, data, **kw), reply_timeout)

    def stream_async(self, fn, window, dst=AGENT_ID, **kw):
        """Send a STREAM_CALL; its reply frames queue up for next_reply."""
        reply_to = next(self._handles)
        self._streams[reply_to] = queue.Queue()
        value = {"fn": fn, "kw": kw, "window": window}
        self.send(encode(dst, 0, HANDLE_STREAM_CALL, reply_to, json.dumps(value).encode("utf-8")))
        return reply_to

    def next_reply(self, reply_to, timeout=10.0):
        """The next reply frame of a stream; None if none came within timeout."""
        try:
            return self._streams[reply_to].get(timeout=timeout)
        except queue.Empty:
            return None

    def credit(self, reply_to, credit, dst=AGENT_ID):
        body = json.dumps({"reply_to": reply_to, "credit": credit}).encode("utf-8")
        self.send(encode(dst, 0, HANDLE_CREDIT, 0, body))

    def cancel(self, reply_to, dst=AGENT_ID):
        self.send(encode(dst, 0, HANDLE_CANCEL, 0, json.dumps({"reply_to": reply_to}).encode()))

    def wait_for_log(self, predicate, timeout=5.0):
        with self._lock:
            if self._lock.wait_for(lambda: any(predicate(r) for r in self.logs), timeout):
                return next(r for r in self.logs if predicate(r))
        raise AssertionError("no matching log record; got %r" % (self.logs,))

    def _read(self):
        decoder = Decoder()
        try:
            buffered = self._read_until_marker()
            frames = decoder.feed(buffered)
            while True:
                for frame in frames:
                    self._dispatch(frame)
                data = self.sock.recv(262144)
                if not data:
                    return
                frames = decoder.feed(data)
        except OSError:
            return
        finally:
            self.closed.set()

    def _read_until_marker(self):
        while READY_MARKER not in self.noise:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("agent closed its channel before the ready marker")
            self.noise += data
        self.noise, _, rest = self.noise.partition(READY_MARKER)
        self.ready.set()
        return rest

    def _source_answer(self, fullname):
        """What dev.spindle.bus.source.SourceService answers."""
        answer = {"fullname": fullname, "found": fullname in self.module_sources}
        if answer["found"]:
            is_pkg, source = self.module_sources[fullname]
            answer.update(is_pkg=bool(is_pkg), source=source)
        return json.dumps(answer).encode("utf-8")

    def _dispatch(self, frame):
        if frame.handle == HANDLE_LOG:
            with self._lock:
                self.logs.append(json.loads(frame.payload.decode("utf-8")))
                self._lock.notify_all()
        elif frame.handle == HANDLE_GET_SOURCE:
            fullname = json.loads(frame.payload.decode("utf-8"))["fullname"]
            self.source_requests.append((frame.src, fullname))
            self.send(encode(frame.src, 0, frame.reply_to, 0, self._source_answer(fullname)))
        elif frame.handle in self._streams:
            self._streams[frame.handle].put(frame)
        else:
            waiter = self._waiters.get(frame.handle)
            if waiter is None:
                self.unexpected.append(frame)
                return
            waiter[1] = frame
            waiter[0].set()


# A version manager's shim, as pyenv's: it changes the environment (its version's bin folder
# first on PATH) before it execs the real interpreter.
FAKE_SHIM = """#!/bin/sh
PATH=/fake-shim/versions/bin:$PATH
export PATH
exec {python} "$@"
"""


def install_fake_shim(directory, name="python3"):
    """Writes a fake shim `name` into directory; returns its path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(FAKE_SHIM.format(python=shlex.quote(sys.executable)))
    os.chmod(path, 0o755)
    return path


class AgentProcess(object):
    """An agent booted the way the controller boots one: `python -I -c STAGE1`, stage 2 written
    at once, channel on a socketpair (binary clean, like an SSH channel). through_shell: from
    /bin/sh, with the login shell's PATH as stage 1's argument, as the controller's command
    line does."""

    def __init__(self, module_sources=None, python=None, env=None, cwd=None, through_shell=False,
                 **config):
        stage2 = build_stage2(agent_sources(), agent_config(**config))
        self.stage2_size = len(stage2)
        ours, theirs = socket.socketpair()
        python = python or sys.executable
        if through_shell:
            argv = ["/bin/sh", "-c", stage1_line(len(stage2), python)]
        else:
            argv = build_stage1(len(stage2), python, isolated=True)
        self.process = subprocess.Popen(
            argv, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE, env=env, cwd=cwd)
        theirs.close()
        self.sock = ours
        ours.sendall(stage2)
        self.controller = FakeController(ours, module_sources)

    @property
    def pid(self):
        return self.process.pid

    def close(self, timeout=10.0):
        """Send EOF; return (exit status, stderr text)."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return self.wait(timeout)

    def wait(self, timeout=10.0):
        try:
            _, stderr = self.process.communicate(timeout=timeout)
        finally:
            self.sock.close()
        return self.process.returncode, stderr.decode("utf-8", "replace")

    def kill(self):
        if self.process.returncode is None:
            self.process.kill()
            self.wait()


class SharedAgentTestCase(unittest.TestCase):
    """One agent for a whole test class: started with agent_options(), closed after the class
    and checked to have exited 0 (and, unless quiet_stderr is False, said nothing on stderr)."""

    quiet_stderr = True

    @classmethod
    def agent_options(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        cls.agent = AgentProcess(**cls.agent_options())
        cls.controller = cls.agent.controller

    @classmethod
    def tearDownClass(cls):
        status, stderr = cls.agent.close()
        assert status == 0 and (stderr == "" or not cls.quiet_stderr), (status, stderr)
