"""Everything the Spindle strategies change in Ansible, in one place.

The connection tier (spindle_ssh, spindle_local) uses only the connection-plugin API and never
patches Ansible. The strategies add two changes, installed when a Spindle strategy's run starts
and removed when it ends, so a vanilla play after a Spindle play in the same playbook is vanilla
again. Workers are forked from the strategy's process (multiprocessing's fork context in every
release from 2.14 to 2.19), so they inherit whatever is installed when they start.

1. The connection redirect (any release): the connection loader gives spindle_ssh where Ansible
   asks for ssh and spindle_local where it asks for local. TaskExecutor picks the name per task
   from `ansible_connection` (the delegated host's when delegating) as always, so inventories
   stay untouched and other transports (paramiko, docker, winrm, network_cli...) pass through.
   The Spindle plugins declare the ssh/local plugins' options, so the same variables, ini keys
   and environment variables configure them. This uses only the loader's public entry point,
   which is why it also runs on a release this file does not know.
2. The planner seam (known releases only): ActionBase._execute_module goes to
   ansible_spindle.planner for a task whose connection is Spindle's, and the modify_module that
   _configure_module calls is the planner's (which builds the real payload outside the planner's
   calls).

A release is known when its major.minor lies in SUPPORTED_RELEASES. To add one: run the
equivalence suite under it (SPINDLE_ANSIBLE_TREES=<its lib dir> and
-Dspindle.equivalence.candidate=spindle_linear, see bench/src/test/playbooks/README.md), check
that ActionBase._execute_module still has the signature the planner expects and that
WorkerProcess is still forked (a spawned worker would start without the patches), then raise
the upper bound. An unknown release gets the redirect only, with one warning.
"""

import os

import ansible.plugins.action as action_plugins
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import connection_loader
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

from ansible_spindle import planner
from ansible_spindle.connection_base import SpindleConnectionBase

display = Display()

# Where spindle_ssh and spindle_local are, for the redirect to find them whether or not
# ansible.cfg names them (strategy_plugins alone, or the installed collection).
CONNECTION_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins", "connection")

# The first and last ansible-core major.minor the patches were checked against.
SUPPORTED_RELEASES = ((2, 14), (2, 19))

# Vanilla plugin -> its Spindle drop-in, by every name a task may give the vanilla one.
_REDIRECTS = {}
for _vanilla, _spindle in (("ssh", "spindle_ssh"), ("local", "spindle_local")):
    for _name in (_vanilla, "ansible.builtin." + _vanilla, "ansible.legacy." + _vanilla):
        _REDIRECTS[_name] = (_spindle, "ansible.builtin." + _vanilla)


def release_of(version):
    """(major, minor) of an ansible-core version string, None when it does not start like one."""
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def is_supported(version):
    release = release_of(version)
    return release is not None and SUPPORTED_RELEASES[0] <= release <= SUPPORTED_RELEASES[1]


# What an attribute replaced on an object that did not hold it itself is put back as: nothing.
_INHERITED = object()


class _Patches(object):
    """The installed state: what was replaced, to put back; one instance per process."""

    def __init__(self):
        self.installed = False
        self.warned_unknown_release = False
        self.originals = []

    def install(self, version=ansible_version):
        if self.installed:
            return
        # Public API, and left in place by remove(): it only makes the two names findable.
        connection_loader.add_directory(CONNECTION_PLUGINS)
        self._replace(connection_loader, "get_with_context", _redirecting(connection_loader.get_with_context))
        if is_supported(version):
            self._replace(ActionBase, "_execute_module", _planning(ActionBase._execute_module))
            self._replace(action_plugins, "modify_module", planner.planning_modify_module(action_plugins.modify_module))
        elif not self.warned_unknown_release:
            self.warned_unknown_release = True
            display.warning("Spindle does not know ansible-core %s (it knows %d.%d to %d.%d): the Spindle strategy runs "
                            "as Ansible's own, with ssh and local hosts going through spindle_ssh and spindle_local"
                            % ((version,) + SUPPORTED_RELEASES[0] + SUPPORTED_RELEASES[1]))
        self.installed = True

    def remove(self):
        while self.originals:
            owner, name, own_value = self.originals.pop()
            if own_value is _INHERITED:
                # e.g. the loader's method: it comes from its class again
                delattr(owner, name)
            else:
                setattr(owner, name, own_value)
        self.installed = False

    def _replace(self, owner, name, replacement):
        self.originals.append((owner, name, vars(owner).get(name, _INHERITED)))
        setattr(owner, name, replacement)


_patches = _Patches()


def install(version=ansible_version):
    """Installs the patches (the redirect alone, with one warning, for an unknown release)."""
    _patches.install(version)


def remove():
    """Puts back everything install() replaced."""
    _patches.remove()


def installed():
    return _patches.installed


def _redirecting(get_with_context):
    def get_with_context_redirected(name, *args, **kwargs):
        redirect = _REDIRECTS.get(name)
        if redirect is None:
            return get_with_context(name, *args, **kwargs)
        spindle_name, vanilla_fqcn = redirect
        result = get_with_context(spindle_name, *args, **kwargs)
        plugin = result.object
        if plugin is not None:
            # TaskExecutor keeps a task's connection across loop items only while
            # matches_name(ansible_connection) holds, as it does for the vanilla plugin.
            missing = [alias for alias in (vanilla_fqcn, name) if alias not in plugin.ansible_aliases]
            plugin.ansible_aliases = list(plugin.ansible_aliases) + missing
        return result
    return get_with_context_redirected


def _planning(execute_module):
    def _execute_module(self, *args, **kwargs):
        if isinstance(self._connection, SpindleConnectionBase):
            return planner.execute_module(self, execute_module, *args, **kwargs)
        return execute_module(self, *args, **kwargs)
    return _execute_module
