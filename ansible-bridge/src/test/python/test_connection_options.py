"""Connection options resolve from the same variables, ini keys and environment as ssh.py's."""

import getpass
import os
import unittest
from unittest import mock

import bridge_harness
from bridge_harness import RecordingBridge, exec_reply, requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible.errors import AnsibleError
    from ansible.plugins.loader import connection_loader


@requires_ansible
class SshOptionsTest(unittest.TestCase):

    def target(self, **variables):
        return bridge_harness.make_connection("spindle_ssh", variables)._target(None)

    def test_vanilla_ssh_declares_no_variable_we_ignore(self):
        from ansible import constants as C
        connection_loader.get("ssh", class_only=True)
        connection_loader.get("spindle_ssh", class_only=True)
        ours = set(C.config.get_plugin_vars("connection", "spindle_ssh"))
        theirs = set(C.config.get_plugin_vars("connection", "ssh"))
        used_by_ssh_for_the_connection = {
            "inventory_hostname", "ansible_host", "ansible_ssh_host", "ansible_host_key_checking",
            "ansible_ssh_host_key_checking", "ansible_password", "ansible_ssh_pass", "ansible_ssh_password",
            "ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args", "ansible_port",
            "ansible_ssh_port", "ansible_user", "ansible_ssh_user", "ansible_private_key_file",
            "ansible_ssh_private_key_file", "ansible_ssh_timeout", "ansible_ssh_executable",
            "ansible_pipelining", "ansible_ssh_pipelining", "ansible_ssh_use_tty"}
        self.assertLessEqual(used_by_ssh_for_the_connection, theirs)
        self.assertLessEqual(used_by_ssh_for_the_connection, ours)
        self.assertIn("ansible_spindle_persist", ours)

    def test_password_precedence_matches_ssh(self):
        self.assertEqual(self.target(ansible_password="a")["password"], "a")
        self.assertEqual(self.target(ansible_password="a", ansible_ssh_pass="b")["password"], "b")
        all_three = self.target(ansible_password="a", ansible_ssh_pass="b", ansible_ssh_password="c")
        self.assertEqual(all_three["password"], "c")
        self.assertIsNone(self.target()["password"])

    def test_ask_pass_password_is_used_when_no_variable_sets_one(self):
        connection = bridge_harness.make_connection("spindle_ssh")
        connection._play_context.password = "from -k"
        self.assertEqual(connection._target(None)["password"], "from -k")

    def test_ssh_args_are_joined_in_ssh_order(self):
        target = self.target(ansible_ssh_args="-o ControlMaster=no", ansible_ssh_common_args="-o Port=2200",
                             ansible_ssh_extra_args="-o ConnectTimeout=3")
        self.assertEqual(target["ssh_args"], "-o ControlMaster=no -o Port=2200 -o ConnectTimeout=3")

    def test_default_ssh_args_are_ssh_defaults(self):
        self.assertEqual(self.target()["ssh_args"], "-C -o ControlMaster=auto -o ControlPersist=60s")

    def test_environment_sets_options_as_for_ssh(self):
        with mock.patch.dict(os.environ, {"ANSIBLE_SSH_COMMON_ARGS": "-o A=1", "ANSIBLE_REMOTE_PORT": "2222",
                                          "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_SSH_TIMEOUT": "7"}):
            target = self.target()
        self.assertIn("-o A=1", target["ssh_args"])
        self.assertEqual((target["port"], target["host_key_checking"], target["timeout"]), (2222, False, 7))

    def test_host_user_port_key_and_checks(self):
        target = self.target(ansible_host="10.1.2.3", ansible_ssh_host="10.9.9.9", ansible_user="deploy",
                             ansible_port="2022", ansible_ssh_private_key_file="~/.ssh/id_deploy",
                             ansible_ssh_host_key_checking="false", ansible_ssh_timeout="33",
                             ansible_python_interpreter="/ignored")
        self.assertEqual(target, {
            "transport": "ssh", "host": "10.9.9.9", "port": 2022, "user": "deploy", "password": None,
            "private_key_file": os.path.expanduser("~/.ssh/id_deploy"),
            "ssh_args": "-C -o ControlMaster=auto -o ControlPersist=60s", "host_key_checking": False,
            "known_hosts": None, "timeout": 33, "python": None})

    def test_defaults_are_inventory_host_port_22_and_local_user(self):
        connection = bridge_harness.make_connection("spindle_ssh", {"inventory_hostname": "db1"})
        target = connection._target(None)
        self.assertEqual((target["host"], target["port"], target["user"]), ("db1", 22, getpass.getuser()))
        self.assertTrue(target["host_key_checking"])
        self.assertEqual(target["timeout"], 10)

    def test_persist_durations(self):
        for value, seconds in (("10m", 600), ("30s", 30), ("1h", 3600), ("45", 45), ("0", 0)):
            connection = bridge_harness.make_connection("spindle_ssh", {"ansible_spindle_persist": value})
            self.assertEqual(connection._run(), {"pid": bridge_harness.PLAYBOOK_PID, "persist": seconds})
        with mock.patch.dict(os.environ, {"SPINDLE_PERSIST": "2m"}):
            self.assertEqual(bridge_harness.make_connection("spindle_ssh")._run()["persist"], 120)
        self.assertEqual(bridge_harness.make_connection("spindle_ssh")._run()["persist"], 0)
        with self.assertRaises(AnsibleError):
            bridge_harness.make_connection("spindle_ssh", {"ansible_spindle_persist": "soon"})._run()

    def test_spindle_command_from_environment(self):
        with mock.patch.dict(os.environ, {"SPINDLE_COMMAND": "/opt/spindle/bin/spindle"}):
            connection = bridge_harness.make_connection("spindle_ssh")
        self.assertEqual(connection.get_option("spindle_command"), "/opt/spindle/bin/spindle")

    def test_modules_are_always_pipelined_except_async_tasks(self):
        def pipelines(task_keys):
            return bridge_harness.make_connection("spindle_ssh", task_keys=task_keys).always_pipeline_modules

        self.assertTrue(pipelines(None))
        self.assertTrue(pipelines({"async_val": 0}))
        self.assertFalse(pipelines({"async_val": 30}))
        self.assertTrue(bridge_harness.make_connection("spindle_ssh").has_pipelining)
        self.assertEqual(bridge_harness.make_connection("spindle_ssh").transport, "spindle_ssh")

    def test_emulated_become_with_a_password_is_not_pipelined(self):
        connection = bridge_harness.make_connection("spindle_ssh")
        connection.set_become_plugin(bridge_harness.make_become("community.general.dzdo", become_pass="pw"))
        self.assertFalse(connection.always_pipeline_modules)
        connection.set_become_plugin(bridge_harness.make_become("sudo", become_pass="pw"))
        self.assertTrue(connection.always_pipeline_modules)

    def test_a_become_plugin_that_does_not_pipeline_gets_module_files_as_in_vanilla(self):
        # su on 2.19 says so itself (2.14's ActionBase never pipelines su, whatever we say)
        connection = bridge_harness.make_connection("spindle_ssh")
        connection.set_become_plugin(bridge_harness.make_become("su", become_pass="pw"))
        self.assertEqual(connection.always_pipeline_modules, getattr(connection.become, "pipelining", True))

    def test_run_pid_is_the_playbook_process(self):
        bridge = RecordingBridge(exec_reply())
        connection = bridge_harness.make_connection("spindle_ssh")
        connection._bridge = lambda: bridge
        connection.exec_command("true", sudoable=False)
        self.assertEqual(bridge.last[1]["run"], {"pid": bridge_harness.PLAYBOOK_PID, "persist": 0})


@requires_ansible
class LocalOptionsTest(unittest.TestCase):

    def test_target_is_local_as_the_invoking_user(self):
        connection = bridge_harness.make_connection("spindle_local", {"ansible_user": "someone-else"})
        target = connection._target("/usr/bin/python3")
        self.assertEqual((target["transport"], target["user"], target["python"]),
                         ("local", getpass.getuser(), "/usr/bin/python3"))
        self.assertIsNone(target["password"])

    def test_transport_is_local_so_actions_treat_it_as_local(self):
        connection = bridge_harness.make_connection("spindle_local")
        self.assertEqual(connection.transport, "local")
        self.assertTrue(connection.always_pipeline_modules)


if __name__ == "__main__":
    unittest.main()
