"""What spindle_linear, spindle_free and spindle_host_pinned add to Ansible's strategy of that name.

Each is the vanilla strategy class with SpindleStrategy in front of it: the same scheduling,
with ansible_patches installed for the strategy's run (and so for every worker it forks) and
removed when the run ends, however it ends.
"""

import importlib

from ansible_spindle import ansible_patches


class SpindleStrategy(object):

    def run(self, iterator, play_context):
        ansible_patches.install()
        try:
            return super(SpindleStrategy, self).run(iterator, play_context)
        finally:
            ansible_patches.remove()


def strategy_module(vanilla_name):
    """The StrategyModule class of spindle_<vanilla_name>."""
    vanilla = importlib.import_module("ansible.plugins.strategy." + vanilla_name).StrategyModule
    return type("StrategyModule", (SpindleStrategy, vanilla), {"__doc__": vanilla.__doc__})
