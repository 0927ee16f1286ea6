# Spindle's drop-in for Ansible's local connection plugin.
# Enable with ansible_connection=spindle_local and
# `connection_plugins = <checkout>/ansible-bridge/src/main/python/ansible_spindle/plugins/connection`.

DOCUMENTATION = '''
    name: spindle_local
    short_description: run tasks on the controller through the Spindle daemon
    description:
        - Runs commands and pipelined modules in a persistent Python agent the Spindle daemon keeps
          on the controller, as the user running Ansible (the remote user is ignored, as with C(local)).
        - Modules are always pipelined; no C(pipelining) setting is needed.
    author: Spindle
    options:
      pipelining:
        description:
          - Modules are pipelined whatever this says, except the module of an async task, which goes
            through async_wrapper as with the C(local) plugin; this option (true here by default) then
            decides for the status polls within that task.
        default: true
        type: boolean
        env:
          - name: ANSIBLE_PIPELINING
        ini:
          - section: defaults
            key: pipelining
          - section: connection
            key: pipelining
        vars:
          - name: ansible_pipelining
      spindle_persist:
        description:
          - How long the Spindle daemon keeps agents after the last run using it ends,
            e.g. C(30s), C(10m), C(1h); C(0) closes them at once.
        default: '0'
        type: string
        ini:
          - section: spindle
            key: persist
        env:
          - name: SPINDLE_PERSIST
        vars:
          - name: ansible_spindle_persist
      spindle_command:
        description:
          - The command that runs Spindle (C(daemon) is appended to start the daemon).
          - Defaults to the C(spindle) launcher of the checkout this plugin is in.
        type: string
        ini:
          - section: spindle
            key: command
        env:
          - name: SPINDLE_COMMAND
'''

import getpass
import os
import sys

# Ansible loads this file by path: make the ansible_spindle package it is part of importable (an
# installed collection links this file to its copy of the package, hence realpath first).
_PYTHON_SOURCES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
if _PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, _PYTHON_SOURCES)

from ansible.module_utils.common.text.converters import to_text  # noqa: E402
from ansible.utils.path import unfrackpath  # noqa: E402

from ansible_spindle.connection_base import SpindleConnectionBase  # noqa: E402


class Connection(SpindleConnectionBase):
    """local, with commands and modules run by a persistent agent on the controller."""

    # 'local' on purpose: ActionBase then sets self.cwd to the playbook directory before each
    # command, and actions that guard the controller (reboot) recognise it, as with `local`.
    transport = "local"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cwd = None
        self.default_user = getpass.getuser()

    def _connect(self):
        # As local.py: we run as the invoking user, whatever remote_user says.
        self._play_context.remote_user = self.default_user
        return super()._connect()

    def _login_user(self):
        return self.default_user

    def _target(self, python):
        return {
            "transport": "local",
            "host": "localhost",
            "port": 0,
            "user": self.default_user,
            "password": None,
            "private_key_file": None,
            "ssh_args": "",
            "host_key_checking": False,
            "known_hosts": None,
            "timeout": int(self._play_context.timeout),
            "python": python,
        }

    def _cwd(self):
        return None if self.cwd is None else to_text(self.cwd, errors="surrogate_or_strict")

    # local.py resolves both ends of a copy against the playbook directory.
    def _controller_path(self, path):
        return unfrackpath(path, basedir=self.cwd)

    def _target_path(self, path):
        return unfrackpath(path, basedir=self.cwd)
