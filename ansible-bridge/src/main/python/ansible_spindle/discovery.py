"""Python interpreter discovery (`auto`, `auto_silent`, `auto_legacy`) in one round trip.

ansible-core 2.14's discover_interpreter (ansible/executor/interpreter_discovery.py) runs two
commands, both with sudoable=False: the shell bootstrap

    echo PLATFORM; uname; echo FOUND; command -v '<name>'; ...; echo ENDFOUND

for the names in INTERPRETER_PYTHON_FALLBACK, then, on Linux, the first interpreter it found
with the platform script (ansible.executor.discovery's python_target.py) as stdin. 2.19 dropped
the second step (its bootstrap is `echo FOUND; ...; echo ENDFOUND`), so there discovery is one
exec already and nothing here applies.

When exec_command gets 2.14's bootstrap (recognised by rebuilding it from the names it asks for
and comparing, so a command that merely looks like it is never taken for it), it sends ONE
request that runs the bootstrap exactly as given and then the running release's platform script
on the first name `command -v` finds, and returns the bootstrap's own result. When the next
command is that interpreter with that script as stdin, its result comes from the same request.
Anything else (another interpreter, other stdin, a reply that does not split) goes to the target
as usual. Either way the results are the target's own and discover_interpreter, with its
warnings and its facts, runs unchanged.
"""

import pkgutil
import re
import shlex
import uuid
from collections import namedtuple

from ansible_spindle.shell_command import peel, shell_invocation

__all__ = ["OneTripDiscovery", "bootstrap_names"]

_BOOTSTRAP = re.compile(r"\Aecho PLATFORM; uname; echo FOUND; (.*); echo ENDFOUND\Z", re.DOTALL)
_PROBE = "command -v '%s'"
_STATUS = re.compile(r"\A[0-9]{1,3}\Z")  # a shell's $?

# The platform script's result, kept for the command that asks for it next.
_Pending = namedtuple("_Pending", "interpreter script result")


def bootstrap_names(cmd):
    """The interpreter names if `cmd` is 2.14's discovery bootstrap as ActionBase wraps it, else None."""
    match = _BOOTSTRAP.match(peel(cmd)[1])
    if match is None:
        return None
    names = [probe[len("command -v '"):-1] for probe in match.group(1).split("; ")]
    # rebuilt the way discover_interpreter builds it: anything else is not the probe
    if "; ".join(_PROBE % name for name in names) != match.group(1):
        return None
    return names


def platform_script():
    """The running release's platform script, as discover_interpreter reads it; None without one (2.19)."""
    try:
        return pkgutil.get_data("ansible.executor.discovery", "python_target.py")
    except (ImportError, OSError):
        return None


class OneTripDiscovery(object):
    """Answers discovery's two commands from one request; one per connection (its worker's task)."""

    def __init__(self, log):
        self._log = log  # takes a message for -vvv
        self._pending = None

    def run(self, cmd, stdin, exec_plain):
        """(rc, stdout, stderr) of `cmd` if it is a discovery step this can answer, else None.

        exec_plain(command, stdin) runs a command on the target and returns its result."""
        pending, self._pending = self._pending, None  # it is for the very next command only
        if pending is not None and stdin == pending.script and peel(cmd)[1] == pending.interpreter:
            self._log("SPINDLE: interpreter discovery: the platform script ran in the bootstrap's request")
            return pending.result
        names = bootstrap_names(cmd) if stdin is None else None
        script = platform_script() if names else None
        if script is None:
            return None
        marker = "SPINDLE-DISCOVERY-%s" % uuid.uuid4().hex
        self._log("SPINDLE: interpreter discovery: the bootstrap and the platform script in one request")
        rc, stdout, stderr = exec_plain(_one_trip_command(cmd, names, marker), script)
        split = _split(marker.encode("ascii"), rc, stdout, stderr)
        if split is None:
            self._log("SPINDLE: interpreter discovery: the reply was not the one request's; the bootstrap runs alone")
            return None
        bootstrap, interpreter, platform = split
        if interpreter:
            self._pending = _Pending(interpreter, script, platform)
        return bootstrap


def _one_trip_command(bootstrap, names, marker):
    """The bootstrap as given (stdin empty, as it is for a command without in_data), then a line
    with the marker, its status and the first interpreter `command -v` finds (on stderr the
    marker alone), then that interpreter run on the script (this command's stdin)."""
    script = "\n".join([
        "{ %s\n} </dev/null" % bootstrap,
        "rc=$?",
        "p=",
        'for n in %s; do p=$(command -v "$n") && case $p in /*) break;; esac; p=; done'
        % " ".join(shlex.quote(name) for name in names),
        "printf '\\n%s %%s %%s\\n' \"$rc\" \"$p\"" % marker,
        "printf '\\n%s\\n' >&2" % marker,
        'if [ -n "$p" ]; then exec "$p"; fi',
    ])
    return shell_invocation("/bin/sh", script)


def _split(marker, rc, stdout, stderr):
    """((rc, stdout, stderr) of the bootstrap, interpreter or None, (rc, stdout, stderr) of the
    platform script) from the one request's result, or None if it does not have that shape."""
    out_at = stdout.find(b"\n" + marker + b" ")
    err_at = stderr.find(b"\n" + marker + b"\n")
    if out_at < 0 or err_at < 0:
        return None
    line, newline, platform_out = stdout[out_at + len(marker) + 2:].partition(b"\n")
    words = line.decode("utf-8", "surrogateescape").split(" ", 1)
    if not newline or len(words) != 2 or not _STATUS.match(words[0]):
        return None
    bootstrap = (int(words[0]), stdout[:out_at], stderr[:err_at])
    platform = (rc, platform_out, stderr[err_at + len(marker) + 2:])
    return bootstrap, words[1] or None, platform
