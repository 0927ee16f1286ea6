"""run_command: what sshd does with an exec request, with and without a pty."""

import base64
import os
import pwd
import time
import unittest

from agent_harness import (
    children_of,
    decoded,
    pid_alive,
    RemoteError,
    SharedAgentTestCase,
    wait_until)


def b64(data):
    return base64.b64encode(data).decode("ascii")


class RunCommandTest(SharedAgentTestCase):

    @classmethod
    def agent_options(cls):
        return dict(env=dict(os.environ, SPINDLE_AGENT_ENV="from the agent"))

    def run_command(self, cmd, stdin=None, pty=False, timeout=None):
        return decoded(self.controller.call(
            "run_command", cmd=cmd, stdin_b64=None if stdin is None else b64(stdin), pty=pty,
            timeout=timeout))

    def test_login_shell_cwd_and_environment(self):
        shell = pwd.getpwuid(os.geteuid()).pw_shell or "/bin/sh"
        self.assertEqual(self.run_command('echo "$0"; pwd; echo "$SPINDLE_AGENT_ENV"'),
                         (0, ("%s\n%s\nfrom the agent\n" % (shell, os.getcwd())).encode(), b""))

    def test_shell_features(self):
        rc, stdout, stderr = self.run_command(
            "X=ex; echo hello | tr a-z A-Z; echo $X err >&2; for i in 1 2; do echo $i; done; "
            "exit 4")
        self.assertEqual((rc, stdout, stderr), (4, b"HELLO\n1\n2\n", b"ex err\n"))

    def test_stdin(self):
        data = bytes(range(256)) * 64
        self.assertEqual(self.run_command("cat", stdin=data), (0, data, b""))
        self.assertEqual(self.run_command("cat"), (0, b"", b""))  # /dev/null

    def test_pty_merges_output_and_hides_input(self):
        rc, stdout, stderr = self.run_command(
            'tty >/dev/null && echo on a tty; echo out; echo err >&2; read -r secret; '
            'echo "got $secret"', stdin=b"hunter2\n", pty=True)
        self.assertEqual((rc, stderr), (0, b""))
        self.assertEqual(stdout, b"on a tty\r\nout\r\nerr\r\ngot hunter2\r\n")
        rc, stdout, _ = self.run_command("tty >/dev/null || echo no tty")
        self.assertEqual(stdout, b"no tty\n")

    def test_pty_has_a_controlling_terminal(self):
        rc, stdout, _ = self.run_command("exec 2>/dev/null; : </dev/tty && echo has ctty",
                                         pty=True)
        self.assertEqual((rc, stdout), (0, b"has ctty\r\n"))

    def test_signal_and_missing_command(self):
        self.assertEqual(self.run_command("kill -9 $$")[0], -9)
        rc, _, stderr = self.run_command("spindle-no-such-command")
        self.assertEqual(rc, 127)
        self.assertIn(b"spindle-no-such-command", stderr)

    def test_timeout(self):
        started = time.monotonic()
        with self.assertRaises(RemoteError) as caught:
            self.run_command("sleep 30", timeout=0.5)
        self.assertEqual(caught.exception.type, "spindle.Timeout")
        self.assertLess(time.monotonic() - started, 5)
        with self.assertRaises(RemoteError) as caught:
            self.run_command("sleep 30", pty=True, timeout=0.5)
        self.assertEqual(caught.exception.type, "spindle.Timeout")
        self.assertTrue(wait_until(lambda: not [
            pid for pid in children_of(self.agent.pid) if _comm(pid) == "sleep"]))

    def test_cancel(self):
        reply_to = self.controller.call_async("run_command", cmd="sleep 30", stdin_b64=None,
                                              pty=False, timeout=None)
        self.assertTrue(wait_until(lambda: self.shells()))
        shell = self.shells()[0]
        self.controller.cancel(reply_to)
        self.assertTrue(wait_until(lambda: not pid_alive(shell)))
        self.controller.call("ping")
        self.assertEqual(self.controller.unexpected, [])

    def shells(self):
        return [pid for pid in children_of(self.agent.pid) if _comm(pid) in ("sleep", "bash", "sh")]


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


if __name__ == "__main__":
    unittest.main()
