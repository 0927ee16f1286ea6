"""Test only: the linear strategy with ActionBase._execute_module routed through the planner,
the way ansible_patches installs it for the product's strategies. The equivalence suite uses
it (-Dspindle.equivalence.strategy=<this file>) to run the planner under real ansible-playbook
before, and apart from, the product's strategies."""

import os
import sys

_PYTHON_SOURCES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "..", "..", "..", "main", "python"))
if _PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, _PYTHON_SOURCES)

from ansible.plugins.action import ActionBase  # noqa: E402
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule  # noqa: E402

from ansible_spindle import planner  # noqa: E402

_original = ActionBase._execute_module


def _execute_module(self, *args, **kwargs):
    return planner.execute_module(self, _original, *args, **kwargs)


ActionBase._execute_module = _execute_module


class StrategyModule(LinearStrategyModule):
    pass
