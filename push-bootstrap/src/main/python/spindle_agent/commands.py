"""The `exec` call: run one command to completion (docs/protocol.md section 4).

Contract: run_command(call, argv=None, shell=None, stdin=None, stdin_b64=None, env=None,
cwd=None, timeout=None) runs argv, or /bin/sh -c shell, in a new session with stdin from the
given text/bytes (else /dev/null) and env merged over the agent's environment. It returns
{"rc", "stdout_b64", "stderr_b64"}; rc < 0 means killed by that signal. A command that is
missing or not executable gives rc 127/126 and the message a shell would print, not an
exception. On timeout the process group is killed and spindle.Timeout raised. Cancelling
the call kills the process group.
"""

import base64
import os
import signal
import subprocess

from .errors import Timeout
from .processes import kill_group

__all__ = ["run_command"]


def run_command(call, argv=None, shell=None, stdin=None, stdin_b64=None, env=None, cwd=None,
                timeout=None):
    if (argv is None) == (shell is None):
        raise ValueError("exec needs exactly one of argv and shell")
    if shell is not None:
        argv = ["/bin/sh", "-c", shell]
    environ = dict(os.environ)
    environ.update(env or {})
    missing = _shell_complaint(argv[0], environ, cwd)
    if missing:
        return _result(missing[0], b"", missing[1].encode("utf-8"))
    data = base64.b64decode(stdin_b64) if stdin_b64 is not None else stdin
    if isinstance(data, str):
        data = data.encode("utf-8")
    process = subprocess.Popen(
        argv, env=environ, cwd=cwd, start_new_session=True,
        stdin=subprocess.DEVNULL if data is None else subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    processes = call.agent.processes
    processes.add(process)
    call.on_cancel(lambda: kill_group(process, signal.SIGKILL))
    try:
        stdout, stderr = process.communicate(data, timeout)
    except subprocess.TimeoutExpired:
        kill_group(process, signal.SIGKILL)
        process.communicate()
        raise Timeout("command timed out after %s s: %s" % (timeout, " ".join(argv)))
    finally:
        processes.discard(process)
    return _result(process.returncode, stdout, stderr)


def _result(rc, stdout, stderr):
    return {"rc": rc,
            "stdout_b64": base64.b64encode(stdout).decode("ascii"),
            "stderr_b64": base64.b64encode(stderr).decode("ascii")}


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
