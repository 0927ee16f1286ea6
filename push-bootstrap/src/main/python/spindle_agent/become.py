"""Become children: agents started through sudo, su or doas (docs/protocol.md section 6).

Contract: spawn_child(call, context_id, method, user, password=None, exe=None, flags=None,
python=None, timeout=30) starts `method` so that it runs `python -c STAGE1` as `user` (no
python: the agent's own sys.executable).
The child's channel is a socketpair; its controlling terminal is a fresh pty that only
carries prompts and diagnostics. Stage 2 is built from the agent's own sources (RAM, not the
WAN) and written at once. One password prompt is answered. The call returns
{"context_id", "pid", "prompted"} once the child's ready marker arrived; from then on the router routes
its frames. Any failure kills the child and raises spindle.BecomeError with the reason:
"incorrect sudo password", "sudo password required", "user X is not allowed to run sudo as
Y: <sudo's line>", the exit status and tty output of a child that died, or a timeout. The
password is only ever written to the child's tty: never logged, never in a message.
"""

import logging
import os
import pwd
import re
import shlex
import socket
import subprocess
import sys
import threading

from .commands import quiet_pty, take_controlling_tty
from .errors import BecomeError
from .logs import LineSplitter
from .router import ChildStream
from .stage import build_stage2, stage1_script

__all__ = ["spawn_child", "become_argv", "PromptWatcher"]

log = logging.getLogger(__name__)

GRACE = 2.0                 # seconds a failed child gets between SIGTERM and SIGKILL
MAX_CONVERSATION = 16 * 1024
MAX_TRANSCRIPT = 400
READY = object()   # outcomes of a spawn besides an error message
CLOSED = object()

_PASSWORD_PROMPT = re.compile(r"password:", re.I)  # su and doas; sudo gets a unique prompt
_INCORRECT = re.compile(r"sorry, try again|incorrect password|authentication fail", re.I)
_REQUIRED = re.compile(r"a password is required", re.I)
# Not a bare "not permitted": sudo in containers warns "setrlimit(RLIMIT_CORE): Operation not
# permitted" and carries on.
_NOT_ALLOWED = re.compile(
    r"[^\n]*(?:is not in the sudoers|is not allowed to|doas: operation not permitted)[^\n]*",
    re.I)


def become_argv(method, user, command, exe=None, flags=None, password=None, prompt=None):
    """Return (argv, stdin_is_tty) to run command as user.

    su authenticates through PAM, which reads the password from stdin: its stdin is the tty
    and the shell it starts moves the channel back onto stdin (0<&1). sudo and doas read
    from /dev/tty, so their stdin can be the channel itself.
    """
    flags = _become_flags(flags, password)
    if method == "sudo":
        return [exe or "sudo", "-u", user, "-H", "-p", prompt] + flags + ["--"] + command, False
    if method == "su":
        shell_command = "exec %s 0<&1" % " ".join(shlex.quote(arg) for arg in command)
        return [exe or "su"] + flags + ["-s", "/bin/sh", "-c", shell_command, user], True
    if method == "doas":
        return [exe or "doas"] + flags + ["-u", user] + command, False
    raise ValueError("unknown become method %r (expected sudo, su or doas)" % (method,))


def _become_flags(flags, password):
    # Ansible's usual "-H -S -n": -S would read the password from stdin, which is the frame
    # channel here; -n forbids prompting, so it only stays when there is nothing to answer.
    if isinstance(flags, str):
        flags = shlex.split(flags)
    dropped = {"-S", "-n"} if password is not None else {"-S"}
    return [flag for flag in flags or [] if flag not in dropped]


def _login_user():
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


class PromptWatcher(object):
    """Follows the become program's side of the tty conversation."""

    def __init__(self, method, user, password, prompt):
        self.method = method
        self.user = user
        self._password = password
        self._prompt = re.compile(re.escape(prompt)) if method == "sudo" else _PASSWORD_PROMPT
        self._answered = False
        self._text = ""

    @property
    def answered(self):
        """Whether a password prompt came and was answered (a tty command would see it too)."""
        return self._answered

    @property
    def transcript(self):
        """What the tty said, on one line, for error messages."""
        text = " ".join(self._text.split())[-MAX_TRANSCRIPT:]
        if self._password:
            text = text.replace(self._password, "[password]")
        return text or "(nothing)"

    def feed(self, text):
        """Take more tty text; return the bytes to type, or None. Raises BecomeError."""
        self._text = (self._text + text)[-MAX_CONVERSATION:]
        failure = self._failure()
        if failure:
            raise BecomeError(failure)
        prompts = len(self._prompt.findall(self._text))
        if prompts == 0 or (prompts == 1 and self._answered):
            return None
        if self._password is None:
            raise BecomeError("%s password required" % self.method)
        if self._answered:
            raise BecomeError("incorrect %s password" % self.method)
        self._answered = True
        return (self._password + "\n").encode("utf-8")

    def _failure(self):
        if _INCORRECT.search(self._text):
            return "incorrect %s password" % self.method
        if _REQUIRED.search(self._text):
            return "%s password required" % self.method
        refusal = _NOT_ALLOWED.search(self._text)
        if refusal:
            return "user %s is not allowed to run %s as %s: %s" % (
                _login_user(), self.method, self.user, refusal.group(0).strip())
        return None


class _Spawn(object):
    """One child on its way up. The spawning worker waits here; the router's loop thread
    feeds the tty conversation and reports the marker or the end of the channel. The first
    outcome (READY, CLOSED or an error message) wins."""

    def __init__(self, agent, context_id, watcher, process, tty_fd):
        self.agent = agent
        self.context_id = context_id
        self.watcher = watcher
        self.process = process
        self.tty_fd = tty_fd
        self.outcome = None
        self.close_reason = None
        self._lock = threading.Lock()
        self._settled = threading.Event()
        self._tty_lines = LineSplitter(self._log_tty_line)

    def settle(self, outcome):
        with self._lock:
            if self.outcome is not None:
                return False
            self.outcome = outcome
        self._settled.set()
        return True

    def wait(self, timeout):
        if not self._settled.wait(timeout):
            self.settle("timed out waiting for %s after %s s; tty said: %s"
                        % (self.watcher.method, timeout, self.watcher.transcript))
        return self.outcome

    # --- loop thread --------------------------------------------------------------------

    def attach(self, stream):
        self.agent.router.add_child(stream)
        self.agent.router.watch(self.tty_fd, self._on_tty)

    def on_ready(self):
        return self.settle(READY)

    def on_close(self, reason):
        while self.tty_fd is not None:  # the last words on the tty explain a death
            data = self._read_tty()
            if data is None:
                break
            self._hear(data)
        self._close_tty()
        self.close_reason = reason
        self.settle(CLOSED)
        self.agent.processes.retire(self.process, GRACE)

    def _on_tty(self):
        data = self._read_tty()
        if data:
            self._hear(data)

    def _read_tty(self):
        """Bytes from the tty, None if none are ready; closes the tty when it ends."""
        try:
            data = os.read(self.tty_fd, 4096)
        except BlockingIOError:
            return None
        except OSError:  # EIO: every process holding the pty's other side is gone
            data = b""
        if not data:
            self._close_tty()
        return data

    def _hear(self, data):
        if self.outcome is not None:
            self._tty_lines.feed(data)
            return
        try:
            answer = self.watcher.feed(data.decode("utf-8", "replace"))
        except BecomeError as exc:
            if self.settle(str(exc)):
                self.agent.router.close_child(self.context_id, str(exc))
            return
        if answer:
            os.write(self.tty_fd, answer)

    def _close_tty(self):
        if self.tty_fd is not None:
            self.agent.router.unwatch(self.tty_fd)
            os.close(self.tty_fd)
            self.tty_fd = None

    def _log_tty_line(self, line):
        log.info("context %d tty: %s", self.context_id, line)


def spawn_child(call, context_id, method, user, password=None, exe=None, flags=None,
                python=None, timeout=30):
    agent = call.agent
    if agent.router.in_use(context_id):
        raise ValueError("context id %d is already in use here" % context_id)
    prompt = "[spindle sudo %s] " % os.urandom(8).hex()
    stage2 = build_stage2(agent.sources, _child_config(agent.config, context_id, user))
    command = [python or sys.executable, "-c", stage1_script(len(stage2))]
    argv, stdin_is_tty = become_argv(method, user, command, exe, flags, password, prompt)
    process, channel_fd, tty_fd = _start(argv, stdin_is_tty)
    agent.processes.add(process)
    spawn = _Spawn(agent, context_id, PromptWatcher(method, user, password, prompt),
                   process, tty_fd)
    stream = ChildStream(context_id, channel_fd, agent.router.max_frame,
                         spawn.on_ready, spawn.on_close)
    stream.pid = process.pid
    stream.write(stage2)
    agent.router.defer(lambda: spawn.attach(stream))
    call.on_cancel(lambda: spawn.settle("cancelled"))
    outcome = spawn.wait(timeout)
    if outcome is READY:
        return {"context_id": context_id, "pid": process.pid, "prompted": spawn.watcher.answered}
    if outcome is CLOSED:
        outcome = "%s %s before the agent started (%s); tty said: %s" % (
            method, _exit_description(process), spawn.close_reason, spawn.watcher.transcript)
    agent.router.defer(lambda: agent.router.close_child(context_id, outcome))
    raise BecomeError(outcome)


def _child_config(config, context_id, user):
    host = config.get("name", "").rpartition("@")[2]
    child = dict(config)
    child.update(context_id=context_id, parent_id=config["context_id"],
                 name="%s@%s" % (user, host))
    return child


def _start(argv, stdin_is_tty):
    """Start argv on a socketpair channel with a new pty as its controlling terminal;
    return (process, channel_fd, tty_master_fd), both fds non-blocking."""
    master, slave = quiet_pty()  # a password typed before the prompter mutes it stays unseen
    ours, theirs = socket.socketpair()
    try:
        process = subprocess.Popen(
            argv, stdin=slave if stdin_is_tty else theirs, stdout=theirs, stderr=slave,
            start_new_session=True, preexec_fn=take_controlling_tty)
    except (OSError, subprocess.SubprocessError) as exc:  # the latter: preexec_fn failed
        os.close(master)
        ours.close()
        raise BecomeError("cannot run %s: %s" % (argv[0], exc))
    finally:
        os.close(slave)
        theirs.close()
    channel = ours.detach()
    os.set_blocking(channel, False)
    os.set_blocking(master, False)
    return process, channel, master


def _exit_description(process):
    try:
        status = process.wait(GRACE)
    except subprocess.TimeoutExpired:
        return "closed its channel"
    if status < 0:
        return "was killed by signal %d" % -status
    return "exited with status %d" % status
