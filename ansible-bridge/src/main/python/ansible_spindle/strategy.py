"""What spindle_linear, spindle_free and spindle_host_pinned add to Ansible's strategy of that name.

Each is the vanilla strategy class with SpindleStrategy in front of it: the same scheduling,
with ansible_patches installed for the strategy's run (and so for every worker it forks) and
removed when the run ends, however it ends. A run also starts the daemon in the background if
none is up and registers itself with it (bridge_client.start_in_background), and, on the releases the patches know (preconnect
calls TaskExecutor's internals too), logs in to each host before its first task (preconnect).
"""

import importlib
import os

import ansible.constants as C
from ansible.plugins.loader import connection_loader
from ansible.release import __version__ as ansible_version

from ansible_spindle import ansible_patches, bridge_client
from ansible_spindle.durations import parse_duration
from ansible_spindle.preconnect import Preconnector


class SpindleStrategy(object):

    def run(self, iterator, play_context):
        ansible_patches.install()
        try:
            bridge_client.start_in_background({"pid": os.getpid(), "persist": _configured_persist()},
                                              _configured("spindle_command"))
            self._spindle_preconnector = (Preconnector(self._loader, self._variable_manager)
                                          if ansible_patches.is_supported(ansible_version) else None)
            return super(SpindleStrategy, self).run(iterator, play_context)
        finally:
            self._spindle_preconnector = None
            ansible_patches.remove()

    def _queue_task(self, host, task, task_vars, play_context):
        preconnector = getattr(self, "_spindle_preconnector", None)
        if preconnector is not None:
            preconnector.before_task(host, task, task_vars, play_context)
        return super(SpindleStrategy, self)._queue_task(host, task, task_vars, play_context)


def _configured(option):
    """A spindle_ssh option as ansible.cfg and the environment set it (host variables are for the
    tasks' own requests), None when unset or unreadable: its default applies then."""
    try:
        plugin = connection_loader.get("spindle_ssh", class_only=True)
        return C.config.get_config_value(option, plugin_type="connection", plugin_name=plugin._load_name)
    except Exception:
        return None


def _configured_persist():
    try:
        return parse_duration(_configured("spindle_persist") or "0")
    except ValueError:
        return 0  # the tasks' requests report a bad value


def strategy_module(vanilla_name):
    """The StrategyModule class of spindle_<vanilla_name>."""
    vanilla = importlib.import_module("ansible.plugins.strategy." + vanilla_name).StrategyModule
    return type("StrategyModule", (SpindleStrategy, vanilla), {"__doc__": vanilla.__doc__})
