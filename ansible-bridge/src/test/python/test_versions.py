"""The payload tests (test_ansiballz, test_planner, test_warm_run) and the strategies' patch
tests (test_ansible_patches) under every other ansible-core tree: the plugin reads payloads with the
module_common of the ansible-core it runs in, and the patches replace that release's code, so
each release needs its own process. The trees: Debian 13's ansible-core as scripts/fetch-ansible-core.sh
unpacks it (required: scripts/setup.sh fetches it), and any in SPINDLE_ANSIBLE_TREES
(colon-separated directories to put on PYTHONPATH, e.g. an ansible/ansible checkout's lib)."""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN_13_TREE = os.path.join(os.environ.get("SPINDLE_CACHE") or os.path.expanduser("~/.cache/spindle"),
                              "ansible-core-trixie", "tree", "usr", "lib", "python3", "dist-packages")
PER_RELEASE_TESTS = ["test_ansiballz", "test_planner", "test_warm_run", "test_ansible_patches"]


def other_trees():
    return [DEBIAN_13_TREE] + [tree for tree in os.environ.get("SPINDLE_ANSIBLE_TREES", "").split(":") if tree]


class OtherReleasesTest(unittest.TestCase):

    def test_per_release_tests_pass_under_every_tree(self):
        for tree in other_trees():
            with self.subTest(tree=tree):
                self.assertTrue(os.path.isfile(os.path.join(tree, "ansible", "release.py")),
                                "no ansible-core in %s (scripts/fetch-ansible-core.sh fetches Debian 13's)" % tree)
                env = dict(os.environ, PYTHONPATH=tree)
                run = subprocess.run([sys.executable, "-m", "unittest"] + PER_RELEASE_TESTS, cwd=HERE, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
                self.assertEqual(run.returncode, 0, run.stdout.decode("utf-8", "replace")[-3000:])


if __name__ == "__main__":
    unittest.main()
