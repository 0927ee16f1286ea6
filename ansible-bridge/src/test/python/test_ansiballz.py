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
    from ansible_spindle.ansiballz import parse_module_invocation

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
        self.assertIn(("ansible_%s_payload_" % invocation.name).encode(), payload)  # AnsiballZ's temp dir name
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

    def test_payload_with_rlimit_code_is_left_to_the_wrapper(self):
        payload, shebang = bridge_harness.ansiballz_payload("ansible.builtin.ping", {},
                                                            ansible_python_module_rlimit_nofile=1024)
        self.assertIn(b"RLIMIT_NOFILE", payload)
        self.assertIsNone(parse_module_invocation("/usr/bin/python3", payload))

    def test_tampered_payloads_are_refused(self):
        payload, _ = bridge_harness.ansiballz_payload("ansible.builtin.ping", {})
        for junk in (
            b"",
            b"\x00\xff garbage",
            b"print('hello')\n",
            payload[:len(payload) // 2],                                       # truncated
            payload.replace(b"    import sys\n", b"    import sys\n    import evil\n", 1),  # extra code
            payload.replace(b"sys.exit(exitcode)", b"sys.exit(0)", 1),
            payload + b"\nprint('more')\n",
            payload.replace(b'ZIPDATA = """', b'ZIPDATA = """!', 1),           # not base64
        ):
            self.assertIsNone(parse_module_invocation("/usr/bin/python3", junk), junk[:80])

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
            self.assertIsNone(parse_module_invocation(command, payload), command)


if __name__ == "__main__":
    unittest.main()
