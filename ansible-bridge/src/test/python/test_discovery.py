"""Interpreter discovery through the Spindle plugin: vanilla's answer, warnings included, in one request.

Ansible's own discover_interpreter runs over the real plugin; only the daemon is replaced, by
one that runs every spindle.exec on this machine with /bin/sh, so both the one-request path and
the vanilla path (the same plugin with the one-trip seam taken out) meet a real shell and real
interpreters.
"""

import base64
import os
import re
import subprocess
import tempfile
import unittest
from unittest import mock

import bridge_harness
from bridge_harness import RecordingBridge, exec_reply, requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible.executor import interpreter_discovery

    from ansible_spindle import discovery
    from ansible_spindle.shell_command import shell_invocation

TWO_STEP = bridge_harness.ANSIBLE_MISSING is None and discovery.platform_script() is not None


def run_here(address, body):
    """The daemon's spindle.exec, run on this machine (the agent runs it with the login shell)."""
    assert address == "spindle.exec", address
    stdin = base64.b64decode(body["stdin_b64"]) if body["stdin_b64"] is not None else b""
    done = subprocess.run(["/bin/sh", "-c", body["cmd"]], input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    return exec_reply(done.returncode, done.stdout, done.stderr)


class _Recorder(RecordingBridge):
    def request(self, address, body):
        self.requests.append((address, body))
        return run_here(address, body)


@requires_ansible
class DiscoveryTest(unittest.TestCase):

    def discover(self, mode, one_trip=True, variables=None):
        """(interpreter, what it said, requests) of discover_interpreter over the plugin: what it
        said is the warnings it left for the action (2.14) and everything it displayed (2.19
        shows its warnings itself)."""
        connection = bridge_harness.make_connection("spindle_ssh")
        bridge = _Recorder()
        connection._bridge = lambda: bridge
        if not one_trip:
            connection._discovery.run = lambda cmd, stdin, exec_plain: None
        action = bridge_harness.action_for(connection)
        task_vars = dict({"inventory_hostname": "web1"}, **(variables or {}))
        with mock.patch.object(interpreter_discovery, "display") as display:
            interpreter = interpreter_discovery.discover_interpreter(action, "python", mode, task_vars)
        said = (getattr(action, "_discovery_warnings", None), display.mock_calls)
        return interpreter, said, bridge.requests

    def test_every_mode_gives_vanillas_interpreter_and_warnings_in_one_request(self):
        for mode in ("auto", "auto_silent", "auto_legacy", "auto_legacy_silent"):
            with self.subTest(mode=mode):
                interpreter, warnings, requests = self.discover(mode)
                vanilla_interpreter, vanilla_warnings, vanilla_requests = self.discover(mode, one_trip=False)
                self.assertEqual((interpreter, warnings), (vanilla_interpreter, vanilla_warnings))
                self.assertTrue(os.path.isabs(interpreter))
                self.assertEqual(len(requests), 1 if TWO_STEP else len(vanilla_requests))
                if TWO_STEP:
                    self.assertEqual(len(vanilla_requests), 2)

    def test_a_fallback_list_of_the_users_is_probed_as_given(self):
        # python3 first: on this machine the platform map's answer may differ from it
        variables = {"ansible_interpreter_python_fallback": ["nonesuch-python", "python3"]}
        one_trip = self.discover("auto", variables=variables)
        vanilla = self.discover("auto", one_trip=False, variables=variables)
        self.assertEqual(one_trip[:2], vanilla[:2])
        self.assertIn("nonesuch-python", one_trip[2][0][1]["cmd"])

    def test_no_interpreter_found_is_vanillas_warning_from_one_request(self):
        variables = {"ansible_interpreter_python_fallback": ["nonesuch-python"]}
        one_trip = self.discover("auto", variables=variables)
        self.assertEqual(one_trip[:2], self.discover("auto", one_trip=False, variables=variables)[:2])
        self.assertEqual(one_trip[0], "/usr/bin/python3" if not TWO_STEP else "/usr/bin/python")
        self.assertEqual(len(one_trip[2]), 1)


@requires_ansible
@unittest.skipUnless(TWO_STEP, "this ansible-core's discovery is one command already")
class TwoStepRecognitionTest(unittest.TestCase):

    BOOTSTRAP = "echo PLATFORM; uname; echo FOUND; command -v 'python3'; command -v 'python'; echo ENDFOUND"

    def setUp(self):
        self.sent = []
        self.discovery = discovery.OneTripDiscovery(lambda message: None)

    def exec_plain(self, command, stdin):
        self.sent.append((command, stdin))
        reply = run_here("spindle.exec", {"cmd": command, "stdin_b64": base64.b64encode(stdin).decode()})
        return reply["rc"], base64.b64decode(reply["stdout_b64"]), base64.b64decode(reply["stderr_b64"])

    def test_the_bootstrap_as_actionbase_wraps_it_is_recognised(self):
        self.assertEqual(discovery.bootstrap_names(shell_invocation("/bin/sh", self.BOOTSTRAP + " && sleep 0")),
                         ["python3", "python"])

    def test_a_command_that_only_looks_like_it_is_not(self):
        for cmd in (self.BOOTSTRAP.replace("'python'", "python"),
                    self.BOOTSTRAP.replace("; command", ";  command"),
                    self.BOOTSTRAP + "; rm -rf x",
                    "echo FOUND; command -v 'python3'; echo ENDFOUND"):
            with self.subTest(cmd=cmd):
                self.assertIsNone(discovery.bootstrap_names(cmd))
                self.assertIsNone(self.discovery.run(cmd, None, self.exec_plain))
        self.assertEqual(self.sent, [])

    def test_the_bootstraps_result_is_its_own_and_the_script_comes_without_a_request(self):
        rc, stdout, stderr = self.discovery.run(self.BOOTSTRAP, None, self.exec_plain)
        expected = subprocess.run(["/bin/sh", "-c", self.BOOTSTRAP], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual((rc, stdout, stderr), (expected.returncode, expected.stdout, expected.stderr))
        interpreter = [line for line in stdout.decode().splitlines() if line.startswith("/")][0]
        script = discovery.platform_script()
        answer = self.discovery.run(shell_invocation("/bin/sh", interpreter + " && sleep 0"), script,
                                    self.exec_plain)
        vanilla = subprocess.run([interpreter], input=script, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(answer, (vanilla.returncode, vanilla.stdout, vanilla.stderr))
        self.assertEqual(len(self.sent), 1)

    def test_the_kept_answer_is_for_the_next_command_only_and_that_interpreter_only(self):
        self.discovery.run(self.BOOTSTRAP, None, self.exec_plain)
        script = discovery.platform_script()
        self.assertIsNone(self.discovery.run("/usr/bin/nonesuch", script, self.exec_plain))
        self.assertIsNone(self.discovery.run("/usr/bin/python3", script, self.exec_plain))

    def test_a_reply_without_the_marker_leaves_the_command_to_go_as_usual(self):
        result = self.discovery.run(self.BOOTSTRAP, None, lambda command, stdin: (0, b"PLATFORM\nLinux\n", b""))
        self.assertIsNone(result)

    def test_a_reply_whose_marker_line_is_not_a_status_and_a_path_leaves_it_to_go_as_usual(self):
        def reply(status):
            def exec_plain(command, stdin):
                marker = re.search(r"SPINDLE-DISCOVERY-[0-9a-f]+", command).group(0).encode()
                return 0, b"FOUND\n" + b"\n" + marker + b" " + status + b" /usr/bin/python3\n{}", b"\n" + marker + b"\n"
            return exec_plain
        self.assertIsNotNone(self.discovery.run(self.BOOTSTRAP, None, reply(b"0")))
        for status in (b"x", b"\xc2\xb2", b"9" * 5000, b""):
            with self.subTest(status=status):
                self.assertIsNone(self.discovery.run(self.BOOTSTRAP, None, reply(status)))


if __name__ == "__main__":
    unittest.main()
