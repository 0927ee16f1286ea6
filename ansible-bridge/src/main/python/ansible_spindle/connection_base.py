"""What spindle_ssh and spindle_local share: turning connection-plugin calls into daemon requests.

Each exec_command becomes one request (docs/daemon-api.md section 3):

- a command a sudo/su/doas plugin wrapped is unwrapped and sent with a `become` hop, so the
  daemon runs it in a persistent child agent for that user (become_unwrap);
- a pipelined AnsiballZ payload becomes `spindle.module` (ansiballz), which the daemon answers
  from a warm interpreter and which carries the zip only to agents that lack it (a payload
  ansiballz cannot run warm goes as below, with its reason at -vv); so does a module the
  planner piped in place of its payload (planner.PlannedModule), with the same body and no
  payload built or parsed, and a payload the action put as a file and then runs with an
  interpreter (ActionBase's path without pipelining: ANSIBLE_KEEP_REMOTE_FILES, su), from the
  bytes this plugin put, not the file's;
- interpreter discovery's two commands (ansible-core 2.14) are answered from one
  `spindle.exec` (discovery.OneTripDiscovery);
- everything else is `spindle.exec` of the command as built, with stdin as given; for other
  become plugins with the prompt and success handling ssh.py does (become_emulation).

Results are (rc, stdout bytes, stderr bytes) as the vanilla plugin returns them; a become tool
that ended without running the command (su to a nologin account) gives its own status and
output, as it does in vanilla. Subclasses say how to reach the target and where the vanilla
plugin differs (tty, cwd, paths).
"""

import base64
import os
import shlex
import uuid

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_spindle import ansiballz, become_emulation, become_unwrap, bridge_client, discovery, planner
from ansible_spindle.durations import parse_duration
from ansible_spindle.request_log import describe_reply, describe_request, printable
from ansible_spindle.shell_command import peel, split_words

display = Display()

# The start of a file in which put_file looks for an AnsiballZ wrapper, and the most of one it
# keeps (payloads are 100-700 KB).
_PAYLOAD_HEAD = 1024
_MAX_PAYLOAD = 32 * 1024 * 1024

# Failures that make the host unreachable; every other daemon failure fails the task.
_UNREACHABLE_CODES = (bridge_client.UNREACHABLE, bridge_client.DISCONNECTED)


class SpindleConnectionBase(ConnectionBase):

    has_pipelining = True
    # The planner may pipe a planner.PlannedModule into exec_command instead of a payload.
    runs_planned_modules = True

    def __init__(self, play_context, new_stdin, *args, **kwargs):
        super().__init__(play_context, new_stdin, *args, **kwargs)
        # The connection loader names the ansible-playbook process in workers; without it we
        # are in that process itself (meta: reset_connection).
        self._run_pid = int(kwargs.get("ansible_playbook_pid") or os.getpid())
        # The task this connection serves (the loader names it in workers; the strategy's own
        # reset_connection has none, so it gets an id of its own); each request counts in seq.
        self._task_uuid = kwargs.get("task_uuid") or "untasked-%s" % uuid.uuid4().hex
        self._requests_sent = 0
        self._task_is_async = False
        # AnsiballZ payloads put_file sent, by target path: running one is running a module
        self._put_modules = {}
        self._discovery = discovery.OneTripDiscovery(lambda message: display.vvv(message, host=self._host_for_log()))

    # -- what subclasses provide ---------------------------------------------------------------

    def _target(self, python):
        """The daemon's `target` object, with `python` as the agent's interpreter (None: discover)."""
        raise NotImplementedError

    def _login_user(self):
        raise NotImplementedError

    def _uses_tty(self, stdin, sudoable):
        """Whether the vanilla plugin runs this command on a tty (merging stderr into stdout)."""
        return False

    def _tty_closed_notice(self):
        """What the vanilla client prints on stderr when a tty session ends."""
        return b""

    def _cwd(self):
        """The directory the vanilla plugin runs commands in, None for the login's home."""
        return None

    def _controller_path(self, path):
        return os.path.abspath(path)

    def _target_path(self, path):
        return path

    # -- pipelining ------------------------------------------------------------------------------

    @property
    def always_pipeline_modules(self):
        # Pipelining is what lets a module reach the agent as one request, so it needs no user
        # setting. Three exceptions keep vanilla behaviour: ActionBase runs async tasks through
        # async_wrapper only when this is False (True would run them synchronously; the
        # `pipelining` option, true by default, still pipelines the task's status polls); a
        # become plugin we only emulate must never find its password mixed into a module's
        # stdin; and a become plugin that does not pipeline (su; 2.19 asks it, 2.14 knows su)
        # gets the module as a file, as in vanilla, which the plugin still runs warm.
        return not (self._task_is_async or self._emulated_become_with_password()
                    or (self.become is not None and not getattr(self.become, "pipelining", True)))

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._task_is_async = bool((task_keys or {}).get("async_val"))

    def _emulated_become_with_password(self):
        return bool(self.become and not become_unwrap.can_unwrap(self.become)
                    and self.become.get_option("become_pass", playcontext=self._play_context))

    # -- the connection plugin API ---------------------------------------------------------------

    def _connect(self):
        if not self._connected:
            # Nothing to do yet: the run travels with every request, and the daemon logs in to
            # the target on the first one.
            display.vvv("ESTABLISH SPINDLE CONNECTION FOR USER: %s" % self._login_user(),
                        host=self._host_for_log())
            self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        cmd = to_text(cmd, errors="surrogate_or_strict")
        if in_data is None or isinstance(in_data, planner.PlannedModule):
            stdin = in_data
        else:
            stdin = to_bytes(in_data, errors="surrogate_or_strict")
        tty = self._uses_tty(stdin, sudoable)
        # The action wraps a command with become only when it wants it; the marker of the
        # plugin's latest build tells that this command is the one.
        if sudoable and self.become and self.become.success and self.become.success in cmd:
            return self._exec_become(cmd, stdin, tty, sudoable)
        if not tty:
            answered = self._discovery.run(cmd, stdin, self._exec_discovery)
            if answered is not None:
                return answered
        return self._exec(cmd, peel(cmd)[1], stdin, tty, become=None)

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        display.vvv("PUT %s TO %s" % (in_path, out_path), host=self._host_for_log())
        source = self._controller_path(in_path)
        if not os.path.exists(to_bytes(source, errors="surrogate_or_strict")):
            raise AnsibleFileNotFound("file or module does not exist: %s" % source)
        # As with vanilla transfers the file lands as the login user; the action moves it on
        # with become where it has to.
        self._request("spindle.put", {"src_path": source, "dest": self._target_path(out_path)})
        self._remember_if_module(source, out_path)

    def _remember_if_module(self, source, out_path):
        # The action deletes its local copy right after the put: keep the bytes now.
        self._put_modules.pop(out_path, None)
        with open(to_bytes(source, errors="surrogate_or_strict"), "rb") as f:
            if os.fstat(f.fileno()).st_size <= _MAX_PAYLOAD:
                head = f.read(_PAYLOAD_HEAD)
                if ansiballz.looks_like_payload(head):
                    self._put_modules[out_path] = head + f.read()

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        display.vvv("FETCH %s TO %s" % (in_path, out_path), host=self._host_for_log())
        self._request("spindle.fetch", {"src": self._target_path(in_path),
                                        "dest_path": self._controller_path(out_path)})

    def reset(self):
        self._request("spindle.reset", {})
        self.close()

    def close(self):
        # The daemon keeps the target's agents for the rest of the run (and `persist` after it).
        self._connected = False

    # -- the ways a command goes -------------------------------------------------------------------

    def _exec_become(self, cmd, stdin, tty, sudoable):
        original = None
        if become_unwrap.can_unwrap(self.become):
            original = become_unwrap.unwrap(peel(cmd)[1], self.become, self._shell)
        if original is None:
            return self._exec_emulating_become(cmd, stdin, tty, sudoable)
        command = become_unwrap.command_for_become_child(original, self._shell)
        hop = become_unwrap.become_hop(self.become, self._play_context)
        return self._exec(command, original, stdin, tty, hop)

    def _exec(self, command, launch, stdin, tty, become):
        """Run `command` as a module request if `launch`, its shell-free core, runs a module."""
        invocation = self._module_invocation(launch, stdin)
        if invocation is None:
            return self._exec_plain(command, _payload(stdin), tty, become)
        body = self._with_cwd({
            "zip_sha1": invocation.zip_sha1,
            "zip_b64": None,  # the daemon asks for it (need_zip) only when no agent holds it yet
            "fqn": invocation.fqn,
            "name": invocation.name,
            "params": invocation.params,
            "env": invocation.env,
            "wrapper": invocation.wrapper,
            "pty": tty,
            "timeout": None,
        })
        if isinstance(stdin, planner.PlannedModule) and stdin.isolation:
            body["isolation"] = stdin.isolation
        reply = self._request("spindle.module", body, python=invocation.interpreter, become=become)
        if reply.get("need_zip"):
            body["zip_b64"] = invocation.zip_b64
            reply = self._request("spindle.module", body, python=invocation.interpreter, become=become)
        if "become_exited" in reply:
            return self._become_exit_result(reply["become_exited"], tty)
        rc, stdout, stderr = _command_result(reply)
        if tty:
            # The file run on ssh -tt: one terminal for both streams, which ends lines in \r\n.
            stdout = _on_terminal(stdout + stderr)
            return self._tty_result(reply, rc, stdout, b"")
        return rc, stdout, stderr

    def _module_invocation(self, launch, stdin):
        """The module `launch` runs with `stdin` (or from a file put_file sent), or None."""
        if stdin is None:
            launch, stdin = self._module_file_run(launch)
            if stdin is None:
                return None
        try:
            if isinstance(stdin, planner.PlannedModule):
                invocation = stdin.invocation(launch)
                display.vvv("SPINDLE: planned module %s: no payload built" % stdin.fqn, host=self._host_for_log())
                return invocation
            return ansiballz.parse_module_invocation(launch, stdin)
        except ansiballz.NotWarm as why:
            # A module run this way costs a fresh interpreter and the whole payload on the wire:
            # say so, or a slow run goes unexplained.
            display.vv("SPINDLE: module payload falls back to spindle.exec: %s" % why,
                       host=self._host_for_log())
            return None

    def _module_file_run(self, launch):
        """(`[VAR=value ...] <interpreter>`, payload) if `launch` runs a payload put_file sent
        with the interpreter its shebang names, as build_module_command writes it; (launch,
        None) otherwise (the action's chmod or setfacl of the file, say)."""
        for path, payload in self._put_modules.items():
            path_word = " " + shlex.quote(path)
            if launch.endswith(path_word):
                interpreter = launch[:-len(path_word)]
                words = split_words(interpreter)
                if words and words[-1] == _shebang_interpreter(payload):
                    return interpreter, payload
        return launch, None

    def _exec_plain(self, command, stdin, tty, become):
        reply = self._request("spindle.exec", self._with_cwd({
            "cmd": command,
            "stdin_b64": None if stdin is None else base64.b64encode(stdin).decode("ascii"),
            "pty": tty,
            "timeout": None,
        }), become=become)
        if "become_exited" in reply:
            return self._become_exit_result(reply["become_exited"], tty)
        rc, stdout, stderr = _command_result(reply)
        if tty:
            return self._tty_result(reply, rc, stdout, stderr)
        return rc, stdout, stderr

    def _exec_discovery(self, command, stdin):
        return self._exec_plain(command, stdin, tty=False, become=None)

    def _tty_result(self, reply, rc, stdout, stderr):
        if reply.get("become_prompted"):
            # ssh -tt: the become tool ends its password prompt's line on the tty
            stdout = b"\r\n" + stdout
        return rc, stdout, stderr + self._tty_closed_notice()

    def _become_exit_result(self, exited, tty):
        """The command's result when its become tool ended without running it, as vanilla gets
        it from the tool: its status, what it wrote to stdout, and what it said on its terminal
        (the password prompt left out, as ssh.py leaves it out)."""
        try:
            rc = int(exited["rc"])
            stdout = base64.b64decode(exited["stdout_b64"])
            said = base64.b64decode(exited["tty_b64"])
        except (KeyError, TypeError, ValueError) as e:
            raise AnsibleError("malformed reply from the Spindle daemon (%s)" % e)
        if tty:
            # ssh -tt gives the one terminal both wrote to (the agent kept stdout apart)
            return rc, said + _on_terminal(stdout), self._tty_closed_notice()
        # without ssh's tty, what the tool said went to stderr, line ends as it wrote them
        return rc, stdout, said.replace(b"\r\n", b"\n")

    def _exec_emulating_become(self, cmd, stdin, tty, sudoable):
        stdin = _payload(stdin)
        password = become_emulation.password_line(self.become, self._play_context)
        if password:
            stdin = password + (stdin or b"")
            # A tty echoes input written ahead, before the tool can turn echo off.
            tty = False
        rc, stdout, stderr = self._exec_plain(cmd, stdin, tty, become=None)
        stdout, stderr = become_emulation.strip_escalation_output(self.become, stdout, stderr, sudoable)
        return rc, stdout, stderr

    # -- requests --------------------------------------------------------------------------------

    def _with_cwd(self, body):
        cwd = self._cwd()
        if cwd is not None:
            body["cwd"] = cwd
        return body

    def _request(self, address, body, python=None, become=None):
        body = dict(body, target=self._target(python), become=become, run=self._run(),
                    task=self._task(), verbosity=display.verbosity)
        display.vvv("SPINDLE: %s" % describe_request(address, body), host=self._host_for_log())
        try:
            reply = self._bridge().request(address, body)
        except bridge_client.DaemonError as e:
            if e.code in _UNREACHABLE_CODES:
                raise self._unreachable(e.message, sent_data=bool(body.get("stdin_b64") or body.get("zip_sha1")))
            if e.code == bridge_client.BECOME:
                raise AnsibleError(_become_failure_as_ansible_words_it(e.message, become))
            raise AnsibleError(e.message)
        for record in reply.pop("logs", None) or ():
            display.vvv("SPINDLE agent %s: %s" % (printable(record.get("name")), printable(record.get("msg"))),
                        host=self._host_for_log())
        display.vvv("SPINDLE: %s replied %s" % (address, describe_reply(reply)),
                    host=self._host_for_log())
        return reply

    def _unreachable(self, message, sent_data):
        """The failure as Ansible words it; spindle_ssh overrides this with ssh.py's wording."""
        return AnsibleConnectionFailure(message)

    def _bridge(self):
        return bridge_client.process_client(self.get_option("spindle_command"))

    def _run(self):
        try:
            persist = parse_duration(self.get_option("spindle_persist"))
        except ValueError as e:
            raise AnsibleError("spindle_persist: %s" % e)
        return {"pid": self._run_pid, "persist": persist}

    def _task(self):
        """Which task and host this request is for, and its place among them (a retry's is new)."""
        self._requests_sent += 1
        return {"id": "%s/%s" % (self._task_uuid, self._play_context.remote_addr), "seq": self._requests_sent}

    def _host_for_log(self):
        return self._play_context.remote_addr


def _become_failure_as_ansible_words_it(message, become):
    """ssh.py's own messages for the two failures every user knows, the agent's words otherwise."""
    method = (become or {}).get("method", "")
    if message == "incorrect %s password" % method:
        return "Incorrect %s password" % method
    if message == "%s password required" % method:
        return "Missing %s password" % method
    return message


def _payload(stdin):
    """stdin as bytes: a planned module's real payload where it has to go as one after all."""
    return stdin.payload() if isinstance(stdin, planner.PlannedModule) else stdin


def _shebang_interpreter(payload):
    line = payload.split(b"\n", 1)[0]
    return line[2:].decode("utf-8", "replace").strip() if line.startswith(b"#!") else None


def _on_terminal(output):
    """`output` as a terminal shows it (its ONLCR output setting: every \\n as \\r\\n)."""
    return output.replace(b"\n", b"\r\n")


def _command_result(reply):
    try:
        return (int(reply["rc"]), base64.b64decode(reply["stdout_b64"] or ""),
                base64.b64decode(reply["stderr_b64"] or ""))
    except (KeyError, TypeError, ValueError) as e:
        raise AnsibleError("malformed reply from the Spindle daemon (%s)" % e)
