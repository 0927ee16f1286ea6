"""Reading real AnsiballZ payloads built by module_common.modify_module, and refusing the rest."""

import base64
import hashlib
import io
import json
import unittest
import zipfile

import bridge_harness
from bridge_harness import requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible_spindle.ansiballz import NotWarm, parse_module_invocation

COMMAND_ARGS = {"_raw_params": "echo 'hello world' \"$HOME\"", "_ansible_check_mode": False,
                "_ansible_no_log": False, "unicode": "h\u00e9llo \u2603", "quote": "it's"}


@requires_ansible
class ParseTest(unittest.TestCase):

    def setUp(self):
        self.connection = bridge_harness.make_connection()

    def invocation(self, module_name, args, environment=None, interpreter="/usr/bin/python3"):
        payload, shebang = bridge_harness.ansiballz_payload(module_name, args, interpreter=interpreter)
        command = bridge_harness.pipelined_module_command(self.connection, shebang, environment)
        return payload, parse_module_invocation(command, payload)

    def assert_zip_holds(self, invocation, member):
        zip_bytes = base64.b64decode(invocation.zip_b64)
        self.assertEqual(invocation.zip_sha1, hashlib.sha1(zip_bytes).hexdigest())
        self.assertIn(member, zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist())

    def test_command_module(self):
        environment = {"LANG": "C.UTF-8", "MY_VAR": "it's $HOME; `true`", "EMPTY": ""}
        payload, invocation = self.invocation("ansible.builtin.command", COMMAND_ARGS, environment)
        self.assertIsNotNone(invocation)
        self.assertEqual(invocation.fqn, "ansible.modules.command")
        self.assertEqual(invocation.name, "ansible.builtin.command")  # what AnsiballZ names its temp dir after
        self.assertEqual(json.loads(invocation.params), {"ANSIBLE_MODULE_ARGS": COMMAND_ARGS})
        self.assertEqual(invocation.env, environment)
        self.assertEqual(invocation.interpreter, "/usr/bin/python3")
        self.assert_zip_holds(invocation, "ansible/modules/command.py")
        self.assert_zip_holds(invocation, "ansible/module_utils/basic.py")
        self.assertIn(invocation.zip_b64.encode(), payload)

    def test_ping_module_without_environment(self):
        _, invocation = self.invocation("ansible.builtin.ping", {"data": "pong"},
                                        interpreter="/opt/py/bin/python3.11")
        self.assertEqual(invocation.fqn, "ansible.modules.ping")
        self.assertEqual(invocation.env, {})
        self.assertEqual(invocation.interpreter, "/opt/py/bin/python3.11")
        self.assertEqual(json.loads(invocation.params)["ANSIBLE_MODULE_ARGS"], {"data": "pong"})
        self.assert_zip_holds(invocation, "ansible/modules/ping.py")

    def test_same_module_has_the_same_zip_hash_whatever_its_arguments(self):
        _, first = self.invocation("ansible.builtin.ping", {"data": "a"})
        _, second = self.invocation("ansible.builtin.ping", {"data": "b"})
        self.assertEqual(first.zip_sha1, second.zip_sha1)
        self.assertNotEqual(first.params, second.params)

    def test_plain_payload_needs_nothing_of_the_wrapper_but_what_its_release_always_does(self):
        _, invocation = self.invocation("ansible.builtin.ping", {})
        self.assertEqual((invocation.wrapper["rlimit_nofile"], invocation.wrapper["coverage"]), (0, None))

    def test_rlimit_setting_goes_to_the_agent(self):
        payload, _ = bridge_harness.ansiballz_payload("ansible.builtin.ping", {},
                                                      ansible_python_module_rlimit_nofile=1024)
        self.assertEqual(parse_module_invocation("/usr/bin/python3", payload).wrapper["rlimit_nofile"], 1024)

    def test_stored_zip(self):
        payload, _ = bridge_harness.ansiballz_payload("ansible.builtin.ping", {}, module_compression="ZIP_STORED")
        invocation = parse_module_invocation("/usr/bin/python3", payload)
        self.assertEqual(zipfile.ZipFile(io.BytesIO(base64.b64decode(invocation.zip_b64))).infolist()[0].compress_type,
                         zipfile.ZIP_STORED)

    def test_what_is_no_payload_is_not_a_fallback(self):
        for stdin in (b"", b"\x00\xff garbage", b"print('hello')\n", b"password\n"):
            self.assertIsNone(parse_module_invocation("/usr/bin/python3", stdin), stdin)

    def test_tampered_payloads_fall_back_with_a_reason(self):
        payload, _ = bridge_harness.ansiballz_payload("ansible.builtin.ping", {})
        for junk in (
            payload[:len(payload) // 2],                                       # truncated
            payload.replace(b"    import sys\n", b"    import sys\n    import evil\n", 1),  # extra code
            payload + b"\nprint('more')\n",
            payload.replace(b"import base64", b"import base64 as b64", 1),
        ):
            with self.assertRaises(NotWarm, msg=junk[-80:]) as raised:
                parse_module_invocation("/usr/bin/python3", junk)
            self.assertTrue(str(raised.exception))

    def test_commands_other_than_a_plain_interpreter_are_refused(self):
        payload, _ = bridge_harness.ansiballz_payload("ansible.builtin.ping", {})
        for command in (
            "/usr/bin/env python3",                 # two words
            "python3 -E",
            "X=$(id) /usr/bin/python3",             # an expansion the shell would do
            "X=\"a\" /usr/bin/python3",             # quoting build_module_command never writes
            "/usr/bin/python3 && sleep 0",
            "/usr/bin/python3; rm -rf /",
            "cd /tmp && /usr/bin/python3",
            "A=1",
            "1A=x /usr/bin/python3",
            "'/opt/my python/python3'",
            "",
        ):
            self.assertRaises(NotWarm, parse_module_invocation, command, payload)


if __name__ == "__main__":
    unittest.main()
