"""Real AnsiballZ payloads built by the installed Ansible, and the vanilla way to run them.

build_payloads() runs SYSTEM_PYTHON (which must import ansible) once in a private HOME and
temp dir, calling ansible.executor.module_common.modify_module for ping, command and the
custom module CUSTOM_MODULE below, and returns {name: Payload}. A Payload knows its zip,
fqn and params, can give the same script with other module args (with_args) and can run
itself the vanilla pipelined way (run_vanilla: /bin/sh -c 'ENV... python3 && sleep 0' with
the script on stdin). TinyPayload is a module zip made by hand, for any Python.
"""

import ast
import base64
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import zipfile

SYSTEM_PYTHON = "/usr/bin/python3"

# One module that misbehaves on request; "how" picks the behaviour.
CUSTOM_MODULE = r'''#!/usr/bin/python
import atexit, os, signal, sys, threading, time
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.respawn import has_respawned, respawn_module
import json as stdlib_json



def _target(fd):
    try:
        return os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        return None


def main():
    how = stdlib_json.loads(__import__("ansible.module_utils.basic", fromlist=["x"])._ANSIBLE_ARGS
                            .decode())["ANSIBLE_MODULE_ARGS"]["how"]
    if how == "raise":
        raise ValueError("boom from a module")
    if how == "exit":
        sys.exit()
    if how == "exit_msg":
        sys.exit("a message for stderr")
    if how == "exit_7":
        sys.exit(7)
    if how == "junk":
        print("junk before")
        sys.stderr.write("noise on stderr\n")
    if how == "no_exit":
        return
    if how == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "thread":
        def late():
            time.sleep(0.2)
            sys.stderr.write("late thread\n")
        threading.Thread(target=late).start()
    if how == "atexit":
        atexit.register(lambda: sys.stderr.write("atexit ran\n"))
    if how == "pollute":
        os.environ["SPINDLE_POLLUTED"] = "yes"
        os.chdir("/")
        stdlib_json.spindle_polluted = True
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        os.open("/dev/null", os.O_RDONLY)
        sys.modules["spindle_polluted"] = sys
    if how == "respawn" and not has_respawned():
        respawn_module(sys.executable)
    module = AnsibleModule(argument_spec=dict(how=dict(type="str"), seconds=dict(type="float")))
    if how == "sleep":
        time.sleep(module.params["seconds"])
    if how == "warn":
        module.warn("warned once")
        module.deprecate("deprecated once", version="9.99")
    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    module.exit_json(
        how=how, cwd=os.getcwd(), env=os.environ.get("SPINDLE_POLLUTED"),
        task_env=os.environ.get("SPINDLE_TASK"),
        json_polluted=hasattr(stdlib_json, "spindle_polluted"),
        usr1=signal.getsignal(signal.SIGUSR1) == signal.SIG_IGN,
        extra_devnull=[fd for fd in fds if fd > 2 and _target(fd) == "/dev/null"],
        spindle_modules=sorted(m for m in sys.modules if m.startswith("spindle_polluted")),
        argv0_is_file=sys.argv[0] == __file__, file_suffix=__file__[-28:],
        fqn=globals().get("_module_fqn"), respawned=has_respawned(), pid=os.getpid(),
        ppid=os.getppid(), stdin=sys.stdin.read(), stdout_encoding=sys.stdout.encoding)


if __name__ == "__main__":
    main()
'''

_BUILDER = r'''
import json, os, sys
from ansible.executor.module_common import modify_module
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
import ansible.modules.ping, ansible.modules.command
templar = Templar(loader=DataLoader())
out = {}
for name, path in [("ping", ansible.modules.ping.__file__),
                   ("command", ansible.modules.command.__file__),
                   ("spindle_custom", sys.argv[1])]:
    data, style, shebang = modify_module(name, path, {}, templar,
                                         task_vars={"ansible_python_interpreter": sys.executable})
    out[name] = data.decode("utf-8")
json.dump(out, sys.stdout)
'''


class Payload(object):

    def __init__(self, name, script):
        self.name = name
        self.script = script
        zipdata = re.search(r'ZIPDATA = """(.*?)"""', script, re.S).group(1)
        self.zip = base64.b64decode(zipdata)
        self.zip_b64 = base64.b64encode(self.zip).decode("ascii")
        self.sha1 = hashlib.sha1(self.zip).hexdigest()
        self.fqn = re.search(r"run_module\(mod_name='([^']+)'", script).group(1)
        line = re.search(r"^    ANSIBALLZ_PARAMS = (.*)$", script, re.M)
        self._params_line = line.group(0)
        self.params = ast.literal_eval(line.group(1))

    def with_args(self, args):
        """(params JSON text, script) for these module args."""
        params = json.dumps({"ANSIBLE_MODULE_ARGS": args})
        return params, self.script.replace(self._params_line,
                                           "    ANSIBALLZ_PARAMS = %r" % params, 1)

    def run_vanilla(self, args, env=None, cwd=None, extra_env=None):
        """(rc, stdout, stderr) of the pipelined payload, as Ansible's ssh connection runs it."""
        _, script = self.with_args(args)
        prefix = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in (env or {}).items())
        command = "/bin/sh -c %s" % shlex.quote("%s %s && sleep 0" % (prefix, SYSTEM_PYTHON))
        environ = dict(os.environ)
        environ.update(extra_env or {})
        process = subprocess.run(["/bin/sh", "-c", command], input=script.encode("utf-8"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                                 env=environ)
        return process.returncode, process.stdout, process.stderr


class TinyPayload(object):
    """A hand-made module zip that needs no Ansible: a stub basic.py and one module whose
    source is given (exiting 0 at its end, as modules must exit themselves), as
    ansible.modules.tiny. Runs on any Python the agent runs on."""

    fqn = "ansible.modules.tiny"

    def __init__(self, source, extra=None):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            files = {"ansible/__init__.py": "", "ansible/module_utils/__init__.py": "",
                     "ansible/module_utils/basic.py": "_ANSIBLE_ARGS = None\n",
                     "ansible/modules/__init__.py": "",
                     "ansible/modules/tiny.py": source + "\nraise SystemExit(0)\n"}
            files.update(extra or {})
            for name, text in sorted(files.items()):
                zf.writestr(name, text)
        self.zip = buffer.getvalue()
        self.zip_b64 = base64.b64encode(self.zip).decode("ascii")
        self.sha1 = hashlib.sha1(self.zip).hexdigest()

    def kw(self, params="{}", send_zip=True, **kw):
        kw.setdefault("env", {})
        return dict(kw, zip_sha1=self.sha1, zip_b64=self.zip_b64 if send_zip else None,
                    fqn=self.fqn, params=params)


_CACHE = {}


def ansible_available():
    if "available" not in _CACHE:
        try:
            _CACHE["available"] = subprocess.run(
                [SYSTEM_PYTHON, "-c", "import ansible.executor.module_common"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        except OSError:
            _CACHE["available"] = False
    return _CACHE["available"]


def build_payloads():
    if "payloads" not in _CACHE:
        scratch = tempfile.mkdtemp(prefix="spindle-ansiballz-")
        try:
            module = os.path.join(scratch, "spindle_custom.py")
            with open(module, "w") as f:
                f.write(CUSTOM_MODULE)
            env = dict(os.environ, HOME=scratch, ANSIBLE_LOCAL_TEMP=os.path.join(scratch, "tmp"),
                       ANSIBLE_HOME=os.path.join(scratch, ".ansible"))
            built = subprocess.run([SYSTEM_PYTHON, "-c", _BUILDER, module], env=env, check=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=scratch)
        finally:
            shutil.rmtree(scratch)
        scripts = json.loads(built.stdout.decode("utf-8"))
        _CACHE["payloads"] = dict((name, Payload(name, script)) for name, script in scripts.items())
    return _CACHE["payloads"]
