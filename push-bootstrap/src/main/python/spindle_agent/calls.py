"""The functions the agent serves and how a CALL becomes a reply (docs/protocol.md section 4).

Contract:
- FUNCTIONS is the fixed table. Each is fn(call, **kw) and returns a JSON-able result, or
  bytes for a RAW reply. An unknown name is answered with spindle.NoSuchFunction.
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
"""

import importlib
import json
import logging
import os
import pwd
import sys
import threading
import traceback

from . import files
from .become import spawn_child
from .commands import exec_command, shell_command
from .errors import NoSuchFunction, error_payload
from .modules import run_module
from .protocol import FLAG_ERROR, FLAG_LAST, FLAG_RAW
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
    """One CALL being served. It is answered at most once, and not at all once cancelled."""

    def __init__(self, agent, frame):
        self.agent = agent
        self.frame = frame
        self.cancelled = False
        self._finished = False  # replied to, or cancelled
        self._cancel_hook = None
        self._lock = threading.Lock()

    def reply(self, value):
        if isinstance(value, bytes):
            # a whole answer in one frame: LAST tells relaying agents the request is done
            self._answer(value, FLAG_RAW | FLAG_LAST)
        else:
            self._answer(dump_json(value), 0)

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
        try:
            key = (frame.src, json.loads(frame.payload.decode("utf-8"))["reply_to"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored malformed CANCEL from %d: %s", frame.src, exc)
            return
        call = self.calls.get(key)
        if call is not None:
            call.cancel()

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
        request = json.loads(call.frame.payload.decode("utf-8"))
        name = request["fn"]
        function = FUNCTIONS.get(name)
        if function is None:
            raise NoSuchFunction("the agent has no function %r" % (name,))
        return function(call, **(request.get("kw") or {}))


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
    "import_check": import_check,
    "shutdown": shutdown,
})
