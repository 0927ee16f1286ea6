"""Become children: agents started through sudo, su or doas (docs/protocol.md section 6).

Contract: spawn_child(call, context_id, method, user, password=None, exe=None, flags=None,
python=None, timeout=30) starts `method` so that it runs `/bin/sh -c 'echo MARKER >&2; exec
python -I -c STAGE1 "$PATH"'` as `user` (no python: the agent's own sys.executable): the child
agent's commands see the PATH the tool gave that shell, as Ansible's commands run through the
tool do, even when python is a shim that changes it (stage.stage1_line).
The child's channel is a socketpair; its controlling terminal is a fresh pty that only
carries prompts and diagnostics. Stage 2 is built from the agent's own sources (RAM, not the
WAN) and written at once. One password prompt is answered: the tool's exact prompt
(tool_prompt), and only before MARKER (a per-spawn random token) shows that the tool has
started the command. From then on the tty belongs to code that runs as the target user (-I
keeps the interpreter's startup free of it, but tasks are that user's code), so a prompt after
MARKER is never answered: it fails the spawn.
The call returns {"context_id", "pid", "prompted"} once the child's ready marker arrived; from
then on the router routes its frames. Any failure kills the child and raises
spindle.BecomeError with the reason: "incorrect sudo password", "sudo password required",
"user X is not allowed to run sudo as Y: <sudo's line>", "a password prompt came after sudo
had started the command as Y; ...", the exit status and tty output of a child that died, or a
timeout. When the tool itself ended before it ran the command (no MARKER: su to an account
whose shell is nologin, sudo to an unknown user), the error also carries `exited`: the tool's
status and what it said on the channel and the tty, what vanilla Ansible gets as the result of
a command run through it. The password is only ever written to the child's tty: never logged,
never in a message.
stop_child(call, context_id) ends a child no request waits for and returns {"stopped": True}
once the become tool's process has exited (the child agent waits for its fork server before
it exits, so nothing it started as the user remains); {"stopped": False} for a busy or unknown
child, which is left alone.
"""

import base64
import gettext
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
from .stage import build_stage2, stage1_line

__all__ = ["spawn_child", "stop_child", "become_argv", "tool_prompt", "PromptWatcher"]

log = logging.getLogger(__name__)

# What the become tools run commands with (`sudo -u USER /bin/sh -c CMD`), whatever the user's
# own shell is: a become child's run_command uses it too.
BECOME_SHELL = "/bin/sh"
GRACE = 2.0                 # seconds a failed child gets between SIGTERM and SIGKILL
MAX_CONVERSATION = 16 * 1024
MAX_TRANSCRIPT = 400
READY = object()   # outcomes of a spawn besides an error message
CLOSED = object()

# Any prompt-like text after the marker; the tool's exact prompt is caught there too.
_ANY_PASSWORD_PROMPT = re.compile(r"password:", re.I)
_INCORRECT = re.compile(r"sorry, try again|incorrect password|authentication fail", re.I)
_REQUIRED = re.compile(r"a password is required", re.I)
# Not a bare "not permitted": sudo in containers warns "setrlimit(RLIMIT_CORE): Operation not
# permitted" and carries on.
_NOT_ALLOWED = re.compile(
    r"[^\n]*(?:is not in the sudoers|is not allowed to|doas: operation not permitted)[^\n]*",
    re.I)


def become_argv(method, user, command, marker, exe=None, flags=None, password=None,
                prompt=None):
    """Return (argv, stdin_is_tty) to run command (a shell command line) as user.

    The tool runs /bin/sh, which prints marker on stderr (the tty) and then runs command:
    the marker is the sign that the tool is done asking. su authenticates through PAM, which
    reads the password from stdin: its stdin is the tty and the shell moves the channel back
    onto stdin (0<&1). sudo and doas read from /dev/tty, so their stdin can be the channel.
    """
    flags = _become_flags(flags, password)
    # Split in two on the command line, so that a tool quoting it back (in an error) does
    # not show the marker itself.
    half = len(marker) // 2
    line = "echo %s''%s >&2; %s" % (shlex.quote(marker[:half]), shlex.quote(marker[half:]), command)
    if method == "sudo":
        return ([exe or "sudo", "-u", user, "-H", "-p", prompt] + flags
                + ["--", BECOME_SHELL, "-c", line], False)
    if method == "su":
        # As Ansible's su plugin: the user's own shell runs /bin/sh, so an account whose shell
        # refuses logins (nologin) refuses here as it does there.
        return [exe or "su"] + flags + [user, "-c", BECOME_SHELL + " -c " + shlex.quote(line + " 0<&1")], True
    if method == "doas":
        return [exe or "doas"] + flags + ["-u", user, BECOME_SHELL, "-c", line], False
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


def tool_prompt(method, sudo_prompt=None):
    """The become tool's own password prompt, as a regular expression.

    sudo: the unique -p prompt, anywhere (sudoers' passprompt_override would replace it: then
    nothing is answered and the spawn times out showing the tool's prompt). su: PAM's
    "Password: " at the start of a line, in English or as the agent's locale translates it;
    "New password:" or "Verification code:" (an expired password, a second factor) are not it.
    doas: "doas (LOGIN@HOST) password: ", LOGIN being this agent's user; doas ports that show
    PAM's own prompt instead are not answered.
    """
    if method == "sudo":
        return re.compile(re.escape(sudo_prompt))
    if method == "su":
        words = sorted(set(["Password:", _pam_translation("Password: ").strip()]))
        return re.compile(r"(?:^|[\r\n])(?:%s)" % "|".join(re.escape(w) for w in words))
    if method == "doas":
        return re.compile(r"(?:^|[\r\n])doas \(%s@[^)\r\n]*\) password: "
                          % re.escape(_login_user()[:32]))
    raise ValueError("unknown become method %r (expected sudo, su or doas)" % (method,))


def _pam_translation(text):
    # su shows pam_unix's prompt as PAM's message catalogue has it for the locale in the
    # environment; Python's default catalogue directory is its own prefix, not the system's.
    return gettext.translation("Linux-PAM", "/usr/share/locale", fallback=True).gettext(text)


class PromptWatcher(object):
    """Follows the tty conversation: first the become tool's, up to the marker its shell
    prints before it execs the command; after the marker, the command's, which is never
    answered: a prompt there fails the spawn."""

    def __init__(self, method, user, password, prompt, marker):
        self.method = method
        self.user = user
        self._password = password
        self._prompt = prompt
        self._marker = marker
        self._answered = False
        self._tool_said = ""
        self._command_said = None  # None until the marker came

    @property
    def answered(self):
        """Whether a password prompt came and was answered (a tty command would see it too)."""
        return self._answered

    @property
    def command_started(self):
        """Whether the marker came: the tool ran the command it was given."""
        return self._command_said is not None

    def tool_output(self):
        """What the tool said on the tty before the marker, without the password prompts and
        the rest of their lines (ssh.py drops a prompt line from what it returns)."""
        said = self._tool_said
        prompts = list(self._prompt.finditer(said))
        if prompts:
            first = prompts[0]
            before = first.start() + len(first.group(0)) - len(first.group(0).lstrip("\r\n"))
            said = said[:before] + said[prompts[-1].end():].lstrip(" \t")
        if self._password:
            said = said.replace(self._password, "[password]")
        return said

    @property
    def transcript(self):
        """What the tty said, on one line, for error messages."""
        said = self._tool_said + " " + (self._command_said or "")
        text = " ".join(said.split())[-MAX_TRANSCRIPT:]
        if self._password:
            text = text.replace(self._password, "[password]")
        return text or "(nothing)"

    def feed(self, text):
        """Take more tty text; return the bytes to type, or None. Raises BecomeError."""
        if self._command_said is not None:
            self._command_said = (self._command_said + text)[-MAX_CONVERSATION:]
            return self._check_command()
        said, started, command_said = (self._tool_said + text).partition(self._marker)
        self._tool_said = said[-MAX_CONVERSATION:]
        if started:
            self._command_said = command_said[-MAX_CONVERSATION:]
        failure = self._failure()
        if failure:
            raise BecomeError(failure)
        if started:
            return self._check_command()
        prompts = len(self._prompt.findall(self._tool_said))
        if prompts == 0 or (prompts == 1 and self._answered):
            return None
        if self._password is None:
            raise BecomeError("%s password required" % self.method)
        if self._answered:
            raise BecomeError("incorrect %s password" % self.method)
        self._answered = True
        return (self._password + "\n").encode("utf-8")

    def _check_command(self):
        said = self._command_said
        if self._prompt.search(said) or _ANY_PASSWORD_PROMPT.search(said):
            raise BecomeError(
                "a password prompt came after %s had started the command as %s; it was not "
                "answered (something running as %s asked for the password); tty said: %s"
                % (self.method, self.user, self.user, self.transcript))
        return None

    def _failure(self):
        if _INCORRECT.search(self._tool_said):
            return "incorrect %s password" % self.method
        if _REQUIRED.search(self._tool_said):
            return "%s password required" % self.method
        refusal = _NOT_ALLOWED.search(self._tool_said)
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
        self.retired = None  # an Event once the channel closed: set when the process is gone

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
        self._drain_tty()  # what the child said on the tty before its marker still counts
        return self.settle(READY)

    def on_close(self, reason):
        self._drain_tty()  # the last words on the tty explain a death
        self.close_reason = reason
        self.settle(CLOSED)
        # The tty closes once the process is gone: closing it first would hang the child up
        # (SIGHUP) before it could end what it started as the user.
        self.retired = self.agent.processes.retire(
            self.process, GRACE, then=lambda: self.agent.router.defer(self._close_tty))

    def _on_tty(self):
        data = self._read_tty()
        if data:
            self._hear(data)

    def _drain_tty(self):
        while self.tty_fd is not None:
            data = self._read_tty()
            if data is None:
                break
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
    marker = "spindle-become-%s" % os.urandom(8).hex()
    watcher = PromptWatcher(method, user, password, tool_prompt(method, prompt), marker)
    stage2 = build_stage2(agent.sources, _child_config(agent.config, context_id, user))
    command = stage1_line(len(stage2), python or sys.executable)
    argv, stdin_is_tty = become_argv(method, user, command, marker, exe, flags, password,
                                     prompt)
    process, channel_fd, tty_fd = _start(argv, stdin_is_tty)
    agent.processes.add(process)
    spawn = _Spawn(agent, context_id, watcher, process, tty_fd)
    stream = ChildStream(context_id, channel_fd, agent.router.max_frame,
                         spawn.on_ready, spawn.on_close)
    stream.pid = process.pid
    stream.spawn = spawn
    stream.write(stage2)
    agent.router.defer(lambda: spawn.attach(stream))
    call.on_cancel(lambda: spawn.settle("cancelled"))
    outcome = spawn.wait(timeout)
    if outcome is READY:
        return {"context_id": context_id, "pid": process.pid, "prompted": spawn.watcher.answered}
    exited = None
    if outcome is CLOSED:
        status = _exit_status(process)
        outcome = "%s %s before the agent started (%s); tty said: %s" % (
            method, _exit_description(status), spawn.close_reason, spawn.watcher.transcript)
        if status is not None and status >= 0 and not watcher.command_started:
            # The tool ran and ended without running our command: what it (or, for su, the
            # user's login shell) said and its status are what a command run through it gets.
            exited = _tool_result(status, bytes(stream.noise), watcher)
    agent.router.defer(lambda: agent.router.close_child(context_id, outcome))
    raise BecomeError(outcome, exited=exited)


def stop_child(call, context_id):
    """Ends the child `context_id` if no request waits for it, and answers once its process
    (the become tool, and with it the agent and fork server it ran as the user) is gone: a
    command that needs the account idle (userdel, usermod) may come next."""
    router = call.agent.router
    closed = []
    done = threading.Event()

    def close_if_idle():  # on the loop thread, where requests are routed
        child = router.child(context_id)
        if child is not None and child.ready and not child.awaiting:
            router.close_child(context_id, "stopped while idle")
            closed.append(child)
        done.set()
    router.defer(close_if_idle)
    done.wait()
    if not closed:
        return {"stopped": False}
    # stopped only once its process is gone: an account is busy while the process lives
    return {"stopped": closed[0].spawn.retired.wait(3 * GRACE)}


def _child_config(config, context_id, user):
    host = config.get("name", "").rpartition("@")[2]
    child = dict(config)
    child.update(context_id=context_id, parent_id=config["context_id"],
                 name="%s@%s" % (user, host), command_shell=BECOME_SHELL)
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


def _exit_status(process):
    """The process's exit status (negative: killed by that signal), None if it lives on."""
    try:
        return process.wait(GRACE)
    except subprocess.TimeoutExpired:
        return None


def _exit_description(status):
    if status is None:
        return "closed its channel"
    if status < 0:
        return "was killed by signal %d" % -status
    return "exited with status %d" % status


def _tool_result(status, channel_output, watcher):
    """BecomeError.exited: the tool's status, what it wrote on the channel (its stdout) and on
    the tty (its stderr and messages, the password prompt left out, as ssh.py leaves it out)."""
    return {
        "rc": status,
        "stdout_b64": base64.b64encode(channel_output).decode("ascii"),
        "tty_b64": base64.b64encode(watcher.tool_output().encode("utf-8", "replace")).decode("ascii"),
        "prompted": watcher.answered,
    }
