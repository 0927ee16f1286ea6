"""Test helpers for the Ansible side of Spindle.

Importing this module puts ansible-bridge/src/main/python on sys.path (found relative to this
file, so the tests run from any working directory) and points Ansible at a private empty
ansible.cfg and temp dir, so neither the user's settings nor ~/.ansible play a part.

Tests that need Ansible decorate themselves with `requires_ansible`: they are skipped, with the
reason, where `import ansible` fails (run them with /usr/bin/python3, which has ansible-core).
"""

import atexit
import base64
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
PYTHON_SOURCES = os.path.join(REPO, "ansible-bridge", "src", "main", "python")
PLUGIN_DIR = os.path.join(PYTHON_SOURCES, "ansible_spindle", "plugins", "connection")
FAKE_DAEMON = os.path.join(HERE, "fake_daemon.py")

if PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, PYTHON_SOURCES)

_SCRATCH = tempfile.mkdtemp(prefix="spindle-bridge-tests-")
atexit.register(shutil.rmtree, _SCRATCH, True)
_EMPTY_CONFIG = os.path.join(_SCRATCH, "ansible.cfg")
open(_EMPTY_CONFIG, "w").close()
os.environ["ANSIBLE_CONFIG"] = _EMPTY_CONFIG
os.environ["ANSIBLE_LOCAL_TEMP"] = os.path.join(_SCRATCH, "ansible-local")

try:
    import ansible  # noqa: F401
    ANSIBLE_MISSING = None
except ImportError as e:
    ANSIBLE_MISSING = ("ansible is not importable by %s (%s); run these tests with a Python that has "
                       "ansible-core, e.g. /usr/bin/python3" % (sys.executable, e))


def requires_ansible(test_class):
    return unittest.skipIf(ANSIBLE_MISSING is not None, ANSIBLE_MISSING)(test_class)


if ANSIBLE_MISSING is None:
    from ansible.executor.module_common import modify_module
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.plugins.action import ActionBase
    from ansible.plugins.loader import become_loader, connection_loader, module_loader
    from ansible.template import Templar

    try:  # ansible-core 2.15 and later: the CLI does this before anything loads a plugin
        from ansible.plugins.loader import init_plugin_loader
    except ImportError:
        pass
    else:
        init_plugin_loader()

    connection_loader.add_directory(PLUGIN_DIR)

    PLAYBOOK_PID = 4242
    TASK_UUID = "0242ac11-0002-1234-5678-000000000011"

    def make_connection(name="spindle_ssh", variables=None, task_keys=None):
        """A connection plugin loaded the way TaskExecutor loads it, with options set."""
        play_context = PlayContext()
        play_context.remote_addr = "web1"
        connection = connection_loader.get(name, play_context, os.devnull,
                                           ansible_playbook_pid=str(PLAYBOOK_PID), task_uuid=TASK_UUID)
        variables = dict({"inventory_hostname": "web1"}, **(variables or {}))
        connection.set_options(task_keys=task_keys, var_options=variables)
        return connection

    def make_become(name, **options):
        """A become plugin from become_loader with `options` set as TaskExecutor would."""
        become = become_loader.get(name)
        become.set_options(direct=options)
        return become

    class _CommandAction(ActionBase):
        def run(self, tmp=None, task_vars=None):
            raise NotImplementedError("only _low_level_execute_command is used")

    def action_for(connection):
        """An ActionBase over `connection`, to build commands exactly as Ansible's actions do."""
        loader = DataLoader()
        return _CommandAction(Task(), connection, connection._play_context, loader, Templar(loader=loader),
                              None)

    def ansiballz_payload(module_name, module_args, interpreter="/usr/bin/python3", module_path=None,
                          module_compression="ZIP_DEFLATED", **task_vars):
        """A real AnsiballZ payload from module_common.modify_module, and its shebang."""
        path = module_path or module_loader.find_plugin_with_context(module_name, "").plugin_resolved_path
        task_vars = dict(task_vars, ansible_python_interpreter=interpreter)
        templar = Templar(loader=DataLoader())
        built = modify_module(module_name=module_name, module_path=path, module_args=dict(module_args),
                              templar=templar, task_vars=task_vars, module_compression=module_compression)
        # a tuple up to ansible-core 2.18, a _BuiltModule with these three first from 2.19
        payload, style, shebang = tuple(built)[:3] if isinstance(built, tuple) else (
            built.b_module_data, built.module_style, built.shebang)
        assert style == "new", style
        return payload, shebang

    def pipelined_module_command(connection, shebang, environment=None):
        """The command ActionBase._execute_module pipes a module into (before become and sleep 0)."""
        env_string = connection._shell.env_prefix(**(environment or {}))
        return connection._shell.build_module_command(env_string, shebang, "").strip()


class RecordingBridge:
    """Stands in for the daemon client: records requests and answers from a script of replies.

    A scripted reply is a body, an exception to raise, or a function of (address, body); once
    the script runs out, every command succeeds with no output.
    """

    def __init__(self, *replies):
        self.requests = []
        self.replies = list(replies)

    def request(self, address, body):
        self.requests.append((address, body))
        reply = self.replies.pop(0) if self.replies else exec_reply()
        if isinstance(reply, Exception):
            raise reply
        return reply(address, body) if callable(reply) else reply

    @property
    def last(self):
        return self.requests[-1]


def exec_reply(rc=0, stdout=b"", stderr=b""):
    """A spindle.exec / spindle.module reply body."""
    return {"rc": rc, "stdout_b64": base64.b64encode(stdout).decode(),
            "stderr_b64": base64.b64encode(stderr).decode()}
