"""Spindle agent: the small persistent Python process the controller runs on each target.

Contract: this package is loaded from RAM (stage 2 carries every module as source, see
docs/protocol.md section 5) and must stay standard-library only and runnable on CPython
3.6 to 3.13. Importing the package itself has no side effects; the agent starts in
spindle_agent.main.main(config).
"""

__all__ = []
