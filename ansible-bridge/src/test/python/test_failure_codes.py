"""The plugin's failure codes are the table of docs/daemon-api.md section 3, which the daemon's
Failure enum is held to as well (controller FailureTest)."""

import os
import re
import unittest

from bridge_harness import REPO
from ansible_spindle import bridge_client


class FailureCodesTest(unittest.TestCase):

    def test_every_documented_code_has_its_constant(self):
        with open(os.path.join(REPO, "docs", "daemon-api.md"), encoding="utf-8") as f:
            documented = dict((name, int(code)) for code, name in
                              re.findall(r"(?m)^\| (\d+) \| ([A-Z_]+)[: ]", f.read()))
        self.assertTrue(documented, "no failure code table in docs/daemon-api.md")
        self.assertEqual(dict((name, getattr(bridge_client, name, None)) for name in documented),
                         documented)


if __name__ == "__main__":
    unittest.main()
