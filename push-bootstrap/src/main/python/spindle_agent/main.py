"""The agent's entry point (docs/protocol.md section 5, steps 4 and 5).

Contract: main(config) never returns; it ends the process.
First, whatever the role, stage 1's argument (stage.stage1_line: the PATH of the shell that
started the agent) becomes os.environ["PATH"] again, so that a wrapper that ran between that
shell and the interpreter (a pyenv shim) changes nothing for what the agent runs. No argument
(fork servers, tasks): the environment stays as it is.
0. With a "role", config is no agent: "forkserver" serves config["fd"], "task" runs the
   module task on stdin.
1. It moves the channel from fds 0/1 to private non-inheritable fds, keeps a private copy of
   the original stderr for fatal messages, points fd 0 at /dev/null and fds 1/2 at pipes whose
   lines become LOG records named "stdout"/"stderr", forks its fork server (unless config
   "forkserver" is 0) and writes the ready marker. From then on the channel carries frames.
2. It serves calls until the parent's stream ends (exit status 0) or a shutdown call.
3. A malformed frame from the parent ends the agent with status 2 and one line on the
   original stderr. Either way, children are sent EOF, then SIGTERM, then SIGKILL, and the
   fork server is waited for: nothing the agent started outlives it.
"""

import json
import logging
import os
import sys

from .calls import Agent, Dispatcher
from .framing import FrameError
from .importer import installed_finder
from .logs import LineSplitter, LogForwarder, send_log
from .forkserver import GRACE as FORKSERVER_GRACE
from .modules import ForkServer
from .processes import ProcessSet
from .protocol import (
    CONTROLLER_ID, FLAG_ERROR, HANDLE_CALL, HANDLE_CANCEL, HANDLE_CREDIT, HANDLE_GET_SOURCE,
    HANDLE_STREAM_CALL, MAX_FRAME, READY_MARKER,
)
from .router import Router, Stream

__all__ = ["main"]

EXIT_BAD_FRAME = 2
CHILD_GRACE = 1.0     # seconds between SIGTERM and SIGKILL for children on the way out
FLUSH_TIMEOUT = 5.0   # seconds to hand the parent what is still queued on the way out
IMPORT_TIMEOUT = 60.0


def main(config):
    _restore_login_path()
    if config.get("role") == "forkserver":
        from .forkserver import serve
        serve(config["fd"])
    if config.get("role") == "task":
        from .modrunner import run_stdin
        run_stdin()
    channel_in, channel_out, fatal_fd = _take_channel()
    stdout_r, stderr_r = _pipe_onto(1), _pipe_onto(2)
    _rebind_python_stdio()
    finder = installed_finder()
    forkserver = None
    if config.get("forkserver", 1):
        forkserver = ForkServer(finder.agent_sources)
        # before any thread exists, and before remote imports are enabled
        forkserver.fork((channel_in, channel_out, fatal_fd, stdout_r, stderr_r))

    parent = Stream(channel_in, channel_out, config.get("max_frame", MAX_FRAME))
    parent.write(READY_MARKER)
    router = Router(config["context_id"], parent)
    _install_logging(router, config.get("log_level", logging.INFO))
    _forward_lines(router, stdout_r, "stdout", logging.INFO)
    _forward_lines(router, stderr_r, "stderr", logging.WARNING)

    finder.enable_remote(lambda fullname: _fetch_source(router, fullname),
                         config.get("source_roots", []))
    processes = ProcessSet()
    agent = Agent(config, router, finder.agent_sources, processes, forkserver)
    dispatcher = Dispatcher(agent)
    router.add_handler(HANDLE_CALL, dispatcher.on_call)
    router.add_handler(HANDLE_CANCEL, dispatcher.on_cancel)
    router.add_handler(HANDLE_STREAM_CALL, dispatcher.on_call)
    router.add_handler(HANDLE_CREDIT, dispatcher.on_credit)

    status = 0
    try:
        router.run()
    except FrameError as exc:
        os.write(fatal_fd, ("spindle agent %d: bad frame from its parent: %s\n"
                            % (config["context_id"], exc)).encode("utf-8"))
        status = EXIT_BAD_FRAME
    agent.transfers.close_all()
    router.close_children("the agent is exiting")
    processes.terminate_all(CHILD_GRACE)
    if forkserver is not None:
        # its tasks get its own GRACE: what ran as this user is gone before this agent is
        forkserver.stop(CHILD_GRACE + FORKSERVER_GRACE)
    router.flush_parent(FLUSH_TIMEOUT)
    os._exit(status)


def _restore_login_path():
    if len(sys.argv) < 2:
        return
    os.environ["PATH"] = sys.argv.pop(1)


def _take_channel():
    """Return (channel_in, channel_out, original_stderr) as private, non-inheritable fds."""
    fds = tuple(os.dup(fd) for fd in (0, 1, 2))  # os.dup makes non-inheritable copies
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    return fds


def _pipe_onto(fd):
    """Point fd at a new pipe; return the pipe's read end."""
    read_end, write_end = os.pipe()
    os.dup2(write_end, fd)
    os.close(write_end)
    return read_end


def _rebind_python_stdio():
    # Line buffered, so a print() becomes a LOG record now rather than at some later flush.
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                      closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                      closefd=False)


def _install_logging(router, level):
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(LogForwarder(router))
    root.setLevel(level)


def _forward_lines(router, fd, name, level):
    os.set_blocking(fd, False)
    lines = LineSplitter(lambda line: send_log(router, name, level, line))

    def on_readable():
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        if data:
            lines.feed(data)
        else:
            lines.close()
            router.unwatch(fd)

    router.watch(fd, on_readable)


def _fetch_source(router, fullname):
    """Ask the controller for a module: [is_pkg, source], or None if it has none.

    The controller answers {"fullname", "found": true, "is_pkg", "source"} or
    {"fullname", "found": false} (dev.spindle.bus.source.SourceService)."""
    frame = router.request(CONTROLLER_ID, HANDLE_GET_SOURCE, {"fullname": fullname},
                           IMPORT_TIMEOUT)
    answer = json.loads(frame.payload.decode("utf-8"))
    if frame.flags & FLAG_ERROR:
        raise ImportError("the controller did not send %s: %s: %s"
                          % (fullname, answer.get("type"), answer.get("message")))
    if not answer.get("found"):
        return None
    return [answer["is_pkg"], answer["source"]]
