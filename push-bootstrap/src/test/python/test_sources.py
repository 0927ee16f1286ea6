"""Every agent source file is Python 3.6 syntax, documents its contract, declares __all__
and imports only the standard library and its own package."""

import ast
import os
import sys
import unittest

from agent_harness import agent_source_files

# The oldest grammar this interpreter can check; 3.13 and later stop at 3.7.
FEATURE_VERSION = (3, 6) if sys.version_info < (3, 13) else (3, 7)
STDLIB = getattr(sys, "stdlib_module_names", None)
FORBIDDEN_MODULES = {"__future__", "dataclasses"}  # annotations semantics; 3.7+


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parsed_sources():
    return [(os.path.basename(path), ast.parse(read(path), path, feature_version=FEATURE_VERSION))
            for path in agent_source_files()]


def imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module


class SourceTest(unittest.TestCase):

    def test_python_3_6_syntax(self):
        # Rejects walrus, positional-only parameters, f"{x=}", match, except* and the like.
        for path in agent_source_files():
            with self.subTest(os.path.basename(path)):
                ast.parse(read(path), path, feature_version=FEATURE_VERSION)

    def test_no_modules_newer_than_3_6(self):
        for name, tree in parsed_sources():
            with self.subTest(name):
                self.assertFalse(FORBIDDEN_MODULES.intersection(imported_modules(tree)))

    def test_contract_docstring_and_all(self):
        for name, tree in parsed_sources():
            with self.subTest(name):
                self.assertTrue(ast.get_docstring(tree), "%s has no module docstring" % name)
                assigned = [target.id for node in tree.body if isinstance(node, ast.Assign)
                            for target in node.targets if isinstance(target, ast.Name)]
                self.assertIn("__all__", assigned)

    @unittest.skipIf(STDLIB is None, "sys.stdlib_module_names needs Python 3.10+")
    def test_standard_library_only(self):
        for name, tree in parsed_sources():
            for module in imported_modules(tree):
                top = module.partition(".")[0]
                with self.subTest(name, module=module):
                    self.assertTrue(top in STDLIB or top == "spindle_agent", module)


if __name__ == "__main__":
    unittest.main()
