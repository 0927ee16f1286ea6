"""exec_command, put_file, fetch_file and reset, driven the way Ansible's actions drive them.

Commands are built by a real ActionBase (_low_level_execute_command: become plugin, shell
executable, `sleep 0`) over the real plugin; only the daemon is replaced, by a recorder.
"""

import base64
import hashlib
import json
import os
import shlex
import tempfile
import unittest
from unittest import mock

import bridge_harness
from bridge_harness import RecordingBridge, exec_reply, requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound

    from ansible_spindle.bridge_client import DaemonError

SHARED_CONNECTION_CLOSED = b"Shared connection to web1 closed.\r\n"


class _ConnectionTestCase(unittest.TestCase):

    plugin = "spindle_ssh"
    variables = {}

    def setUp(self):
        self.bridge = RecordingBridge()
        self.connection = bridge_harness.make_connection(self.plugin, self.variables)
        self.connection._bridge = lambda: self.bridge
        self.action = bridge_harness.action_for(self.connection)

    def run_command(self, cmd, sudoable=True, in_data=None, reply=None, **kwargs):
        if reply is not None:
            self.bridge.replies.append(reply)
        return self.action._low_level_execute_command(cmd, sudoable=sudoable, in_data=in_data, **kwargs)

    def become(self, name, **options):
        self.connection.set_become_plugin(bridge_harness.make_become(name, **options))

    def pipelined_module(self, module_name="ansible.builtin.ping", args=None, environment=None):
        payload, shebang = bridge_harness.ansiballz_payload(module_name, args or {"data": "pong"})
        return bridge_harness.pipelined_module_command(self.connection, shebang, environment), payload


@requires_ansible
class PlainCommandTest(_ConnectionTestCase):

    def test_every_request_names_its_task_and_host_and_counts(self):
        self.run_command("true", reply=exec_reply(0, b""))
        self.run_command("true", reply=exec_reply(0, b""))
        tasks = [body["task"] for _, body in self.bridge.requests]
        expected_id = "%s/web1" % bridge_harness.TASK_UUID
        self.assertEqual(tasks, [{"id": expected_id, "seq": 1}, {"id": expected_id, "seq": 2}])

    def test_command_is_sent_as_built_on_a_tty_like_ssh_tt(self):
        result = self.run_command("echo hi", reply=exec_reply(0, b"hi\r\n"))
        address, body = self.bridge.last
        self.assertEqual(address, "spindle.exec")
        self.assertEqual(body["cmd"], "/bin/sh -c 'echo hi && sleep 0'")
        self.assertEqual((body["pty"], body["stdin_b64"], body["become"]), (True, None, None))
        self.assertEqual(body["target"]["host"], "web1")
        self.assertIsNone(body["target"]["python"])
        self.assertEqual(result["stdout"], "hi\r\n")
        self.assertEqual(result["stderr"], SHARED_CONNECTION_CLOSED.decode())

    def test_non_sudoable_commands_and_stdin_get_no_tty_and_separate_stderr(self):
        rc, out, err = self.connection.exec_command("cat", in_data=b"data", sudoable=True)
        self.assertEqual(self.bridge.last[1]["pty"], False)
        self.assertEqual(base64.b64decode(self.bridge.last[1]["stdin_b64"]), b"data")
        self.assertEqual(err, b"")
        self.run_command("mkdir -p x", sudoable=False, reply=exec_reply(1, b"", b"mkdir: denied\n"))
        self.assertEqual(self.bridge.last[1]["pty"], False)

    def test_result_is_bytes_and_rc_as_the_agent_reports(self):
        self.bridge.replies.append(exec_reply(3, b"\xff\xfeout", b"err\n"))
        self.assertEqual(self.connection.exec_command("x", sudoable=False), (3, b"\xff\xfeout", b"err\n"))

    def test_use_tty_off_and_quiet_ssh_args(self):
        connection = bridge_harness.make_connection("spindle_ssh", {"ansible_ssh_use_tty": False})
        connection._bridge = lambda: self.bridge
        connection.exec_command("id")
        self.assertFalse(self.bridge.last[1]["pty"])
        connection = bridge_harness.make_connection("spindle_ssh", {"ansible_ssh_args": "-q"})
        connection._bridge = lambda: self.bridge
        self.assertEqual(connection.exec_command("id")[2], b"")
        connection = bridge_harness.make_connection("spindle_ssh",
                                                    {"ansible_ssh_args": "-o ControlMaster=no"})
        connection._bridge = lambda: self.bridge
        self.assertEqual(connection.exec_command("id")[2], b"Connection to web1 closed.\r\n")

    def test_interpreter_discovery_runs_as_a_plain_command_when_one_request_cannot_answer_it(self):
        # (test_discovery: the one request that answers both of 2.14's discovery commands)
        bootstrap = "echo PLATFORM; uname; echo FOUND; command -v 'python3'; echo ENDFOUND"
        output = b"PLATFORM\nLinux\nFOUND\n/usr/bin/python3\nENDFOUND\n"
        self.bridge.replies.append(exec_reply(0, b"no marker in this reply\n"))
        result = self.run_command(bootstrap, sudoable=False, reply=exec_reply(0, output))
        self.assertEqual(self.bridge.last[1]["cmd"], "/bin/sh -c %s" % shlex.quote(bootstrap + " && sleep 0"))
        self.assertEqual(result["stdout"], "PLATFORM\nLinux\nFOUND\n/usr/bin/python3\nENDFOUND\n")


@requires_ansible
class ModuleTest(_ConnectionTestCase):

    def test_pipelined_module_becomes_a_module_request(self):
        command, payload = self.pipelined_module(environment={"LANG": "C.UTF-8"})
        module_output = json.dumps({"ping": "pong", "changed": False}).encode()
        result = self.run_command(command, in_data=payload, reply=exec_reply(0, module_output))
        address, body = self.bridge.last
        self.assertEqual(address, "spindle.module")
        self.assertEqual(body["fqn"], "ansible.modules.ping")
        self.assertEqual(json.loads(body["params"])["ANSIBLE_MODULE_ARGS"], {"data": "pong"})
        self.assertEqual(body["env"], {"LANG": "C.UTF-8"})
        self.assertEqual(body["target"]["python"], "/usr/bin/python3")
        self.assertIsNone(body["become"])
        self.assertNotIn("cmd", body)
        self.assertEqual(json.loads(result["stdout"])["ping"], "pong")
        self.assertEqual(result["stderr"], "")

    def test_module_zip_is_sent_only_when_the_daemon_asks_for_it(self):
        command, payload = self.pipelined_module()
        module_output = json.dumps({"ping": "pong"}).encode()
        self.bridge.replies.append({"need_zip": True})
        self.run_command(command, in_data=payload, reply=exec_reply(0, module_output))
        (first_address, first), (second_address, second) = self.bridge.requests[-2:]
        self.assertEqual((first_address, second_address), ("spindle.module", "spindle.module"))
        self.assertIsNone(first["zip_b64"])
        self.assertEqual(hashlib.sha1(base64.b64decode(second["zip_b64"])).hexdigest(), second["zip_sha1"])

    def test_module_under_sudo_runs_in_the_become_child(self):
        self.become("sudo", become_user="root", become_pass="pw", become_flags="-H -S -n", become_exe="sudo")
        command, payload = self.pipelined_module("ansible.builtin.command", {"_raw_params": "id -u"})
        self.run_command(command, in_data=payload)
        address, body = self.bridge.last
        self.assertEqual(address, "spindle.module")
        self.assertEqual(body["fqn"], "ansible.modules.command")
        self.assertEqual(body["become"], {"method": "sudo", "user": "root", "password": "pw", "exe": "sudo",
                                          "flags": "-H -S -n"})

    def test_a_module_file_put_and_then_run_is_a_module_request_from_the_bytes_put(self):
        # ActionBase without pipelining (ANSIBLE_KEEP_REMOTE_FILES, su): put_file, then
        # `<interpreter> <path>` on a tty
        payload, shebang = bridge_harness.ansiballz_payload("ansible.builtin.ping", {"data": "kept"})
        remote = "/home/u/.ansible/tmp/ansible-tmp-1-2/AnsiballZ_ping.py"
        self.put(payload, remote)
        module_output = json.dumps({"ping": "kept"}).encode()
        command = self.connection._shell.build_module_command("", shebang, remote).strip()
        result = self.run_command(command, reply=exec_reply(0, module_output + b"\n"))
        address, body = self.bridge.last
        self.assertEqual(address, "spindle.module")
        self.assertEqual(json.loads(body["params"])["ANSIBLE_MODULE_ARGS"], {"data": "kept"})
        self.assertEqual(body["target"]["python"], "/usr/bin/python3")
        self.assertTrue(body["pty"])
        # as ssh -tt shows it
        self.assertEqual((result["stdout"], result["stderr"]),
                         (module_output.decode() + "\r\n", SHARED_CONNECTION_CLOSED.decode()))

    def test_a_file_that_is_no_module_or_another_path_runs_as_a_command(self):
        payload, shebang = bridge_harness.ansiballz_payload("ansible.builtin.ping", {})
        self.put(payload, "/tmp/AnsiballZ_ping.py")
        self.put(b"print('hi')\n", "/tmp/plain.py")
        # the action's own commands on the file, and anything but its shebang's interpreter
        for command in ("/usr/bin/python3 /tmp/plain.py", "/usr/bin/python3 /tmp/other.py",
                        "/usr/bin/python3 /tmp/AnsiballZ_ping.py extra", "chmod u+x /tmp/ /tmp/AnsiballZ_ping.py",
                        "cat /tmp/AnsiballZ_ping.py", "/usr/bin/python2 /tmp/AnsiballZ_ping.py"):
            with self.subTest(command=command), mock.patch("ansible_spindle.connection_base.display") as display:
                self.run_command(command)
                self.assertEqual(self.bridge.last[0], "spindle.exec")
                display.vv.assert_not_called()  # no fallback: it runs no module
        self.put(b"print('hi')\n", "/tmp/AnsiballZ_ping.py")  # replaced by something else
        self.run_command("/usr/bin/python3 /tmp/AnsiballZ_ping.py")
        self.assertEqual(self.bridge.last[0], "spindle.exec")

    def put(self, data, remote):
        with tempfile.NamedTemporaryFile() as source:
            source.write(data)
            source.flush()
            self.bridge.replies.append({"size": len(data), "sha1": hashlib.sha1(data).hexdigest()})
            self.connection.put_file(source.name, remote)

    def test_unparseable_stdin_runs_as_plain_command_with_stdin(self):
        script = b"import platform; print(platform.system())\n"
        self.run_command("/usr/bin/python3", sudoable=False, in_data=script)
        address, body = self.bridge.last
        self.assertEqual(address, "spindle.exec")
        self.assertEqual(body["cmd"], "/bin/sh -c '/usr/bin/python3 && sleep 0'")
        self.assertEqual(base64.b64decode(body["stdin_b64"]), script)
        self.assertFalse(body["pty"])

    def test_payload_piped_into_something_else_is_not_a_module(self):
        _, payload = self.pipelined_module()
        self.run_command("/usr/bin/env python3", in_data=payload)
        self.assertEqual(self.bridge.last[0], "spindle.exec")
        self.assertEqual(base64.b64decode(self.bridge.last[1]["stdin_b64"]), payload)


@requires_ansible
class BecomeTest(_ConnectionTestCase):

    variables = {"ansible_user": "deploy"}

    def test_sudo_command_is_unwrapped_and_sent_with_a_become_hop(self):
        self.become("sudo", become_user="root")
        result = self.run_command("id -u", reply=exec_reply(0, b"0\r\n"))
        address, body = self.bridge.last
        self.assertEqual(body["cmd"], "id -u")
        self.assertEqual(body["become"]["method"], "sudo")
        self.assertEqual(body["become"]["user"], "root")
        self.assertTrue(body["pty"])
        self.assertEqual(result["stdout"], "0\r\n")

    def test_su_command_with_password(self):
        self.become("su", become_user="app", become_pass="pw")
        self.run_command("ls '/home/my app' | wc -l")
        body = self.bridge.last[1]
        self.assertEqual(body["cmd"], "ls '/home/my app' | wc -l")
        become = body["become"]
        self.assertEqual((become["method"], become["user"], become["password"]), ("su", "app", "pw"))

    def test_doas_command(self):
        self.become("community.general.doas", become_user="www")
        self.run_command("whoami")
        body = self.bridge.last[1]
        self.assertEqual((body["cmd"], body["become"]["method"]), ("whoami", "doas"))

    def test_become_to_the_login_user_is_no_hop(self):
        self.become("sudo", become_user="deploy")
        self.run_command("whoami")
        self.assertEqual((self.bridge.last[1]["cmd"], self.bridge.last[1]["become"]),
                         ("/bin/sh -c 'whoami && sleep 0'", None))

    def test_non_sudoable_command_goes_as_the_login_user(self):
        self.become("sudo", become_user="root")
        self.run_command("echo ~", sudoable=False)
        self.assertIsNone(self.bridge.last[1]["become"])

    def test_raw_with_executable_false(self):
        self.become("sudo", become_user="root")
        self.run_command("uptime", executable=False)
        body = self.bridge.last[1]
        self.assertEqual((body["cmd"], body["become"]["user"]), ("uptime", "root"))

    def test_other_shell_executable_is_kept_for_the_become_child(self):
        self.become("sudo", become_user="root")
        self.run_command("echo $0", executable="/bin/bash")
        self.assertEqual(self.bridge.last[1]["cmd"], "/bin/bash -c 'echo $0'")

    def test_become_failure_fails_the_task_and_lost_agent_makes_the_host_unreachable(self):
        self.become("sudo", become_user="root", become_pass="wrong")
        self.bridge.replies.append(DaemonError(2, "incorrect sudo password"))
        with self.assertRaises(AnsibleError) as caught:
            self.run_command("id")
        self.assertNotIsInstance(caught.exception, AnsibleConnectionFailure)
        self.assertEqual("Incorrect sudo password", str(caught.exception))  # ssh.py's words
        for code in (1, 4):
            self.bridge.replies.append(DaemonError(code, "gone"))
            with self.assertRaises(AnsibleConnectionFailure):
                self.run_command("id")
        for code in (3, 5):
            self.bridge.replies.append(DaemonError(code, "bad"))
            with self.assertRaises(AnsibleError) as caught:
                self.run_command("id")
            self.assertNotIsInstance(caught.exception, AnsibleConnectionFailure)

    def test_a_become_tool_that_ended_without_running_the_command_gives_its_result(self):
        # su to a nologin account: su's status, nologin's words on stdout, the tty's prompt
        # line end; as ssh -tt shows them (a raw task) and as pipes do (a pipelined module)
        self.become("su", become_user="svc", become_pass="pw")
        exited = {"become_exited": {"rc": 1, "stdout_b64": _b64(b"This account is currently not available.\n"),
                                    "tty_b64": _b64(b"\r\n"), "prompted": True}}
        result = self.run_command("id -un", reply=exited)
        self.assertEqual((result["rc"], result["stdout"], result["stderr"]),
                         (1, "\r\nThis account is currently not available.\r\n", SHARED_CONNECTION_CLOSED.decode()))
        command, payload = self.pipelined_module()
        result = self.run_command(command, in_data=payload, reply=exited)
        self.assertEqual(self.bridge.last[0], "spindle.module")
        self.assertEqual((result["rc"], result["stdout"], result["stderr"]),
                         (1, "This account is currently not available.\n", "\n"))


def _b64(data):
    return base64.b64encode(data).decode()


@requires_ansible
class EmulatedBecomeTest(_ConnectionTestCase):
    """Become plugins the daemon doesn't run itself (community.general.dzdo and sudosu here)."""

    def test_wrapped_command_runs_as_built_with_the_password_ahead_of_stdin_and_no_tty(self):
        self.become("community.general.dzdo", become_user="root", become_pass="pw")
        become = self.connection.become
        # The prompt on stderr and the success line on stdout, as dzdo -S and the wrapper print them.
        self.bridge.replies.append(lambda address, body: exec_reply(
            0, b"%s\nuid=0(root)\n" % become.success.encode(), b"%s\n" % become.prompt.encode()))
        result = self.run_command("id")
        body = self.bridge.last[1]
        self.assertIn(become.success, body["cmd"])
        self.assertIn("dzdo", body["cmd"])
        self.assertIsNone(body["become"])
        self.assertEqual(base64.b64decode(body["stdin_b64"]), b"pw\n")
        self.assertFalse(body["pty"])  # a tty would echo the password
        self.assertEqual((result["stdout"], result["stderr"]), ("uid=0(root)\n", ""))

    def test_incorrect_and_missing_passwords_use_ssh_wording(self):
        self.become("community.general.dzdo", become_user="root", become_pass="bad")
        self.bridge.replies.append(exec_reply(1, b"", b"Sorry, try again.\n"))
        with self.assertRaisesRegex(AnsibleError, "Incorrect community.general.dzdo password"):
            self.run_command("id")
        self.become("community.general.sudosu", become_user="root")
        self.bridge.replies.append(exec_reply(1, b"", b"sudo: a password is required\n"))
        with self.assertRaisesRegex(AnsibleError, "Missing community.general.sudosu password"):
            self.run_command("id")

    def test_without_password_nothing_is_written_to_stdin_and_tty_stays(self):
        self.become("community.general.dzdo", become_user="root")
        self.run_command("id")
        body = self.bridge.last[1]
        self.assertIsNone(body["stdin_b64"])
        self.assertTrue(body["pty"])


@requires_ansible
class AgentLogDisplayTest(_ConnectionTestCase):

    def test_what_the_agent_logged_is_shown_escaped_at_vvv(self):
        from ansible_spindle import connection_base
        reply = exec_reply()
        reply["logs"] = [{"name": "evil\x1b[2J", "msg": "done\nok: [web1]\x9b31m\u202e"}]
        shown = []
        with mock.patch.object(connection_base.display, "vvv", lambda text, host=None: shown.append(text)):
            self.run_command("true", reply=reply)
        agent_lines = [text for text in shown if text.startswith("SPINDLE agent")]
        self.assertEqual(agent_lines, ["SPINDLE agent evil\\x1b[2J: done\\nok: [web1]\\x9b31m\\u202e"])

    def test_reply_fields_from_the_agent_are_shown_escaped(self):
        from ansible_spindle.request_log import describe_reply
        self.assertEqual(describe_reply({"sha1": "ab\x1b]0;t\x07", "size": 3}), "size=3 sha1=ab\\x1b]0;t\\x07")


class FileTest(_ConnectionTestCase):

    def test_put_file_sends_the_absolute_local_path_without_become(self):
        self.become("sudo", become_user="root")
        with tempfile.NamedTemporaryFile() as source:
            self.bridge.replies.append({"size": 0, "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709"})
            self.connection.put_file(os.path.relpath(source.name), "/tmp/dest")
            address, body = self.bridge.last
        self.assertEqual(address, "spindle.put")
        self.assertEqual((body["src_path"], body["dest"], body["become"]), (source.name, "/tmp/dest", None))

    def test_put_file_of_missing_file(self):
        with self.assertRaisesRegex(AnsibleFileNotFound, "file or module does not exist: /no/such/file"):
            self.connection.put_file("/no/such/file", "/tmp/x")
        self.assertEqual(self.bridge.requests, [])

    def test_fetch_file(self):
        self.connection.fetch_file("/etc/hostname", "/tmp/fetched/hostname")
        address, body = self.bridge.last
        self.assertEqual((address, body["src"], body["dest_path"], body["become"]),
                         ("spindle.fetch", "/etc/hostname", "/tmp/fetched/hostname", None))

    def test_reset(self):
        self.connection.reset()
        self.assertEqual(self.bridge.last[0], "spindle.reset")
        self.assertFalse(self.connection.connected)


@requires_ansible
class LocalTest(_ConnectionTestCase):

    plugin = "spindle_local"

    def test_commands_run_in_the_playbook_directory(self):
        self.action._loader.set_basedir("/srv/playbooks")
        self.run_command("ls", reply=exec_reply(0, b"site.yml\n"))
        body = self.bridge.last[1]
        self.assertEqual((body["cwd"], body["pty"], body["target"]["transport"]),
                         ("/srv/playbooks", False, "local"))

    def test_pipelined_module_and_relative_copies(self):
        self.action._loader.set_basedir("/srv/playbooks")
        command, payload = self.pipelined_module()
        self.run_command(command, in_data=payload)
        address, body = self.bridge.last
        self.assertEqual((address, body["cwd"]), ("spindle.module", "/srv/playbooks"))
        with tempfile.TemporaryDirectory() as playbooks:
            open(os.path.join(playbooks, "files.txt"), "w").close()
            self.connection.cwd = playbooks.encode()
            self.connection.put_file("files.txt", "copy.txt")
        self.assertEqual((self.bridge.last[1]["src_path"], self.bridge.last[1]["dest"]),
                         (os.path.join(playbooks, "files.txt"), os.path.join(playbooks, "copy.txt")))


if __name__ == "__main__":
    unittest.main()
