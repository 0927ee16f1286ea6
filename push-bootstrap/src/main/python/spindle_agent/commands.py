"""Commands run to completion: the `exec` and `run_command` calls (docs/protocol.md section 4).

Contract:
- run_process(call, argv, data=None, env=None, cwd=None, timeout=None, pty=False) is the one
  process runner: argv in a new session, `data` on stdin (None: /dev/null), output read to
  its end; -> (rc, stdout, stderr), rc < 0: killed by that signal. pty=True: a fresh pty,
  echo off (input sent ahead of a prompt stays unseen), is stdin, stdout, stderr and
  controlling tty, like ssh -tt: stdout has both streams, "\r\n" line ends. On timeout the
  process group is killed, spindle.Timeout raised; CANCEL kills the process group.
- exec_command(call, argv=None, shell=None, stdin=None, stdin_b64=None, env=None, cwd=None,
  timeout=None) is `exec`: argv, or /bin/sh -c shell, env merged over the agent's; a
  missing or non-executable command gives rc 127/126 and a shell's message.
- shell_command(call, cmd, stdin_b64=None, pty=False, timeout=None, cwd=None) is `run_command`, what
  sshd does: [login shell, "-c", cmd] in the agent's cwd and environment. A become child has
  no login of its own: it runs [config "command_shell", "-c", cmd], /bin/sh, as Ansible's
  `sudo -u USER /bin/sh -c CMD` does (the user's own shell may be nologin).
"""

import base64
import fcntl
import os
import pwd
import signal
import subprocess
import termios
import time

from .errors import Timeout
from .processes import kill_group
from .pump import pump

__all__ = ["run_process", "exec_command", "shell_command", "result", "login_shell",
           "quiet_pty", "take_controlling_tty"]

GRACE = 2.0  # seconds to collect the last output of a killed process


def run_process(call, argv, data=None, env=None, cwd=None, timeout=None, pty=False):
    deadline = None if timeout is None else time.monotonic() + timeout
    if pty:
        ours, theirs = quiet_pty()
        drains, feed, stdio = [ours], os.dup(ours), (theirs, theirs, theirs)
    else:
        (out, out_w), (err, err_w) = os.pipe(), os.pipe()
        stdin, feed = (subprocess.DEVNULL, None) if data is None else os.pipe()
        drains, stdio = [out, err], (stdin, out_w, err_w)
    try:
        process = subprocess.Popen(
            argv, env=env, cwd=cwd, start_new_session=True, stdin=stdio[0], stdout=stdio[1],
            stderr=stdio[2], preexec_fn=take_controlling_tty if pty else None)
    except BaseException:
        _close(set(drains + [feed]))
        raise
    finally:
        _close(set(fd for fd in stdio if isinstance(fd, int) and fd >= 0))
    processes = call.agent.processes
    processes.add(process)
    call.on_cancel(lambda: kill_group(process, signal.SIGKILL))
    try:
        outputs, finished = pump(drains, feed, data, deadline)
        if finished and not _exits_by(process, deadline):
            finished = False  # it closed its output but ran on past the deadline
        if not finished:
            kill_group(process, signal.SIGKILL)
            pump(drains, None, b"", time.monotonic() + GRACE)
            _exits_by(process, time.monotonic() + GRACE)
    finally:
        processes.discard(process)
        _close(drains)
    if not finished:
        raise Timeout("command timed out after %s s: %s" % (timeout, " ".join(argv)))
    return process.returncode, outputs[drains[0]], b"" if pty else outputs[drains[1]]


def _exits_by(process, deadline):
    """Waits for the process until `deadline` (None: for ever); False if it is still running."""
    try:
        process.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return True
    except subprocess.TimeoutExpired:
        return False


def exec_command(call, argv=None, shell=None, stdin=None, stdin_b64=None, env=None, cwd=None,
                 timeout=None):
    if (argv is None) == (shell is None):
        raise ValueError("exec needs exactly one of argv and shell")
    if shell is not None:
        argv = ["/bin/sh", "-c", shell]
    environ = dict(os.environ)
    environ.update(env or {})
    missing = _shell_complaint(argv[0], environ, cwd)
    if missing:
        return result(missing[0], b"", missing[1].encode("utf-8"))
    data = base64.b64decode(stdin_b64) if stdin_b64 is not None else stdin
    if isinstance(data, str):
        data = data.encode("utf-8")
    return result(*run_process(call, argv, data, environ, cwd, timeout))


def shell_command(call, cmd, stdin_b64=None, pty=False, timeout=None, cwd=None):
    data = None if stdin_b64 is None else base64.b64decode(stdin_b64)
    shell = call.agent.config.get("command_shell") or login_shell()
    return result(*run_process(call, [shell, "-c", cmd], data, cwd=cwd, timeout=timeout, pty=pty))


def login_shell():
    try:
        return pwd.getpwuid(os.geteuid()).pw_shell or "/bin/sh"
    except KeyError:
        return "/bin/sh"


def result(rc, stdout, stderr):
    return {"rc": rc,
            "stdout_b64": base64.b64encode(stdout).decode("ascii"),
            "stderr_b64": base64.b64encode(stderr).decode("ascii")}


def quiet_pty():
    """A new pty as (master, slave) with echo off on the slave."""
    master, slave = os.openpty()
    attributes = termios.tcgetattr(slave)
    attributes[3] &= ~termios.ECHO
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    return master, slave


def take_controlling_tty():
    # preexec_fn, after setsid(): stderr is the pty's slave side.
    fcntl.ioctl(2, termios.TIOCSCTTY, 0)


def _close(fds):
    for fd in fds:
        if fd is not None:
            os.close(fd)


def _shell_complaint(command, environ, cwd):
    """(rc, message) a shell would give for a command it cannot run, or None."""
    if "/" in command:
        path = os.path.join(cwd or "", command)
        if not os.path.exists(path):
            return 127, "%s: No such file or directory\n" % command
        if os.path.isdir(path) or not os.access(path, os.X_OK):
            return 126, "%s: Permission denied\n" % command
        return None
    for directory in os.get_exec_path(environ):
        path = os.path.join(directory, command)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return None
    return 127, "%s: command not found\n" % command
