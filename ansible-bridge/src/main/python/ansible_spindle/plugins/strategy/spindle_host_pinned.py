# Spindle's drop-in for Ansible's host_pinned strategy.
# Enable with `strategy = spindle_host_pinned` (or `strategy: spindle_host_pinned` in a play) and
# `strategy_plugins = <checkout>/ansible-bridge/src/main/python/ansible_spindle/plugins/strategy`,
# or as spindle.ansible.spindle_host_pinned from the installed collection (docs/ansible.md).

DOCUMENTATION = '''
    name: spindle_host_pinned
    short_description: Ansible's host_pinned strategy (free, with a worker kept per host until it finishes), with ssh and local hosts run by Spindle.
    description:
        - Schedules tasks exactly as the C(host_pinned) strategy does.
        - Hosts whose connection is C(ssh) or C(local) run through the Spindle daemon (the
          C(spindle_ssh) and C(spindle_local) connection plugins, configured by the same options);
          hosts of other transports run as with C(host_pinned).
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

StrategyModule = strategy_module("host_pinned")
