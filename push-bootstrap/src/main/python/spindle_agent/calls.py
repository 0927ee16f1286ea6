"""The functions the agent serves and how a CALL becomes a reply (docs/protocol.md section 4).

Contract:
- FUNCTIONS is the fixed table. Each is fn(call, **kw) and returns a JSON-able result, or
  bytes for a RAW reply. An unknown name is answered with spindle.NoSuchFunction.
- A CALL flagged RAW carries bytes (docs/protocol.md section 3, "Calls that carry bytes"):
  its payload is the JSON request's length (4 bytes, big-endian), the request, then the
  bytes, which the function finds in call.data (None for a JSON CALL).
- stats(call) -> {"pid", "rss_kb", "calls_in_flight" (besides this one), "children": become
  children [{"context_id", "pid", "ready"}], "forkserver": ForkServer.stats() or None}.
- interpreters(call) -> {"platform": uname -s, "found": PYTHONS (ansible's discovery list)
  found like `command -v` on PATH, else in /usr/local/bin:/usr/bin:/bin, "os_release"},
  computed once.
- Dispatcher.on_call runs on the router's loop thread and only queues the call; the function
  runs on a worker thread, which also writes the reply. Any exception becomes an ERROR reply
  {"type", "message", "traceback"}; a result too big for one frame becomes an error too.
- Dispatcher.on_cancel handles CANCEL {"reply_to": h}: a call that has not started never
  runs, a running one gets its cancel hook called (exec kills its process). A cancelled call
  sends no reply: the caller has already given up on it.
- Streamed replies (docs/protocol.md section 3): a function that is a generator streams. It
  is called with STREAM_CALL {"fn", "kw", "window"}; each value it yields is sent as an item
  (bytes raw, anything else JSON) once there is credit for it, the worker thread waiting
  otherwise, and its return value is the LAST reply. Dispatcher.on_credit adds the credit of a
  CREDIT {"reply_to", "credit"}. A plain CALL to a generator fails with
  spindle.StreamRequired; a STREAM_CALL to a plain function gets its result flagged LAST.
"""

import importlib
import inspect
import json
import logging
import os
import pwd
import struct
import sys
import threading
import traceback

from . import files
from .become import spawn_child, stop_child
from .commands import exec_command, shell_command
from .errors import NoSuchFunction, StreamRequired, error_payload
from .modules import run_module
from .protocol import FLAG_ERROR, FLAG_LAST, FLAG_RAW, HANDLE_STREAM_CALL
from .router import dump_json
from .workers import WorkerPool

__all__ = ["Agent", "Call", "Dispatcher", "FUNCTIONS"]

log = logging.getLogger(__name__)


class Agent(object):
    """What the functions may use: the agent's CONFIG, its router, the sources it was
    booted from (to boot children), the processes it started, its fork server (or None),
    its open file transfers and its dispatcher."""

    def __init__(self, config, router, sources, processes, forkserver=None):
        self.config = config
        self.router = router
        self.sources = sources
        self.processes = processes
        self.forkserver = forkserver
        self.transfers = files.Transfers(config.get("transfer_idle", files.IDLE))
        self.dispatcher = None


class Call(object):
    """One CALL or STREAM_CALL being served. It ends once (a reply or an error), and not at all
    once cancelled; a streamed call may send items before that."""

    def __init__(self, agent, frame):
        self.agent = agent
        self.frame = frame
        self.streamed = frame.handle == HANDLE_STREAM_CALL
        self.data = None  # the bytes a RAW CALL carries, set once its request is read
        self.cancelled = False
        self._finished = False  # replied to, or cancelled
        self._cancel_hook = None
        self._credit = 0        # items a streamed call may still send
        self._lock = threading.Lock()
        self._credit_changed = threading.Condition(self._lock)

    def reply(self, value):
        if isinstance(value, bytes):
            # a whole answer in one frame: LAST tells relaying agents the request is done
            self._answer(value, FLAG_RAW | FLAG_LAST)
        else:
            self._answer(dump_json(value), FLAG_LAST if self.streamed else 0)

    def grant(self, credit):
        with self._lock:
            self._credit += credit
            self._credit_changed.notify_all()

    def stream(self, items):
        """Send each value of the generator items as an item, each when there is credit for
        it; return the generator's return value (None once cancelled)."""
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration as stop:
                    return stop.value
                if not self._take_credit():
                    return None
                if isinstance(item, bytes):
                    self.agent.router.send(self.frame.src, self.frame.reply_to, item, FLAG_RAW)
                else:
                    self.agent.router.send(self.frame.src, self.frame.reply_to, dump_json(item))
        finally:
            items.close()

    def _take_credit(self):
        with self._lock:
            self._credit_changed.wait_for(lambda: self._credit > 0 or self.cancelled)
            if self.cancelled:
                return False
            self._credit -= 1
            return True

    def fail(self, exc, traceback_text):
        self._answer(dump_json(error_payload(exc, traceback_text)), FLAG_ERROR)

    def on_cancel(self, hook):
        """Call hook() when the call is cancelled (at once if it already was)."""
        with self._lock:
            self._cancel_hook = hook
            already = self.cancelled
        if already:
            hook()

    def cancel(self):
        with self._lock:
            if self._finished:
                return
            self._finished = self.cancelled = True
            self._credit_changed.notify_all()
            hook = self._cancel_hook
        if hook is not None:
            hook()

    def _answer(self, payload, flags):
        with self._lock:
            if self._finished:
                return
            if self.frame.reply_to:  # raises for a payload too big, so fail() can still answer
                self.agent.router.send(self.frame.src, self.frame.reply_to, payload, flags)
            self._finished = True


class Dispatcher(object):

    def __init__(self, agent):
        self.agent = agent
        agent.dispatcher = self
        self._pool = WorkerPool()
        self.calls = {}  # (src, reply_to) -> Call, until it finished

    def on_call(self, frame):
        call = Call(self.agent, frame)
        if frame.reply_to:
            self.calls[(frame.src, frame.reply_to)] = call
        self._pool.submit(self._run, call)

    def on_cancel(self, frame):
        call, _ = self._addressed(frame, "CANCEL")
        if call is not None:
            call.cancel()

    def on_credit(self, frame):
        call, body = self._addressed(frame, "CREDIT")
        if call is None:
            return
        credit = body.get("credit")
        if isinstance(credit, int) and not isinstance(credit, bool) and credit > 0:
            call.grant(credit)
        else:
            log.warning("ignored CREDIT from %d with credit %r", frame.src, credit)

    def _addressed(self, frame, kind):
        """(call, body) of a CANCEL or CREDIT {"reply_to": h, ...}; call is None once the call
        it names has ended."""
        try:
            body = json.loads(frame.payload.decode("utf-8"))
            return self.calls.get((frame.src, body["reply_to"])), body
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored malformed %s from %d: %s", kind, frame.src, exc)
            return None, None

    def _run(self, call):
        try:
            if not call.cancelled:
                call.reply(self._invoke(call))
        except Exception as exc:
            call.fail(exc, traceback.format_exc())
        finally:
            key = (call.frame.src, call.frame.reply_to)
            if self.calls.get(key) is call:
                del self.calls[key]

    @staticmethod
    def _invoke(call):
        request = Dispatcher._request(call)
        name = request["fn"]
        function = FUNCTIONS.get(name)
        if function is None:
            raise NoSuchFunction("the agent has no function %r" % (name,))
        streams = inspect.isgeneratorfunction(function)
        if streams and not call.streamed:
            raise StreamRequired("%s answers with a stream: call it with STREAM_CALL" % (name,))
        if call.streamed:
            window = request.get("window")
            if not isinstance(window, int) or isinstance(window, bool) or window < 1:
                raise ValueError("a STREAM_CALL needs a window of at least 1, not %r" % (window,))
            call.grant(window)
        result = function(call, **(request.get("kw") or {}))
        return call.stream(result) if streams else result

    @staticmethod
    def _request(call):
        """The JSON request of a CALL; for a RAW one, also sets call.data to its bytes."""
        payload = call.frame.payload
        if not call.frame.flags & FLAG_RAW:
            return json.loads(payload.decode("utf-8"))
        if len(payload) < 4:
            raise ValueError("a RAW CALL of %d bytes has no request length" % len(payload))
        end = 4 + struct.unpack_from(">I", payload)[0]
        if end > len(payload):
            raise ValueError("a RAW CALL's request of %d bytes overruns its payload of %d"
                             % (end - 4, len(payload)))
        call.data = memoryview(payload)[end:]
        return json.loads(payload[4:end].decode("utf-8"))


def ping(call):
    return {"pid": os.getpid()}


def info(call):
    euid = os.geteuid()
    try:
        account = pwd.getpwuid(euid)
        user, home = account.pw_name, account.pw_dir
    except KeyError:
        user, home = str(euid), os.path.expanduser("~")
    return {
        "pid": os.getpid(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "executable": sys.executable,
        "uid": os.getuid(),
        "euid": euid,
        "user": user,
        "home": home,
        "cwd": os.getcwd(),
        "context_id": call.agent.config["context_id"],
    }


def stats(call):
    agent = call.agent
    try:
        with open("/proc/self/statm") as statm:
            rss_kb = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        rss_kb = None  # no /proc
    return {
        "pid": os.getpid(),
        "rss_kb": rss_kb,
        "calls_in_flight": max(0, len(agent.dispatcher.calls) - 1),  # not counting this one
        "children": agent.router.children(),
        "forkserver": agent.forkserver.stats() if agent.forkserver else None,
    }


# INTERPRETER_PYTHON_FALLBACK of ansible-core 2.14, with 3.13 and 3.12 as later releases: what
# Ansible's discovery tries, so it holds interpreters a module may run on but this agent can't
# (3.5, 2.7). The controller's stage 1 tries plain python3, then the entries here that name a
# version the agent runs on, in this order (AgentStages.PYTHON_CANDIDATES; AgentStagesTest
# holds the two together).
PYTHONS = ["python3.%d" % minor for minor in range(13, 4, -1)] + [
    "/usr/bin/python3", "/usr/libexec/platform-python", "python2.7", "/usr/bin/python", "python"]
_FOUND = []  # what interpreters() found, computed once


def interpreters(call):
    import shutil
    if not _FOUND:
        found, release = [], ""
        for name in PYTHONS:
            path = shutil.which(name) or shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
            if path and os.path.isabs(path) and path not in found:
                found.append(path)
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    release = f.read()
                break
            except OSError:
                pass
        _FOUND.append({"platform": os.uname().sysname, "found": found, "os_release": release})
    return _FOUND[0]


def import_check(call, fullname):
    module = importlib.import_module(fullname)
    return {"file": getattr(module, "__file__", None)}


def shutdown(call):
    call.reply({})
    call.agent.router.stop()
    return {}


FUNCTIONS = dict(files.FUNCTIONS, **{
    "ping": ping,
    "info": info,
    "stats": stats,
    "exec": exec_command,
    "run_command": shell_command,
    "run_module": run_module,
    "interpreters": interpreters,
    "spawn_child": spawn_child,
    "stop_child": stop_child,
    "import_check": import_check,
    "shutdown": shutdown,
})
