# Spindle's drop-in for Ansible's free strategy.
# Enable with `strategy = spindle_free` (or `strategy: spindle_free` in a play) and
# `strategy_plugins = <checkout>/ansible-bridge/src/main/python/ansible_spindle/plugins/strategy`,
# or as spindle.ansible.spindle_free from the installed collection (docs/ansible.md).

DOCUMENTATION = '''
    name: spindle_free
    short_description: Ansible's free strategy (each host runs to the end as fast as it can), with ssh and local hosts run by Spindle.
    description:
        - Schedules tasks exactly as the C(free) strategy does.
        - Hosts whose connection is C(ssh) or C(local) run through the Spindle daemon (the
          C(spindle_ssh) and C(spindle_local) connection plugins, configured by the same options);
          hosts of other transports run as with C(free).
        - What it changes in Ansible, and only while its play runs, is listed in ansible_spindle/ansible_patches.py.
    author: Spindle
'''

import os
import sys

# Ansible loads this file by path: make the ansible_spindle package it is part of importable (an
# installed collection links this file to its copy of the package, hence realpath first).
_PYTHON_SOURCES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
if _PYTHON_SOURCES not in sys.path:
    sys.path.insert(0, _PYTHON_SOURCES)

from ansible_spindle.strategy import strategy_module  # noqa: E402

StrategyModule = strategy_module("free")
