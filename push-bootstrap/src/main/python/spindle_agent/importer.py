"""The agent's import hook: modules from RAM, never from disk.

Contract:
- SourceFinder sits first on sys.meta_path. It serves the agent's own modules from the
  SOURCES dict stage 2 carried ({"spindle_agent.x": [is_pkg, "source"]}), which it keeps
  as `agent_sources` so become children can be bootstrapped from it.
- After enable_remote(fetch, roots) it also serves names whose top-level package is one of
  `roots` (e.g. "ansible"): the first import of such a name calls fetch(fullname) on the
  importing thread, which blocks until the controller answers with [is_pkg, source] or None.
  Both answers are cached for the life of the process: a name is asked for at most once.
  An exception from fetch (the controller refused, no answer in time) fails that import
  and is not cached.
- Every other name is left to the normal import system; the controller is never asked.
- This module must import nothing from spindle_agent: boot.py loads it by hand before the
  package can be imported.
"""

import importlib.abc
import importlib.machinery
import sys

__all__ = ["SourceFinder", "installed_finder"]


def _origin(fullname, is_pkg):
    # Looks like a path so tracebacks read well, is prefixed so nobody mistakes it for one.
    path = fullname.replace(".", "/")
    return "spindle:" + (path + "/__init__.py" if is_pkg else path + ".py")


class SourceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):

    def __init__(self, agent_sources):
        self.agent_sources = agent_sources
        self._fetched = {}   # fullname -> [is_pkg, source], or None when the controller has none
        self._fetch = None
        self._roots = frozenset()

    def enable_remote(self, fetch, roots):
        self._fetch = fetch
        self._roots = frozenset(roots)

    def find_spec(self, fullname, path=None, target=None):
        entry = self._entry(fullname)
        if entry is None:
            return None
        is_pkg = bool(entry[0])
        spec = importlib.machinery.ModuleSpec(
            fullname, self, origin=_origin(fullname, is_pkg), is_package=is_pkg)
        spec.has_location = True  # so the module gets __file__
        return spec

    def exec_module(self, module):
        spec = module.__spec__
        code = compile(self.get_source(spec.name), spec.origin, "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname):
        """Also what linecache uses to show source lines in tracebacks."""
        entry = self.agent_sources.get(fullname) or self._fetched.get(fullname)
        return entry[1] if entry else None

    def _entry(self, fullname):
        entry = self.agent_sources.get(fullname)
        if entry is not None:
            return entry
        if self._fetch is None or fullname.partition(".")[0] not in self._roots:
            return None
        # The import system holds this module's lock, so one thread fetches a given name.
        if fullname not in self._fetched:
            self._fetched[fullname] = self._fetch(fullname)
        return self._fetched[fullname]


def installed_finder():
    """The SourceFinder boot.py put on sys.meta_path."""
    for finder in sys.meta_path:
        if isinstance(finder, SourceFinder):
            return finder
    raise LookupError("no SourceFinder on sys.meta_path")
