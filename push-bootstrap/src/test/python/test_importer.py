"""The importer: the agent's own package from RAM, announced roots from the controller with
positive and negative caching, everything else left alone."""

import unittest

from agent_harness import AGENT_ID, RemoteError, SharedAgentTestCase
from spindle_agent.importer import SourceFinder

MODULES = {
    "spindletest_pkg": [1, "VALUE = 'from the controller'\n"],
    "spindletest_pkg.sub": [1, ""],
    "spindletest_pkg.sub.mod": [0, "from spindletest_pkg import VALUE\nNAME = 'mod'\n"],
}


class RemoteImportTest(SharedAgentTestCase):

    @classmethod
    def agent_options(cls):
        return dict(module_sources=MODULES, source_roots=["spindletest_pkg"])

    def requests_for(self, prefix):
        return [name for src, name in self.controller.source_requests if name.startswith(prefix)]

    def import_check(self, fullname):
        return self.controller.call("import_check", fullname=fullname)

    def test_package_and_module_come_from_the_controller_once(self):
        result = self.import_check("spindletest_pkg.sub.mod")
        self.assertEqual(result, {"file": "spindle:spindletest_pkg/sub/mod.py"})
        expected = ["spindletest_pkg", "spindletest_pkg.sub", "spindletest_pkg.sub.mod"]
        self.assertEqual(self.requests_for("spindletest_pkg.sub"), expected[1:])
        self.assertIn(expected[0], self.requests_for("spindletest_pkg"))
        self.assertTrue(all(src == AGENT_ID for src, _ in self.controller.source_requests))
        before = len(self.controller.source_requests)
        self.assertEqual(self.import_check("spindletest_pkg.sub.mod"), result)
        self.assertEqual(len(self.controller.source_requests), before)

    def test_missing_name_is_asked_once(self):
        for _ in range(2):
            with self.assertRaises(RemoteError) as caught:
                self.import_check("spindletest_pkg.missing")
            self.assertEqual(caught.exception.type, "ModuleNotFoundError")
        self.assertEqual(self.requests_for("spindletest_pkg.missing"), ["spindletest_pkg.missing"])

    def test_names_outside_the_roots_never_reach_the_controller(self):
        with self.assertRaises(RemoteError) as caught:
            self.import_check("spindletest_elsewhere.mod")
        self.assertEqual(caught.exception.type, "ModuleNotFoundError")
        self.assertTrue(self.import_check("json")["file"].endswith("json/__init__.py"))
        self.assertEqual(self.requests_for("spindletest_elsewhere"), [])
        self.assertEqual(self.requests_for("json"), [])

    def test_the_agent_itself_comes_from_ram(self):
        self.assertEqual(self.import_check("spindle_agent.framing"),
                         {"file": "spindle:spindle_agent/framing.py"})
        self.assertEqual(self.requests_for("spindle_agent"), [])


class SourceFinderCacheTest(unittest.TestCase):
    """The finder's own caches, below sys.modules (which would hide them in the agent)."""

    def setUp(self):
        self.fetched = []
        self.finder = SourceFinder({"spindle_agent.x": [0, "X = 1\n"]})
        self.finder.enable_remote(self.fetch, ["remote"])

    def fetch(self, fullname):
        self.fetched.append(fullname)
        return [1, ""] if fullname == "remote" else None

    def test_positive_and_negative_answers_are_cached(self):
        for _ in range(3):
            self.assertTrue(self.finder.find_spec("remote").submodule_search_locations is not None)
            self.assertIsNone(self.finder.find_spec("remote.missing"))
        self.assertEqual(self.fetched, ["remote", "remote.missing"])

    def test_own_sources_and_other_names_are_never_fetched(self):
        self.assertEqual(self.finder.find_spec("spindle_agent.x").origin,
                         "spindle:spindle_agent/x.py")
        self.assertIsNone(self.finder.find_spec("json"))
        self.assertIsNone(self.finder.find_spec("remotely"))
        self.assertEqual(self.fetched, [])


if __name__ == "__main__":
    unittest.main()
