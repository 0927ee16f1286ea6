"""ansible_patches and the strategies: installed for a Spindle strategy's run and removed after it,
the ssh/local redirect, the planner seam, and an unknown ansible-core release (one warning, the
redirect alone). test_versions runs this file under every other ansible-core tree too."""

import importlib.util
import os
import unittest
from unittest import mock

import bridge_harness
from bridge_harness import requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible.plugins.action import ActionBase
    from ansible.plugins.loader import connection_loader
    from ansible.release import __version__ as ansible_version

    from ansible_spindle import ansible_patches, planner, strategy
    from ansible_spindle.connection_base import SpindleConnectionBase

STRATEGY_DIR = os.path.join(bridge_harness.PYTHON_SOURCES, "ansible_spindle", "plugins", "strategy")


def load_strategy_plugin(name):
    spec = importlib.util.spec_from_file_location("spindle_test_" + name, os.path.join(STRATEGY_DIR, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@requires_ansible
class PatchesTest(unittest.TestCase):

    def setUp(self):
        self.vanilla_execute_module = ActionBase._execute_module
        self.addCleanup(ansible_patches.remove)
        # every test starts as a fresh process would
        self.addCleanup(setattr, ansible_patches._patches, "warned_unknown_release", False)

    def loaded_name(self, name):
        return connection_loader.get(name, class_only=True)._load_name

    def test_running_release_is_known(self):
        self.assertTrue(ansible_patches.is_supported(ansible_version), ansible_version)

    def test_release_bounds(self):
        self.assertTrue(ansible_patches.is_supported("2.14.0"))
        self.assertTrue(ansible_patches.is_supported("2.19.11"))
        self.assertTrue(ansible_patches.is_supported("2.17.0rc1"))
        self.assertFalse(ansible_patches.is_supported("2.13.13"))
        self.assertFalse(ansible_patches.is_supported("2.20.0"))
        self.assertFalse(ansible_patches.is_supported("3.0.0"))
        self.assertFalse(ansible_patches.is_supported("devel"))

    def test_install_redirects_ssh_and_local_and_remove_puts_everything_back(self):
        ansible_patches.install()
        self.assertTrue(ansible_patches.installed())
        for name in ("ssh", "ansible.builtin.ssh", "ansible.legacy.ssh"):
            self.assertEqual(self.loaded_name(name), "spindle_ssh", name)
        for name in ("local", "ansible.builtin.local"):
            self.assertEqual(self.loaded_name(name), "spindle_local", name)
        self.assertEqual(self.loaded_name("paramiko"), "paramiko_ssh")
        self.assertIsNot(ActionBase._execute_module, self.vanilla_execute_module)

        ansible_patches.remove()
        self.assertFalse(ansible_patches.installed())
        self.assertNotIn("get_with_context", vars(connection_loader))
        self.assertEqual(self.loaded_name("ssh"), "ssh")
        self.assertEqual(self.loaded_name("local"), "local")
        self.assertIs(ActionBase._execute_module, self.vanilla_execute_module)

    def test_redirected_plugin_answers_to_the_vanilla_name_so_loop_items_reuse_it(self):
        ansible_patches.install()
        plugin = connection_loader.get("ssh", class_only=True)
        # what TaskExecutor asks the connection before reusing it (a class here, hence plugin twice)
        self.assertTrue(plugin.matches_name(plugin, ["ssh"]))
        self.assertTrue(plugin.matches_name(plugin, ["ansible.legacy.ssh"]))

    def test_installing_twice_then_removing_once_leaves_vanilla(self):
        ansible_patches.install()
        ansible_patches.install()
        ansible_patches.remove()
        self.assertEqual(self.loaded_name("ssh"), "ssh")
        self.assertIs(ActionBase._execute_module, self.vanilla_execute_module)

    def test_remove_puts_back_what_someone_else_had_installed_before(self):
        theirs = connection_loader.get_with_context
        connection_loader.get_with_context = theirs
        self.addCleanup(vars(connection_loader).pop, "get_with_context", None)
        ansible_patches.install()
        ansible_patches.remove()
        self.assertIs(vars(connection_loader)["get_with_context"], theirs)

    def test_unknown_release_warns_once_and_only_redirects(self):
        with mock.patch.object(ansible_patches.display, "warning") as warning:
            ansible_patches.install(version="2.99.1")
            self.assertEqual(self.loaded_name("ssh"), "spindle_ssh")
            self.assertIs(ActionBase._execute_module, self.vanilla_execute_module)
            ansible_patches.remove()
            ansible_patches.install(version="2.99.1")
            ansible_patches.remove()
        self.assertEqual(warning.call_count, 1)
        self.assertIn("2.99.1", warning.call_args[0][0])
        self.assertEqual(self.loaded_name("ssh"), "ssh")


class _Action(object):
    """Just what the seam looks at: the action's connection."""

    def __init__(self, connection):
        self._connection = connection


@requires_ansible
class PlannerSeamTest(unittest.TestCase):

    def setUp(self):
        self.original = mock.Mock(return_value={"rc": 0})
        self.seam = ansible_patches._planning(self.original)

    def test_spindle_connection_goes_to_the_planner(self):
        action = _Action(mock.Mock(spec=SpindleConnectionBase))
        with mock.patch.object(planner, "execute_module", return_value={"planned": True}) as execute_module:
            result = self.seam(action, "ansible.builtin.ping", module_args={}, wrap_async=False)
        self.assertEqual(result, {"planned": True})
        execute_module.assert_called_once_with(action, self.original, "ansible.builtin.ping", module_args={},
                                               wrap_async=False)
        self.original.assert_not_called()

    def test_other_connections_go_the_vanilla_way(self):
        action = _Action(object())
        with mock.patch.object(planner, "execute_module") as execute_module:
            result = self.seam(action, "ansible.builtin.ping", task_vars={})
        self.assertEqual(result, {"rc": 0})
        self.original.assert_called_once_with(action, "ansible.builtin.ping", task_vars={})
        execute_module.assert_not_called()

    def test_modify_module_is_the_planners_on_known_releases_only(self):
        import ansible.plugins.action as action_plugins
        vanilla = action_plugins.modify_module
        for version, planned in (("2.14.18", True), ("2.99.1", False)):
            with self.subTest(version=version), mock.patch.object(ansible_patches.display, "warning"):
                ansible_patches.install(version=version)
                try:
                    self.assertEqual(action_plugins.modify_module is not vanilla, planned)
                finally:
                    ansible_patches.remove()
                self.assertIs(action_plugins.modify_module, vanilla)


@requires_ansible
class StrategiesTest(unittest.TestCase):

    def test_each_strategy_is_the_vanilla_one_with_spindle_in_front(self):
        for vanilla in ("linear", "free", "host_pinned"):
            with self.subTest(vanilla=vanilla):
                ours = load_strategy_plugin("spindle_" + vanilla).StrategyModule
                theirs = importlib.import_module("ansible.plugins.strategy." + vanilla).StrategyModule
                self.assertTrue(issubclass(ours, theirs))
                self.assertIs(ours.__mro__[1], strategy.SpindleStrategy)

    def test_patches_hold_during_the_run_and_go_after_it_even_when_it_fails(self):
        seen = []

        def vanilla_run(self, iterator, play_context):
            seen.append((ansible_patches.installed(), connection_loader.get("ssh", class_only=True)._load_name))
            raise RuntimeError("the play broke")

        linear = importlib.import_module("ansible.plugins.strategy.linear").StrategyModule
        module = load_strategy_plugin("spindle_linear")
        with mock.patch.object(linear, "run", vanilla_run):
            with self.assertRaises(RuntimeError):
                module.StrategyModule.run(object.__new__(module.StrategyModule), None, None)
        self.assertEqual(seen, [(True, "spindle_ssh")])
        self.assertFalse(ansible_patches.installed())
        self.assertEqual(connection_loader.get("ssh", class_only=True)._load_name, "ssh")


if __name__ == "__main__":
    unittest.main()
