# Spindle's drop-in for Ansible's ssh connection plugin.
# Enable with `transport = spindle_ssh` (or ansible_connection=spindle_ssh) and
# `connection_plugins = <checkout>/ansible-bridge/src/main/python/ansible_spindle/plugins/connection`.

DOCUMENTATION = '''
    name: spindle_ssh
    short_description: run tasks over SSH through the Spindle daemon
    description:
        - Sends each command, pipelined module and file transfer to the Spindle daemon, which keeps
          one SSH connection and one persistent Python agent per target and user.
        - Modules are always pipelined; no C(pipelining) setting is needed.
        - Options are those of the C(ssh) connection plugin, resolved from the same variables,
          ansible.cfg keys and environment variables.
    author: Spindle
    options:
      host:
          description: Hostname/IP to connect to.
          default: inventory_hostname
          vars:
               - name: inventory_hostname
               - name: ansible_host
               - name: ansible_ssh_host
               - name: delegated_vars['ansible_host']
               - name: delegated_vars['ansible_ssh_host']
      host_key_checking:
          description: Determines if SSH should check host keys.
          default: True
          type: boolean
          ini:
              - section: defaults
                key: 'host_key_checking'
              - section: ssh_connection
                key: 'host_key_checking'
          env:
              - name: ANSIBLE_HOST_KEY_CHECKING
              - name: ANSIBLE_SSH_HOST_KEY_CHECKING
          vars:
              - name: ansible_host_key_checking
              - name: ansible_ssh_host_key_checking
      password:
          description: Authentication password for the C(remote_user). Can be supplied as CLI option.
          vars:
              - name: ansible_password
              - name: ansible_ssh_pass
              - name: ansible_ssh_password
      ssh_args:
          description:
            - Arguments to pass to all SSH CLI tools.
            - The daemon emulates the options it supports and refuses the others by name.
          default: '-C -o ControlMaster=auto -o ControlPersist=60s'
          ini:
              - section: 'ssh_connection'
                key: 'ssh_args'
          env:
              - name: ANSIBLE_SSH_ARGS
          vars:
              - name: ansible_ssh_args
      ssh_common_args:
          description: Common extra args for all SSH CLI tools.
          ini:
              - section: 'ssh_connection'
                key: 'ssh_common_args'
          env:
              - name: ANSIBLE_SSH_COMMON_ARGS
          vars:
              - name: ansible_ssh_common_args
          cli:
              - name: ssh_common_args
          default: ''
      ssh_executable:
          default: ssh
          description: Accepted for compatibility with C(ssh); unused, the daemon speaks SSH itself.
          env: [{name: ANSIBLE_SSH_EXECUTABLE}]
          ini:
          - {key: ssh_executable, section: ssh_connection}
          vars:
              - name: ansible_ssh_executable
      ssh_extra_args:
          description: Extra exclusive to the SSH CLI.
          vars:
              - name: ansible_ssh_extra_args
          env:
            - name: ANSIBLE_SSH_EXTRA_ARGS
          ini:
            - key: ssh_extra_args
              section: ssh_connection
          cli:
            - name: ssh_extra_args
          default: ''
      port:
          description: Remote port to connect to (22 when unset).
          type: int
          ini:
            - section: defaults
              key: remote_port
          env:
            - name: ANSIBLE_REMOTE_PORT
          vars:
            - name: ansible_port
            - name: ansible_ssh_port
          keyword:
            - name: port
      remote_user:
          description:
              - User name with which to login to the remote server, normally set by the remote_user
                keyword.
              - If no user is supplied, the user running Ansible is used.
          ini:
            - section: defaults
              key: remote_user
          env:
            - name: ANSIBLE_REMOTE_USER
          vars:
            - name: ansible_user
            - name: ansible_ssh_user
          cli:
            - name: user
          keyword:
            - name: remote_user
      pipelining:
          description:
            - Modules are pipelined whatever this says, except the module of an async task, which goes
              through async_wrapper as with the C(ssh) plugin; this option (true here by default) then
              decides for the status polls within that task.
          env:
            - name: ANSIBLE_PIPELINING
            - name: ANSIBLE_SSH_PIPELINING
          ini:
            - section: defaults
              key: pipelining
            - section: connection
              key: pipelining
            - section: ssh_connection
              key: pipelining
          type: boolean
          default: true
          vars:
            - name: ansible_pipelining
            - name: ansible_ssh_pipelining
      private_key_file:
          description:
              - Path to private key file to use for authentication.
          ini:
            - section: defaults
              key: private_key_file
          env:
            - name: ANSIBLE_PRIVATE_KEY_FILE
          vars:
            - name: ansible_private_key_file
            - name: ansible_ssh_private_key_file
          cli:
            - name: private_key_file
              option: '--private-key'
      use_tty:
        default: 'yes'
        description: Run commands without pipelined input on a tty, as C(ssh) does with C(-tt).
        env: [{name: ANSIBLE_SSH_USETTY}]
        ini:
        - {key: usetty, section: ssh_connection}
        type: bool
        vars:
          - name: ansible_ssh_use_tty
      timeout:
        default: 10
        description: How long to wait (seconds) while establishing an SSH connection.
        env:
            - name: ANSIBLE_TIMEOUT
            - name: ANSIBLE_SSH_TIMEOUT
        ini:
            - key: timeout
              section: defaults
            - key: timeout
              section: ssh_connection
        vars:
          - name: ansible_ssh_timeout
        cli:
          - name: timeout
        type: integer
      spindle_persist:
        description:
          - How long the Spindle daemon keeps targets' agents after the last run using it ends,
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

from ansible.errors import AnsibleConnectionFailure

# Ansible loads this file by path: make the ansible_spindle package it is part of importable (an
# installed collection links this file to its copy of the package, hence realpath first).
_PYTHON_SOURCES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
if _PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, _PYTHON_SOURCES)

from ansible_spindle.connection_base import SpindleConnectionBase  # noqa: E402

DEFAULT_SSH_PORT = 22
# OpenSSH prints nothing when a session ends at these log levels.
_SILENT_LOG_LEVELS = ("loglevel=quiet", "loglevel=fatal", "loglevel=error")


class Connection(SpindleConnectionBase):
    """ssh, with every call going to the daemon's persistent connection and agent."""

    transport = "spindle_ssh"

    def _host(self):
        return self.get_option("host") or self._play_context.remote_addr

    def _login_user(self):
        # ssh would log in as the local user when none is configured.
        return self.get_option("remote_user") or getpass.getuser()

    def _ssh_args(self):
        # In the order ssh.py puts them on the command line.
        args = [self.get_option(name) for name in ("ssh_args", "ssh_common_args", "ssh_extra_args")]
        return " ".join(arg for arg in args if arg)

    def _target(self, python):
        key = self.get_option("private_key_file")
        return {
            "transport": "ssh",
            "host": self._host(),
            "port": self.get_option("port") or DEFAULT_SSH_PORT,
            "user": self._login_user(),
            # As in ssh.py: the option, else the password given with --ask-pass.
            "password": self.get_option("password") or self._play_context.password or None,
            "private_key_file": os.path.expanduser(key) if key else None,
            "ssh_args": self._ssh_args(),
            "host_key_checking": bool(self.get_option("host_key_checking")),
            "known_hosts": None,
            "timeout": int(self.get_option("timeout")),
            "python": python,
        }

    def _unreachable(self, message, sent_data):
        # ssh.py's two wordings; the daemon words network failures as OpenSSH's client does,
        # and that text arrives here the way ssh's stderr would (with its line end).
        if sent_data:
            return AnsibleConnectionFailure('Data could not be sent to remote host "%s". Make sure this host can be '
                                            'reached over ssh: %s\r\n' % (self._host(), message))
        return AnsibleConnectionFailure("Failed to connect to the host via ssh: %s" % message)

    def _uses_tty(self, stdin, sudoable):
        return bool(not stdin and sudoable and self.get_option("use_tty"))

    def _tty_closed_notice(self):
        # ssh -tt ends with this line on stderr, naming the host as it lowercased it; a
        # ControlPersist mux client (the default ssh_args) says "Shared connection". Users see
        # it in the results of raw and script tasks.
        words = [word.lower() for word in self._split_ssh_args(self._ssh_args())]
        if "-q" in words or any(word.replace(" ", "") in _SILENT_LOG_LEVELS for word in words):
            return b""
        kind = "Shared connection" if any("controlpersist" in word for word in words) else "Connection"
        return ("%s to %s closed.\r\n" % (kind, self._host().lower())).encode("utf-8")
