"""The planner against Ansible's own _execute_module: a planned module sends the same request
the parsed payload sends, and the action gets the same result, with no payload built.

Each case runs a real ActionBase._execute_module twice over the real spindle_ssh plugin, whose
daemon is a recorder: vanilla (the payload piped, read by ansiballz) and with ansible_patches
installed, which routes it through planner.execute_module. test_versions runs this under every tree.
"""

import base64
import hashlib
import inspect
import json
import os
import unittest
from unittest import mock

import bridge_harness
from bridge_harness import RecordingBridge, exec_reply, requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    import ansible.plugins.action as action_plugins
    import ansible.plugins.loader as plugin_loaders
    from ansible.errors import AnsibleError
    from ansible.plugins.action import ActionBase

    from ansible_spindle import ansible_patches, planner

TASK_VARS = {"ansible_python_interpreter": "/usr/bin/python3", "inventory_hostname": "web1"}
MODULE_OUTPUT = json.dumps({"ping": "pong", "changed": False, "stdout": "a\nb"}).encode()


@requires_ansible
class PlannerTest(unittest.TestCase):

    def run_module(self, planned, module_name="ansible.builtin.ping", module_args=None, task_vars=None,
                   replies=(), environment=None, **more):
        bridge = RecordingBridge(*(list(replies) + [exec_reply(0, MODULE_OUTPUT)]))
        connection = bridge_harness.make_connection()
        connection._bridge = lambda: bridge
        action = bridge_harness.action_for(connection)
        action._task.environment = environment or []
        action._shared_loader_obj = plugin_loaders  # what TaskExecutor gives an action: the loaders
        kwargs = dict(module_name=module_name, module_args=dict(module_args or {"data": "x"}),
                      task_vars=dict(task_vars or TASK_VARS), **more)
        if planned:
            ansible_patches.install()
        try:
            result = ActionBase._execute_module(action, **kwargs)
        finally:
            ansible_patches.remove()
        return result, bridge.requests

    def assert_same_as_vanilla(self, **case):
        vanilla_result, vanilla_requests = self.run_module(False, **case)
        planned_result, planned_requests = self.run_module(True, **case)
        self.assertEqual(planned_result, vanilla_result)
        self.assertEqual([address for address, _ in planned_requests], ["spindle.module"])
        self.assertEqual(_without_task(planned_requests), _without_task(vanilla_requests))
        return planned_requests[0][1]

    def test_ping_is_the_request_its_payload_makes(self):
        body = self.assert_same_as_vanilla()
        self.assertEqual(body["fqn"], "ansible.modules.ping")
        self.assertIsNone(body["zip_b64"])

    def test_command_with_unicode_arguments_and_environment(self):
        self.assert_same_as_vanilla(module_name="ansible.builtin.command",
                                    module_args={"_raw_params": "echo 'h\u00e9llo' \"$HOME\"", "quote": "it's"},
                                    environment=[{"LANG": "C.UTF-8", "MY_VAR": "it's $HOME"}])

    def test_short_module_name_and_rlimit(self):
        body = self.assert_same_as_vanilla(module_name="ping",
                                           task_vars=dict(TASK_VARS, ansible_python_module_rlimit_nofile=1024))
        self.assertEqual(body["wrapper"]["rlimit_nofile"], 1024)

    def test_every_argument_of_this_releases_execute_module_is_taken(self):
        defaults = {name: parameter.default for name, parameter
                    in inspect.signature(ActionBase._execute_module).parameters.items()
                    if parameter.default is not inspect.Parameter.empty and name not in ("module_name", "module_args",
                                                                                       "task_vars", "tmp",
                                                                                       "delete_remote_tmp")}
        self.assertIn("wrap_async", defaults)
        self.assert_same_as_vanilla(**defaults)

    def test_warm_module_builds_no_payload(self):
        self.run_module(True)
        with mock.patch.object(action_plugins, "modify_module", wraps=action_plugins.modify_module) as built:
            result, requests = self.run_module(True, module_args={"data": "second"})
        built.assert_not_called()  # the planner's stand-in ran in its place and built nothing
        self.assertEqual(json.loads(requests[0][1]["params"])["ANSIBLE_MODULE_ARGS"]["data"], "second")
        self.assertEqual(result["ping"], "pong")

    def test_task_isolation_none_goes_with_the_request(self):
        _, requests = self.run_module(True, task_vars=dict(TASK_VARS, spindle_task_isolation="none"))
        self.assertEqual(requests[0][1]["isolation"], "none")
        _, requests = self.run_module(True, task_vars=dict(TASK_VARS, spindle_task_isolation="process"))
        self.assertNotIn("isolation", requests[0][1])

    def test_unknown_task_isolation_fails_the_task_clearly(self):
        with self.assertRaisesRegex(AnsibleError, "spindle_task_isolation must be one of process, none, not 'nope'"):
            self.run_module(True, task_vars=dict(TASK_VARS, spindle_task_isolation="nope"))

    def test_zip_goes_when_the_daemon_asks(self):
        _, requests = self.run_module(True, replies=[{"need_zip": True}])
        (_, first), (_, second) = requests
        self.assertIsNone(first["zip_b64"])
        self.assertEqual(hashlib.sha1(base64.b64decode(second["zip_b64"])).hexdigest(), second["zip_sha1"])

    def test_other_module_styles_get_module_commons_own_result(self):
        library = os.path.join(bridge_harness.REPO, "bench", "src", "test", "playbooks", "library")
        for module in ("spindle_eq_jsonargs.py", "spindle_eq_want_json.py", "spindle_eq_old_style.py",
                       "spindle_eq_binary"):
            with self.subTest(module=module):
                real = mock.Mock(return_value="module_common's own")
                stand_in = planner.planning_modify_module(real)
                planner._planning.active = True  # as inside execute_module
                try:
                    built = stand_in(module_name="m", module_path=os.path.join(library, module), module_args={},
                                     templar=None, task_vars={})
                finally:
                    planner._planning.active = False
                self.assertEqual(built, "module_common's own")
                real.assert_called_once()

    def test_outside_a_planned_call_modify_module_is_the_real_one(self):
        real = mock.Mock(return_value="module_common's own")
        self.assertEqual(planner.planning_modify_module(real)("ping", "/any/path", {}, None), "module_common's own")
        real.assert_called_once_with("ping", "/any/path", {}, None)

    def test_modify_module_is_restored_when_the_patches_are_removed(self):
        before = action_plugins.modify_module
        self.run_module(True)
        self.assertIs(action_plugins.modify_module, before)

    def test_other_connections_are_not_planned(self):
        action = mock.Mock()
        action._connection = object()
        original = mock.Mock(return_value={"ok": 1})
        self.assertEqual(planner.execute_module(action, original, "ping", wrap_async=True), {"ok": 1})
        original.assert_called_once_with(action, "ping", wrap_async=True)

    def test_a_plan_the_connection_cannot_run_warm_goes_as_its_payload(self):
        connection = bridge_harness.make_connection()
        bridge = RecordingBridge()
        connection._bridge = lambda: bridge
        plan = planner.PlannedModule("ansible.modules.ping", "ping", "{}", "0" * 40, "/nonexistent", {},
                                     lambda: b"the payload")
        connection.exec_command("cd /tmp && /usr/bin/python3", in_data=plan, sudoable=False)
        address, body = bridge.last
        self.assertEqual(address, "spindle.exec")
        self.assertEqual(base64.b64decode(body["stdin_b64"]), b"the payload")


def _without_task(requests):
    return [(address, dict(body, task=None)) for address, body in requests]


if __name__ == "__main__":
    unittest.main()
