"""run_module: real AnsiballZ payloads through the agent's fork server, compared with the same
payload run the vanilla pipelined way; isolation, caching, timeouts, restarts, fallback."""

import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import unittest

from agent_harness import (
    AgentProcess,
    children_of,
    decoded,
    forkserver_pid,
    parent_of,
    pid_alive,
    RemoteError,
    SharedAgentTestCase,
    wait_until)
from ansiballz import SYSTEM_PYTHON, TinyPayload, ansible_available, build_payloads
from spindle_agent.errors import UnknownPayload
from spindle_agent.modules import ZipCache

# Keys whose values differ from run to run (command's timing) or from process to process.
VOLATILE = {"start", "end", "delta", "pid", "ppid"}
TRACEBACK_PATH = re.compile(r'File "(?:[^"]*/ansible_\w+_payload\.zip|/proc/\d+/fd/\d+)/')


def module_json(stdout):
    """The module's JSON result with the volatile keys dropped, and the junk before it."""
    text = stdout.decode("utf-8")
    start = text.index("{")
    result = json.loads(text[start:])
    return text[:start], dict((k, v) for k, v in result.items() if k not in VOLATILE)


def normalized_stderr(stderr):
    """AnsiballZ's own frames (<stdin>) dropped, the zip's location replaced."""
    lines = [line for line in stderr.decode("utf-8").splitlines(True)
             if not line.startswith('  File "<stdin>"')]
    return TRACEBACK_PATH.sub('File "<zip>/', "".join(lines))


def module_tasks(controller):
    """Pids of the module tasks the agent's fork server runs: its children but its warm
    parents, and the warm parents' children."""
    stats = controller.call("stats")["forkserver"]
    parents = stats["warm_parents"]
    return ([pid for pid in children_of(stats["pid"]) if pid not in parents]
            + [pid for parent in parents for pid in children_of(parent)])


def processes_running(cmdline):
    """Pids whose /proc/<pid>/cmdline starts with cmdline (NUL-separated arguments)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid) as f:
                if f.read().startswith(cmdline) and pid_alive(int(pid)):
                    found.append(int(pid))
        except OSError:
            pass
    return found


class Sandbox(object):
    """A private HOME (the agent's cwd) and TMPDIR, to prove nothing is written there: no
    entry appears and no directory's mtime moves (an entry made and removed would move it)."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="spindle-modules-")
        self.home = os.path.join(self.root, "home")
        self.tmp = os.path.join(self.root, "tmp")
        os.mkdir(self.home)
        os.mkdir(self.tmp)
        self.env = dict(os.environ, HOME=self.home, TMPDIR=self.tmp)

    def snapshot(self):
        state = {}
        for top in (self.home, self.tmp):
            for directory, dirs, files in os.walk(top):
                state[directory] = (os.stat(directory).st_mtime_ns, sorted(dirs + files))
        # Other users of this machine run Ansible too: only names of our own module count.
        state["/tmp"] = sorted(n for n in os.listdir("/tmp") if "spindle_custom" in n)
        return state

    def remove(self):
        shutil.rmtree(self.root)


@unittest.skipUnless(ansible_available(), "%s cannot import ansible" % SYSTEM_PYTHON)
class _PayloadAgentTestCase(SharedAgentTestCase):
    """An agent of its own for the class, the test payloads, a sandbox home."""

    quiet_stderr = False

    @classmethod
    def setUpClass(cls):
        cls.payloads = build_payloads()
        cls.sandbox = Sandbox()
        super().setUpClass()

    @classmethod
    def agent_options(cls):
        return dict(python=SYSTEM_PYTHON, env=cls.sandbox.env, cwd=cls.sandbox.home)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sandbox.remove()

    def run_module(self, name, args, env=None, send_zip=True, timeout=None, reply_timeout=30, isolation=None):
        payload = self.payloads[name]
        params, _ = payload.with_args(args)
        return decoded(self.controller.call(
            "run_module", reply_timeout=reply_timeout, zip_sha1=payload.sha1,
            zip_b64=payload.zip_b64 if send_zip else None, fqn=payload.fqn, params=params,
            env=env or {}, timeout=timeout, isolation=isolation))

    def assertLikeVanilla(self, name, args, env=None):
        ours = self.run_module(name, args, env)
        vanilla = self.payloads[name].run_vanilla(args, env, cwd=self.sandbox.home,
                                                  extra_env=self.sandbox.env)
        self.assertEqual(ours[0], vanilla[0], (ours, vanilla))
        if vanilla[1].strip():
            self.assertEqual(module_json(ours[1]), module_json(vanilla[1]))
        else:
            self.assertEqual(ours[1], vanilla[1])
        self.assertEqual(normalized_stderr(ours[2]), normalized_stderr(vanilla[2]))
        return ours

    def custom(self, how, isolation=None, **args):
        rc, stdout, stderr = self.run_module("spindle_custom", dict(args, how=how), isolation=isolation)
        self.assertEqual((rc, stderr), (0, b""), stdout)
        return json.loads(stdout.decode("utf-8"))


class AnsiballZTest(_PayloadAgentTestCase):

    def test_ping(self):
        rc, stdout, _ = self.assertLikeVanilla("ping", {"data": "pong \u00e9"})
        self.assertEqual(module_json(stdout)[1]["ping"], "pong \u00e9")

    def test_command(self):
        rc, stdout, _ = self.assertLikeVanilla(
            "command", {"_raw_params": "echo hello; echo $SPINDLE_TASK", "_uses_shell": True},
            env={"SPINDLE_TASK": "from the task env"})
        self.assertEqual(module_json(stdout)[1]["stdout"], "hello\nfrom the task env")

    def test_command_failing(self):
        rc, stdout, _ = self.assertLikeVanilla(
            "command", {"argv": ["sh", "-c", "echo out; echo err >&2; exit 3"]})
        self.assertEqual(rc, 1)
        self.assertEqual(module_json(stdout)[1]["rc"], 3)

    def test_custom_behaviours_match_vanilla(self):
        behaviours = ["ok", "raise", "exit", "exit_msg", "exit_7", "junk", "no_exit", "thread",
                      "atexit"]
        if os.path.realpath("/bin/sh").endswith("dash"):  # the agent says what dash says
            behaviours.append("killed")
        for how in behaviours:
            with self.subTest(how):
                self.assertLikeVanilla("spindle_custom", {"how": how}, {"SPINDLE_TASK": "t"})

    def test_uncaught_exception_and_exits(self):
        rc, stdout, stderr = self.run_module("spindle_custom", {"how": "raise"})
        self.assertEqual((rc, stdout), (1, b""))
        self.assertTrue(stderr.startswith(b"Traceback (most recent call last):\n"), stderr)
        self.assertIn(b"/ansible/modules/spindle_custom.py\", line", stderr)
        self.assertTrue(stderr.endswith(b"ValueError: boom from a module\n"), stderr)
        self.assertNotIn(b"spindle_agent", stderr)
        self.assertEqual(self.run_module("spindle_custom", {"how": "exit"}), (0, b"", b""))
        self.assertEqual(self.run_module("spindle_custom", {"how": "exit_msg"}),
                         (1, b"", b"a message for stderr\n"))
        self.assertEqual(self.run_module("spindle_custom", {"how": "killed"}),
                         (137, b"", b"Killed\n"))

    def test_what_the_module_sees(self):
        result = self.custom("ok")
        self.assertEqual(result["fqn"], "ansible.modules.spindle_custom")
        self.assertTrue(result["argv0_is_file"])
        self.assertEqual(result["cwd"], self.sandbox.home)
        self.assertEqual(result["stdin"], "")
        self.assertEqual(result["file_suffix"], "le/modules/spindle_custom.py")

    def test_respawn_module_imports_from_the_memfd(self):
        if not hasattr(os, "memfd_create"):
            self.skipTest("no memfd_create on this Python")
        result = self.custom("respawn")
        self.assertTrue(result["respawned"])

    def test_zip_sent_once_then_reused_by_hash(self):
        self.run_module("ping", {"data": "first"})
        rc, stdout, _ = self.run_module("ping", {"data": "again"}, send_zip=False)
        self.assertEqual(module_json(stdout)[1]["ping"], "again")

    def test_unknown_payload(self):
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("run_module", zip_sha1="0" * 40, zip_b64=None,
                                 fqn="ansible.modules.ping", params="{}", env={}, timeout=None)
        self.assertEqual(caught.exception.type, "spindle.UnknownPayload")
        payload = self.payloads["ping"]
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("run_module", zip_sha1="1" * 40, zip_b64=payload.zip_b64,
                                 fqn=payload.fqn, params="{}", env={}, timeout=None)
        self.assertEqual(caught.exception.type, "ValueError")
        self.assertIn("sha1", caught.exception.message)

    def test_isolation(self):
        polluted = self.custom("pollute")
        self.assertEqual((polluted["env"], polluted["cwd"], polluted["json_polluted"]),
                         ("yes", "/", True))
        clean = self.custom("ok")
        self.assertEqual(clean["env"], None)
        self.assertEqual(clean["cwd"], self.sandbox.home)
        self.assertFalse(clean["json_polluted"])
        self.assertFalse(clean["usr1"])
        self.assertEqual(clean["extra_devnull"], [])
        self.assertEqual(clean["spindle_modules"], [])
        self.assertIn(clean["ppid"], self.controller.call("stats")["forkserver"]["warm_parents"])
        self.assertEqual(parent_of(clean["ppid"]), forkserver_pid(self.controller))

    def test_no_file_written(self):
        self.run_module("ping", {})  # the zip is in the cache from here on
        before = self.sandbox.snapshot()
        for name, args in (("ping", {}), ("command", {"_raw_params": "true"}),
                           ("spindle_custom", {"how": "ok"}), ("spindle_custom", {"how": "raise"})):
            self.run_module(name, args)
        self.assertEqual(self.sandbox.snapshot(), before)

    def test_concurrent_modules(self):
        started = time.monotonic()
        calls = [self.controller.call_async(
            "run_module", zip_sha1=self.payloads["spindle_custom"].sha1,
            zip_b64=self.payloads["spindle_custom"].zip_b64, fqn="ansible.modules.spindle_custom",
            params=json.dumps({"ANSIBLE_MODULE_ARGS": {"how": "sleep", "seconds": 1}}),
            env={}, timeout=None) for _ in range(4)]
        results = [decoded(self.controller.wait(call, 20)) for call in calls]
        self.assertEqual([rc for rc, _, _ in results], [0] * 4)
        self.assertEqual(len(set(module_json(out)[1]["how"] for _, out, _ in results)), 1)
        self.assertLess(time.monotonic() - started, 3.0)

    def test_timeout_kills_the_task(self):
        started = time.monotonic()
        with self.assertRaises(RemoteError) as caught:
            self.run_module("spindle_custom", {"how": "sleep", "seconds": 30}, timeout=1)
        self.assertEqual(caught.exception.type, "spindle.Timeout")
        self.assertIn("ansible.modules.spindle_custom timed out after 1 s",
                      caught.exception.message)
        self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(wait_until(lambda: not module_tasks(self.controller)))

    def test_timeout_kills_the_tasks_process_group(self):
        with self.assertRaises(RemoteError) as caught:
            self.run_module("command", {"_raw_params": "sleep 31.5"}, timeout=1)
        self.assertEqual(caught.exception.type, "spindle.Timeout")
        self.assertTrue(wait_until(lambda: not processes_running("sleep\x0031.5")))

    def test_cancel_kills_the_task(self):
        payload = self.payloads["spindle_custom"]
        reply_to = self.controller.call_async(
            "run_module", zip_sha1=payload.sha1, zip_b64=payload.zip_b64, fqn=payload.fqn,
            params=json.dumps({"ANSIBLE_MODULE_ARGS": {"how": "sleep", "seconds": 30}}), env={},
            timeout=None)
        self.assertTrue(wait_until(lambda: module_tasks(self.controller)))
        task = module_tasks(self.controller)[0]
        self.controller.cancel(reply_to)
        self.assertTrue(wait_until(lambda: not pid_alive(task)))
        self.controller.call("ping")
        self.assertEqual(self.controller.unexpected, [])

    def test_round_trip(self):
        for _ in range(3):
            self.run_module("ping", {})
        samples = []
        for _ in range(30):
            started = time.perf_counter()
            self.run_module("ping", {}, send_zip=False)
            samples.append(time.perf_counter() - started)
        sys.stderr.write("\nrun_module(ping) round trip through the fake controller: median "
                         "%.1f ms over %d calls\n"
                         % (statistics.median(samples) * 1e3, len(samples)))


class InlineIsolationTest(_PayloadAgentTestCase):
    """isolation "none": the fork server's inline runner. Its own agent: the runner it leaves
    behind (a child of the fork server, with whatever the tasks changed) is no other test's."""

    def test_isolation_none_runs_inline_and_keeps_its_state_there_only(self):
        polluted = self.custom("pollute", isolation="none")
        kept = self.custom("ok", isolation="none")
        # cwd is the task's own each time, as everything the request sets
        self.assertEqual((kept["env"], kept["cwd"], kept["json_polluted"], kept["usr1"], kept["spindle_modules"]),
                         ("yes", self.sandbox.home, True, True, ["spindle_polluted"]))
        self.assertEqual(kept["pid"], polluted["pid"])  # one runner, no fork per task
        self.assertEqual(kept["ppid"], forkserver_pid(self.controller))
        clean = self.custom("ok")
        self.assertEqual((clean["env"], clean["cwd"], clean["json_polluted"], clean["usr1"], clean["extra_devnull"]),
                         (None, self.sandbox.home, False, False, []))
        self.assertNotEqual(clean["pid"], polluted["pid"])
        ping = self.run_module("ping", {"data": "inline"}, isolation="none")
        self.assertEqual(module_json(ping[1]), module_json(self.run_module("ping", {"data": "inline"})[1]))

    def test_a_killed_inline_task_is_reported_and_the_next_gets_a_new_runner(self):
        before = self.custom("ok", isolation="none")
        rc, stdout, stderr = self.run_module("spindle_custom", {"how": "killed"}, isolation="none")
        self.assertEqual((rc, stdout), (137, b""))
        self.assertIn(b"Killed", stderr)
        after = self.custom("ok", isolation="none")
        self.assertNotEqual(after["pid"], before["pid"])
        self.assertEqual(after["env"], None)  # the new runner starts from the fork server's state

    def test_warnings_of_one_inline_task_are_not_the_nexts(self):
        warned = self.custom("warn", isolation="none")
        self.assertEqual(warned["warnings"], ["warned once"])
        self.assertEqual([d["msg"] for d in warned["deprecations"]], ["deprecated once"])
        after = self.custom("ok", isolation="none")
        self.assertNotIn("warnings", after)
        self.assertNotIn("deprecations", after)

    def test_timeout_kills_the_runner_and_the_next_gets_a_new_one(self):
        before = self.custom("ok", isolation="none")
        with self.assertRaises(RemoteError) as caught:
            self.run_module("spindle_custom", {"how": "sleep", "seconds": 30}, timeout=1, isolation="none")
        self.assertEqual(caught.exception.type, "spindle.Timeout")
        self.assertTrue(wait_until(lambda: not pid_alive(before["pid"])))
        self.assertNotEqual(self.custom("ok", isolation="none")["pid"], before["pid"])

    def test_unknown_isolation_is_refused(self):
        with self.assertRaises(RemoteError) as caught:
            self.run_module("ping", {}, isolation="thread")
        self.assertIn("isolation must be one of process, none", caught.exception.message)


class TinyModuleTest(SharedAgentTestCase):
    """The fork server with hand-made zips: no Ansible needed, so any Python."""

    python = sys.executable

    @classmethod
    def agent_options(cls):
        return dict(python=cls.python)

    def run_tiny(self, payload, **kw):
        return decoded(self.controller.call("run_module", **payload.kw(**kw)))

    def test_warm_tasks_fork_from_one_server(self):
        # How fast a fork is belongs in the benchmark (./spindle bench spine), not here: this
        # only checks that warm tasks are forked from the same, still-running server.
        payload = TinyPayload('print("{}")\n')
        self.run_tiny(payload)
        server = self.controller.call("stats")["forkserver"]
        for _ in range(20):
            self.assertEqual(self.run_tiny(payload, send_zip=False), (0, b"{}\n", b""))
        stats = self.controller.call("stats")["forkserver"]
        self.assertEqual((stats["pid"], stats["restarts"]), (server["pid"], server["restarts"]))
        self.assertEqual(stats["tasks"], server["tasks"] + 20)
        self.assertIsNotNone(stats["fork_ms"])

    def test_packages_data_and_params(self):
        payload = TinyPayload(
            "import json, pkgutil, sys\n"
            "from ansible.module_utils import basic\n"
            "import ansible.module_utils.nsdir.leaf as leaf\n"
            "print(json.dumps([json.loads(basic._ANSIBLE_ARGS.decode())['ANSIBLE_MODULE_ARGS'],\n"
            "                  leaf.VALUE, pkgutil.get_data('ansible.module_utils', 'data.txt')"
            ".decode(), __name__, sys.argv[0] == __file__, _module_fqn]))\n",
            extra={"ansible/module_utils/nsdir/__init__.py": "",
                   "ansible/module_utils/nsdir/leaf.py": "VALUE = 'leaf'\n",
                   "ansible/module_utils/data.txt": "some data"})
        rc, stdout, stderr = self.run_tiny(payload, params='{"ANSIBLE_MODULE_ARGS": {"x": 1}}')
        self.assertEqual((rc, stderr), (0, b""))
        self.assertEqual(json.loads(stdout.decode()),
                         [{"x": 1}, "leaf", "some data", "__main__", True, "ansible.modules.tiny"])

    def test_forkserver_restarts_after_being_killed(self):
        payload = TinyPayload("import os\nprint(os.getppid())\n")
        first = forkserver_pid(self.controller)
        warm = int(self.run_tiny(payload)[1])  # the zip has a basic.py: forked from its warm parent
        self.assertEqual(parent_of(warm), first)
        os.kill(first, signal.SIGKILL)
        self.assertTrue(wait_until(lambda: not pid_alive(first)))
        # A new zip needs the server (for its warm parent): the dead one is found and replaced.
        other = TinyPayload("import os\nprint(os.getppid())\n# another zip\n")
        rc, stdout, stderr = self.run_tiny(other)
        self.assertEqual((rc, stderr), (0, b""))
        stats = self.controller.call("stats")["forkserver"]
        self.assertNotEqual(stats["pid"], first)
        self.assertGreaterEqual(stats["restarts"], 1)
        self.assertIn(stats["pid"], children_of(self.agent.pid))
        self.assertTrue(wait_until(lambda: not pid_alive(warm)))  # the old server's warm parents end too
        again = int(self.run_tiny(payload, send_zip=False)[1])
        self.assertEqual(parent_of(again), stats["pid"])

    def test_tasks_fork_from_the_zips_warm_parent_which_imported_basic(self):
        payload = TinyPayload("import os, sys\nprint(os.getppid(), 'ansible.module_utils.basic' in sys.modules)\n",
                              extra={"ansible/module_utils/basic.py": "import os\nPARENT = os.getpid()\n"})
        first = self.run_tiny(payload)[1].split()
        second = self.run_tiny(payload, send_zip=False)[1].split()
        self.assertEqual(first, second)
        self.assertEqual(first[1], b"True")
        self.assertIn(int(first[0]), self.controller.call("stats")["forkserver"]["warm_parents"])

    def test_a_zip_whose_basic_fails_to_import_runs_as_vanilla_would(self):
        payload = TinyPayload("from ansible.module_utils import basic\n",
                              extra={"ansible/module_utils/basic.py": "raise ImportError('no basic here')\n"})
        rc, stdout, stderr = self.run_tiny(payload)
        self.assertEqual((rc, stdout), (1, b""))
        self.assertIn(b"ImportError: no basic here", stderr)


class ZipCacheTest(unittest.TestCase):

    def test_least_recently_used_zips_go_first(self):
        payloads = [TinyPayload("x = %d\n" % i) for i in range(4)]
        cache = ZipCache(limit=len(payloads[0].zip) * 3 + 10)
        for payload in payloads[:3]:
            self.assertEqual(cache.get(payload.sha1, payload.zip_b64), payload.zip)
        cache.get(payloads[0].sha1)  # used: now the most recent
        cache.get(payloads[3].sha1, payloads[3].zip_b64)  # pushes payloads[1] out
        for payload in (payloads[0], payloads[2], payloads[3]):
            self.assertEqual(cache.get(payload.sha1), payload.zip)
        self.assertRaises(UnknownPayload, cache.get, payloads[1].sha1)
        self.assertLessEqual(cache.size, cache.limit)
        self.assertRaises(ValueError, cache.get, "0" * 40, payloads[1].zip_b64)

    def test_concurrent_first_compiles_agree_on_one_shown_path(self):
        # the shown path is random and keys the zip's warm parent: tasks that compiled it at
        # the same time must still share one (ten keys made ten parents, and closed the oldest)
        payload = TinyPayload("x = 1\n")
        cache = ZipCache()
        data = cache.get(payload.sha1, payload.zip_b64)
        start = threading.Barrier(8)
        results = []

        def compile_once():
            start.wait()
            results.append(cache.compiled(payload.sha1, data, "ping")[0])

        threads = [threading.Thread(target=compile_once) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(set(results)), 1, results)


class FallbackTest(unittest.TestCase):
    """Without a fork server, a task runs as [sys.executable, "-c", stage 1]."""

    def test_runs_without_a_forkserver(self):
        agent = AgentProcess(forkserver=0)
        try:
            self.assertIsNone(agent.controller.call("stats")["forkserver"])
            payload = TinyPayload("import os, sys\nprint(os.environ['SPINDLE_TASK'])\n"
                                  "sys.exit('bye')\n")
            result = agent.controller.call("run_module", **payload.kw(env={"SPINDLE_TASK": "x"}))
            self.assertEqual(decoded(result), (1, b"x\n", b"bye\n"))
            self.assertEqual(children_of(agent.pid), [])
        finally:
            self.assertEqual(agent.close(), (0, ""))


if __name__ == "__main__":
    unittest.main()
