"""The agent end to end: a real subprocess booted from stage 1 + stage 2, a fake controller."""

import base64
import glob
import os
import statistics
import sys
import tempfile
import time
import unittest

from agent_harness import (
    AGENT_ID,
    AgentProcess,
    children_of,
    decoded,
    forkserver_pid,
    install_fake_shim,
    pid_alive,
    RemoteError,
    SharedAgentTestCase,
    wait_until)
from ansiballz import TinyPayload
from spindle_agent.framing import encode
from spindle_agent.protocol import MAX_FRAME

MODULES = {
    "spindletest_agent": [1, ""],
    "spindletest_agent.noisy": [0, 'import logging\n'
                                   'print("hello from the agent")\n'
                                   'logging.getLogger("spindletest.noisy").warning("careful: %d", 42)\n'],
    "spindletest_agent.boom": [0, 'def explode():\n'
                                  '    raise ValueError("boom from the agent")\n'
                                  'explode()\n'],
}


def other_pythons():
    """Interpreters to smoke-test the agent on: $SPINDLE_TEST_PYTHONS (os.pathsep separated),
    else whatever pyenv has installed."""
    listed = os.environ.get("SPINDLE_TEST_PYTHONS")
    if listed:
        return listed.split(os.pathsep)
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    return sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))


class AgentTest(SharedAgentTestCase):

    quiet_stderr = False

    @classmethod
    def agent_options(cls):
        return dict(module_sources=MODULES, source_roots=["spindletest_agent"])

    def call(self, fn, **kw):
        return self.controller.call(fn, **kw)

    def assertRemoteError(self, error_type, fn, **kw):
        with self.assertRaises(RemoteError) as caught:
            self.call(fn, **kw)
        self.assertEqual(caught.exception.type, error_type, caught.exception)
        return caught.exception

    def test_ping(self):
        self.assertEqual(self.call("ping"), {"pid": self.agent.pid})

    def test_info(self):
        info = self.call("info")
        self.assertEqual(info["pid"], self.agent.pid)
        self.assertEqual(info["python"], "%d.%d.%d" % sys.version_info[:3])
        self.assertEqual((info["uid"], info["euid"]), (os.getuid(), os.geteuid()))
        self.assertEqual(info["cwd"], os.getcwd())
        self.assertEqual(info["context_id"], AGENT_ID)
        self.assertTrue(info["user"] and info["home"])
        self.assertEqual(info["executable"], sys.executable)

    def test_stats(self):
        slow = self.controller.call_async("exec", argv=["sleep", "0.5"])
        stats = self.call("stats")
        self.assertEqual(stats["pid"], self.agent.pid)
        self.assertGreater(stats["rss_kb"], 1000)
        self.assertEqual(stats["calls_in_flight"], 1)
        self.assertEqual(stats["children"], [])
        self.assertIn(stats["forkserver"]["pid"], children_of(self.agent.pid))
        self.assertEqual(self.controller.wait(slow)["rc"], 0)

    def test_interpreters(self):
        found = self.call("interpreters")
        self.assertEqual(found["platform"], os.uname().sysname)
        self.assertTrue(found["found"])
        for path in found["found"]:
            self.assertTrue(os.path.isabs(path) and os.access(path, os.X_OK), path)
        self.assertEqual(len(found["found"]), len(set(found["found"])))
        if os.path.exists("/usr/bin/python3"):
            self.assertIn("/usr/bin/python3", found["found"])
        with open("/etc/os-release") as f:
            self.assertEqual(found["os_release"], f.read())
        self.assertEqual(self.call("interpreters"), found)

    def test_exec_argv(self):
        result = self.call("exec", argv=["sh", "-c", "echo out; echo err >&2; exit 3"])
        self.assertEqual(decoded(result), (3, b"out\n", b"err\n"))

    def test_exec_shell_stdin_env_cwd(self):
        result = self.call("exec", shell="cat; echo \"$SPINDLE_X\"; pwd", stdin="in put\n",
                           env={"SPINDLE_X": "ex"}, cwd="/tmp")
        self.assertEqual(decoded(result), (0, b"in put\nex\n/tmp\n", b""))

    def test_exec_binary_stdin(self):
        data = bytes(range(256)) * 4
        result = self.call("exec", argv=["cat"], stdin_b64=base64.b64encode(data).decode())
        self.assertEqual(decoded(result), (0, data, b""))

    def test_exec_killed_by_signal(self):
        self.assertEqual(self.call("exec", shell="kill -9 $$")["rc"], -9)

    def test_exec_big_output(self):
        result = self.call("exec", shell="head -c 5000000 /dev/zero", timeout=20)
        self.assertEqual(decoded(result)[1], bytes(5000000))

    def test_exec_timeout(self):
        started = time.monotonic()
        error = self.assertRemoteError("spindle.Timeout", "exec", argv=["sleep", "30"],
                                       timeout=0.3)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("timed out after 0.3 s", error.message)

    def test_exec_timeout_holds_when_the_command_closes_its_output(self):
        started = time.monotonic()
        self.assertRemoteError("spindle.Timeout", "exec", shell="exec >/dev/null 2>&1; sleep 30", timeout=0.3)
        self.assertLess(time.monotonic() - started, 5)

    def test_exec_missing_command_looks_like_a_shell(self):
        result = self.call("exec", argv=["spindle-no-such-command", "x"])
        self.assertEqual(decoded(result),
                         (127, b"", b"spindle-no-such-command: command not found\n"))
        result = self.call("exec", argv=["/no/such/path"])
        self.assertEqual(decoded(result), (127, b"", b"/no/such/path: No such file or directory\n"))
        self.assertEqual(self.call("exec", argv=["/etc/passwd"])["rc"], 126)

    def test_exec_bad_cwd_is_an_error(self):
        self.assertRemoteError("FileNotFoundError", "exec", argv=["true"], cwd="/no/such/dir")

    def test_unknown_function(self):
        error = self.assertRemoteError("spindle.NoSuchFunction", "no_such_fn")
        self.assertIn("no_such_fn", error.message)

    def test_bad_arguments(self):
        self.assertRemoteError("TypeError", "ping", surprise=1)
        self.assertRemoteError("ValueError", "exec")

    def test_error_reply_carries_the_traceback(self):
        error = self.assertRemoteError("ValueError", "import_check",
                                       fullname="spindletest_agent.boom")
        self.assertEqual(error.message, "boom from the agent")
        self.assertIn("spindletest_agent/boom.py", error.traceback)
        self.assertIn('raise ValueError("boom from the agent")', error.traceback)

    def test_print_and_logging_become_log_records(self):
        self.call("import_check", fullname="spindletest_agent.noisy")
        record = self.controller.wait_for_log(lambda r: r["name"] == "stdout")
        self.assertEqual(record["msg"], "hello from the agent")
        record = self.controller.wait_for_log(lambda r: r["name"] == "spindletest.noisy")
        self.assertEqual((record["level"], record["msg"]), (30, "careful: 42"))

    def test_unknown_handle_and_unknown_context(self):
        reply_to = self.controller.request(77, {})
        with self.assertRaises(RemoteError) as caught:
            self.controller.wait(reply_to)
        self.assertEqual(caught.exception.type, "spindle.NoSuchHandle")
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("ping", dst=AGENT_ID + 5)
        self.assertEqual(caught.exception.type, "spindle.DeadContext")

    def test_calls_run_concurrently(self):
        slow = self.controller.call_async("exec", argv=["sleep", "1"])
        started = time.monotonic()
        self.call("ping")
        self.assertLess(time.monotonic() - started, 0.5)
        self.assertEqual(self.controller.wait(slow)["rc"], 0)

    def test_cancel_kills_a_running_exec_and_sends_no_reply(self):
        reply_to = self.controller.call_async("exec", argv=["sleep", "30"])
        self.assertTrue(wait_until(lambda: self.sleeping_children()))
        sleeper = self.sleeping_children()[0]
        self.controller.cancel(reply_to)
        self.assertTrue(wait_until(lambda: not pid_alive(sleeper)))
        self.call("ping")  # anything the cancelled call sent would have arrived before this
        self.assertEqual(self.controller.unexpected, [])

    def sleeping_children(self):
        return [pid for pid in children_of(self.agent.pid) if self.command_of(pid) == "sleep"]

    @staticmethod
    def command_of(pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                return f.read().strip()
        except OSError:
            return None

    def test_ping_round_trip(self):
        for _ in range(200):  # warm up: worker threads, code paths
            self.call("ping")
        samples = []
        for _ in range(2000):
            started = time.perf_counter()
            self.call("ping")
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1e6
        sys.stderr.write("\nping round trip through the fake controller: median %.0f us, "
                         "p90 %.0f us over %d calls\n"
                         % (median, sorted(samples)[len(samples) * 9 // 10] * 1e6, len(samples)))
        self.assertLess(median, 2000)


class LifecycleTest(unittest.TestCase):

    def test_pipelined_calls_before_the_marker(self):
        agent = AgentProcess()
        replies = [agent.controller.call_async("ping") for _ in range(3)]
        self.assertFalse(agent.controller.ready.is_set())
        self.assertEqual([agent.controller.wait(r) for r in replies], [{"pid": agent.pid}] * 3)
        self.assertEqual(agent.controller.noise, b"")
        self.assertEqual(agent.close(), (0, ""))

    def test_eof_exits_zero_and_leaves_no_process_behind(self):
        agent = AgentProcess()
        forkserver = forkserver_pid(agent.controller)
        agent.controller.call_async("exec", shell="sleep 30 & sleep 30")
        others = lambda: [pid for pid in children_of(agent.pid) if pid != forkserver]  # noqa: E731
        self.assertTrue(wait_until(others))
        shell = others()[0]
        self.assertTrue(wait_until(lambda: len(children_of(shell)) == 2))
        descendants = [shell, forkserver] + children_of(shell)
        started = time.monotonic()
        self.assertEqual(agent.close(), (0, ""))
        self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(wait_until(lambda: not any(pid_alive(pid) for pid in descendants)))

    def test_shutdown_call(self):
        agent = AgentProcess()
        self.assertEqual(agent.controller.call("shutdown"), {})
        self.assertEqual(agent.wait(), (0, ""))


class BadParentFrameTest(unittest.TestCase):
    """Garbage from the parent ends the agent: non-zero status, one clear line on stderr."""

    def assertAgentDiesOf(self, data, message, eof=False):
        agent = AgentProcess()
        self.assertEqual(agent.controller.call("ping"), {"pid": agent.pid})
        agent.controller.send(data)
        status, stderr = agent.close() if eof else agent.wait()
        self.assertEqual(status, 2)
        self.assertIn("bad frame from its parent", stderr)
        self.assertIn(message, stderr)
        self.assertEqual(stderr.count("\n"), 1, stderr)

    def test_bad_magic(self):
        self.assertAgentDiesOf(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "bad magic")

    def test_frame_too_long(self):
        header = encode(AGENT_ID, 0, 1, 1000, b"")[:20] + b"\xff\xff\xff\xff"
        self.assertAgentDiesOf(header, "frame of 4294967295 bytes exceeds the maximum of %d"
                               % MAX_FRAME)

    def test_truncated_frame_then_eof(self):
        self.assertAgentDiesOf(encode(AGENT_ID, 0, 1, 1000, b'{"fn":"ping"}')[:-3],
                               "stream ended inside a frame (34 of 37 bytes)", eof=True)


class LoginPathTest(unittest.TestCase):
    """A wrapper between the login shell and the interpreter (a pyenv shim) may change PATH
    before the agent starts; what the agent runs must see the login shell's PATH, as Ansible's
    commands do."""

    def test_commands_see_the_login_shells_path_not_the_shims(self):
        with tempfile.TemporaryDirectory() as shims:
            install_fake_shim(shims)
            login_path = shims + os.pathsep + os.environ["PATH"]
            agent = AgentProcess(python="python3", through_shell=True,
                                 env=dict(os.environ, PATH=login_path))
            try:
                self.assertEqual(decoded(agent.controller.call("exec", shell='echo "$PATH"')),
                                 (0, (login_path + "\n").encode(), b""))
                self.assertEqual(decoded(agent.controller.call("run_command", cmd='echo "$PATH"',
                                                               pty=False)),
                                 (0, (login_path + "\n").encode(), b""))
                tiny = TinyPayload("import os\nprint(os.environ['PATH'])\n")
                self.assertEqual(decoded(agent.controller.call("run_module", **tiny.kw())),
                                 (0, (login_path + "\n").encode(), b""))
            finally:
                self.assertEqual(agent.close(), (0, ""))


class InterpreterTest(unittest.TestCase):

    def test_boots_on_every_python_found(self):
        pythons = other_pythons()
        if not pythons:
            self.skipTest("no other interpreters found (set SPINDLE_TEST_PYTHONS)")
        tiny = TinyPayload("import os, sys\nprint('ok %d.%d' % sys.version_info[:2])\n")
        for python in pythons:
            with self.subTest(python):
                agent = AgentProcess(python=python)
                info = agent.controller.call("info")
                self.assertEqual(info["executable"], python)
                self.assertEqual(decoded(agent.controller.call("exec", argv=["true"]))[0], 0)
                self.assertEqual(decoded(agent.controller.call("run_module", **tiny.kw())),
                                 (0, b"ok %s\n" % info["python"].rsplit(".", 1)[0].encode(), b""))
                self.assertEqual(agent.close(), (0, ""))
                sys.stderr.write("\nagent ok on Python %s" % info["python"])


if __name__ == "__main__":
    unittest.main()
