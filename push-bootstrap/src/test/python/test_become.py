"""Become children: a fake sudo that prompts on its tty (any user), then real sudo and su
(root only). Calls are routed through the agent to the child. Stand-in interpreters that ask
for the password after the tool has started them must never be told it."""

import base64
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from agent_harness import (
    AGENT_ID,
    children_of,
    decoded,
    forkserver_pid,
    install_fake_shim,
    parent_of,
    pid_alive,
    RemoteError,
    SharedAgentTestCase,
    wait_until)
from ansiballz import TinyPayload
from spindle_agent.become import MAX_CONVERSATION, PromptWatcher, become_argv, tool_prompt
from spindle_agent.errors import BecomeError
from spindle_agent.protocol import FLAG_ERROR, FLAG_LAST, FLAG_RAW, HANDLE_LOG, READY_MARKER

GOOD_PASSWORD = "correct horse"
FORGER_ID = AGENT_ID + 50

# Prompts on /dev/tty like sudo and execs what follows "--" for the right password. A few
# magic passwords make it misbehave after "authenticating" instead.
FAKE_SUDO = '''#!{python}
import os, struct, sys, time

def frame(dst, src, handle, payload):
    return struct.pack(">2sBBIIIII", b"SP", 1, 0, dst, src, handle, 0, len(payload)) + payload

args = sys.argv[1:]
prompt = args[args.index("-p") + 1]
command = args[args.index("--") + 1:]
tty = os.open("/dev/tty", os.O_RDWR)
for attempt in range(3):
    os.write(tty, prompt.encode())
    password = os.read(tty, 1024).decode().rstrip("\\n")
    if password == {good!r}:
        os.execvp(command[0], command)
    if password == "hang please":
        time.sleep(60)
    if password == "garbage please":
        os.write(1, {marker!r} + b"this is not a frame, not even close")
        time.sleep(60)
    if password == "noise please":
        os.write(1, b"la" * 40000)
        time.sleep(60)
    if password == "exit please":
        os.write(tty, b"i will stop now\\n")
        sys.exit(5)
    if password == "forge please":
        os.write(1, {marker!r}
                 + frame(0, 999, {log}, b'{{"name": "forged", "level": 40, "msg": "x"}}')
                 + frame(0, {forger}, {log}, b'{{"name": "genuine", "level": 20, "msg": "y"}}'))
        time.sleep(60)
    os.write(tty, b"Sorry, try again.\\n")
os.write(2, b"sudo: 3 incorrect password attempts\\n")
sys.exit(1)
'''

# Runs the command without asking, like sudo with NOPASSWD, doas with nopass or su for root.
# The prompt it got goes into the environment: code running as the target user could read it
# from the real sudo's /proc/<pid>/cmdline.
NOPASS_TOOL = '''#!{python}
import os, sys

args = sys.argv[1:]
if "-p" in args:
    os.environ["FAKE_SUDO_PROMPT"] = args[args.index("-p") + 1]
if "--" in args:
    command = args[args.index("--") + 1:]
else:
    command = ["/bin/sh", "-c", args[args.index("-c") + 1]]
os.execvp(command[0], command)
'''

# An interpreter whose startup runs code the target user controls (usercustomize, a .pth
# file in its ~/.local): it asks for the password on the tty as the become tool would, with
# the tool's own prompt if it can find it (a real sudo's is in its /proc/<pid>/cmdline), and
# writes down whatever it is told. The "-twice" copy asks two times.
PROMPTING_PYTHON = '''#!{python}
import os, select, sys

def sudo_prompt(pid):
    while pid > 1:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().decode().split("\\0")
        if "-p" in args:
            return args[args.index("-p") + 1]
        with open("/proc/%d/stat" % pid) as f:
            pid = int(f.read().rpartition(")")[2].split()[1])
    return None

prompt = os.environ.get("FAKE_SUDO_PROMPT") or sudo_prompt(os.getppid()) or "Password: "
tty = os.open("/dev/tty", os.O_RDWR)
for attempt in range(2 if sys.argv[0].endswith("-twice") else 1):
    os.write(tty, ("\\n" + prompt).encode())
    if select.select([tty], [], [], 30)[0]:
        with open({heard!r}, "ab") as f:
            f.write(os.read(tty, 1024))
'''


class BecomeArgvTest(unittest.TestCase):
    COMMAND = "exec python3 -I -c 'print('\"'\"'hi'\"'\"')'"
    LINE = "echo sp''in >&2; exec python3 -I -c 'print('\"'\"'hi'\"'\"')'"

    def test_sudo(self):
        argv, stdin_is_tty = become_argv("sudo", "bob", self.COMMAND, "spin", flags="-H -S -n",
                                         prompt="P: ")
        self.assertEqual(argv, ["sudo", "-u", "bob", "-H", "-p", "P: ", "-H", "-n", "--",
                                "/bin/sh", "-c", self.LINE])
        self.assertFalse(stdin_is_tty)

    def test_sudo_with_password_may_prompt(self):
        argv, _ = become_argv("sudo", "bob", self.COMMAND, "spin", exe="/opt/sudo",
                              flags=["-S", "-n", "-E"], password="pw", prompt="P: ")
        self.assertEqual(argv[0], "/opt/sudo")
        self.assertEqual(argv[argv.index("P: ") + 1:argv.index("--")], ["-E"])

    def test_su_runs_sh_from_the_users_own_shell_and_moves_the_channel_back_onto_stdin(self):
        # as Ansible's su plugin does: the user's login shell runs `/bin/sh -c ...`, so an
        # account whose shell refuses (nologin) refuses here too
        argv, stdin_is_tty = become_argv("su", "bob", self.COMMAND, "spin", flags="-l")
        self.assertEqual(argv, ["su", "-l", "bob", "-c",
                                "/bin/sh -c " + shlex.quote(self.LINE + " 0<&1")])
        self.assertTrue(stdin_is_tty)

    def test_doas(self):
        self.assertEqual(become_argv("doas", "bob", self.COMMAND, "spin"),
                         (["doas", "-u", "bob", "/bin/sh", "-c", self.LINE], False))

    def test_the_shell_prints_the_marker_before_it_runs_the_command(self):
        argv, _ = become_argv("doas", "bob", "exec echo command", "spindle-become-0123")
        self.assertNotIn("spindle-become-0123", argv[-1])
        shell = subprocess.run(argv[3:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(shell.stdout, b"spindle-become-0123\ncommand\n")

    def test_unknown_method(self):
        with self.assertRaisesRegex(ValueError, "unknown become method 'pbrun'"):
            become_argv("pbrun", "bob", self.COMMAND, "M")


class PromptWatcherTest(unittest.TestCase):
    MARKER = "spindle-become-0123"
    LOGIN = pwd.getpwuid(os.getuid()).pw_name

    def converse(self, lines, method="sudo", password="pw"):
        watcher = PromptWatcher(method, "bob", password, tool_prompt(method, "[P] "),
                                self.MARKER)
        return [watcher.feed(line) for line in lines]

    def assertFailsWith(self, message, lines, **kw):
        with self.assertRaises(BecomeError) as caught:
            self.converse(lines, **kw)
        self.assertEqual(str(caught.exception), message)

    def test_answers_one_prompt_split_across_reads(self):
        self.assertEqual(self.converse(["sudo: setrlimit(RLIMIT_CORE): Operation not "
                                        "permitted\r\n[", "P] "]), [None, b"pw\n"])

    def test_su_and_doas_prompts(self):
        self.assertEqual(self.converse(["Password: "], method="su"), [b"pw\n"])
        self.assertEqual(self.converse(["\rdoas (%s@h.example) password: " % self.LOGIN],
                                       method="doas"), [b"pw\n"])

    def test_only_the_tools_exact_prompt_is_answered(self):
        self.assertEqual(self.converse(["New password: ", "Password?"], method="su"),
                         [None, None])
        self.assertEqual(self.converse(["doas (someone-else@h) password: ", "Password: "],
                                       method="doas"), [None, None])
        self.assertEqual(self.converse(["[sudo] password for bob: "]), [None])

    def test_no_prompt_is_answered_after_the_marker(self):
        self.assertEqual(self.converse(["[P] ", "\r\n%s\r\n" % self.MARKER, "warning\r\n"]),
                         [b"pw\n", None, None])
        for said in (["\r\n%s\r\n[P] " % self.MARKER],
                     [self.MARKER, "\r\n", "Password:"],
                     [self.MARKER + "\r\n" + "x" * MAX_CONVERSATION, "\n[P] "]):
            with self.assertRaisesRegex(BecomeError, "^a password prompt came after sudo had "
                                                     "started the command as bob; it was not "
                                                     "answered"):
                self.converse(said)

    def test_failures(self):
        self.assertFailsWith("incorrect sudo password", ["[P] ", "\r\nSorry, try again.\r\n"])
        self.assertFailsWith("incorrect sudo password", ["[P] ", "\r\n[P] "])
        self.assertFailsWith("incorrect su password", ["Password: ", "su: Authentication failure"],
                             method="su")
        self.assertFailsWith("sudo password required", ["[P] "], password=None)
        self.assertFailsWith("sudo password required", ["sudo: a password is required\r\n"])
        user = PromptWatcher("sudo", "bob", None, tool_prompt("sudo", "[P] "), self.MARKER)
        with self.assertRaisesRegex(BecomeError, "^user .* is not allowed to run sudo as bob: "
                                                 "alice is not in the sudoers file.$"):
            user.feed("alice is not in the sudoers file.\r\n")

    def test_transcript_hides_the_password_and_the_marker(self):
        watcher = PromptWatcher("su", "bob", "hunter2", tool_prompt("su"), self.MARKER)
        watcher.feed("Password: ")
        watcher.feed("hunter2\r\n%s\r\nhello" % self.MARKER)
        self.assertEqual(watcher.transcript, "Password: [password] hello")

    def test_tool_output_is_what_the_tool_said_without_the_prompt_line_and_password(self):
        watcher = PromptWatcher("su", "bob", "hunter2", tool_prompt("su"), self.MARKER)
        for said in ("su: warning\r\n", "Password: ", "\r\nhunter2 was echoed\r\n"):
            watcher.feed(said)
        self.assertEqual(watcher.tool_output(), "su: warning\r\n\r\n[password] was echoed\r\n")
        self.assertFalse(watcher.command_started)
        watcher.feed(self.MARKER)
        self.assertTrue(watcher.command_started)


class BecomeTestCase(SharedAgentTestCase):
    """The agent of the class and a directory of stand-ins: a fake sudo, a tool that asks
    for nothing and interpreters that ask for the password."""

    @classmethod
    def setUpClass(cls):
        cls.bin = tempfile.mkdtemp(prefix="spindle-fake-sudo-")
        cls.heard = os.path.join(cls.bin, "heard")
        cls.install("sudo", FAKE_SUDO.format(python=sys.executable, good=GOOD_PASSWORD,
                                              marker=READY_MARKER, log=HANDLE_LOG,
                                              forger=FORGER_ID))
        cls.install("nopass-tool", NOPASS_TOOL.format(python=sys.executable))
        for name in ("prompting-python", "prompting-python-twice"):
            cls.install(name, PROMPTING_PYTHON.format(python=sys.executable, heard=cls.heard))
        super().setUpClass()

    @classmethod
    def install(cls, name, script):
        path = os.path.join(cls.bin, name)
        with open(path, "w") as f:
            f.write(script)
        os.chmod(path, 0o755)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.bin)

    def tearDown(self):
        for password in (GOOD_PASSWORD, "wrong horse"):
            self.assertNotIn(password, json.dumps(self.controller.logs))

    def spawn(self, context_id, method="sudo", user="root", **kw):
        kw.setdefault("python", sys.executable)
        kw.setdefault("timeout", 10)
        return self.controller.call("spawn_child", context_id=context_id, method=method,
                                    user=user, reply_timeout=30, **kw)

    def assertSpawnFails(self, context_id, message, **kw):
        with self.assertRaises(RemoteError) as caught:
            self.spawn(context_id, **kw)
        self.assertEqual(caught.exception.type, "spindle.BecomeError")
        self.assertIn(message, caught.exception.message)
        return caught.exception

    def assertPromptAfterStartFails(self, context_id, method, python, **kw):
        if os.path.exists(self.heard):
            os.remove(self.heard)
        with self.assertRaises(RemoteError) as caught:
            self.spawn(context_id, method=method, python=os.path.join(self.bin, python),
                       password=GOOD_PASSWORD, **kw)
        if os.path.exists(self.heard):
            with open(self.heard, "rb") as f:
                self.assertNotIn(GOOD_PASSWORD.encode(), f.read(), "the child was told it")
        self.assertEqual(caught.exception.type, "spindle.BecomeError")
        self.assertIn("a password prompt came after %s had started the command as root; "
                      "it was not answered" % method, caught.exception.message)

    def assertChildDies(self, context_id, child_pid):
        os.kill(child_pid, signal.SIGKILL)
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("ping", dst=context_id)
        self.assertEqual(caught.exception.type, "spindle.DeadContext")
        self.assertEqual(self.controller.call("ping"), {"pid": self.agent.pid})


class FakeSudoTest(BecomeTestCase):

    quiet_stderr = False

    @classmethod
    def agent_options(cls):
        return dict(env=dict(os.environ, PATH=cls.bin + os.pathsep + os.environ["PATH"]))

    def test_right_password(self):
        context_id = AGENT_ID + 1
        child = self.spawn(context_id, password=GOOD_PASSWORD)
        self.assertEqual(child["context_id"], context_id)
        info = self.controller.call("info", dst=context_id)
        self.assertEqual((info["context_id"], info["pid"]), (context_id, child["pid"]))
        self.assertNotEqual(info["pid"], self.agent.pid)
        self.assertChildDies(context_id, child["pid"])

    def test_child_on_the_agents_python_with_its_own_forkserver(self):
        context_id = AGENT_ID + 8
        child = self.spawn(context_id, password=GOOD_PASSWORD, python=None)
        self.assertEqual(self.controller.call("info", dst=context_id)["executable"],
                         sys.executable)
        server = forkserver_pid(self.controller, dst=context_id)
        self.assertNotEqual(server, forkserver_pid(self.controller))
        self.assertIn(server, children_of(child["pid"]))
        tiny = TinyPayload("import os\nprint(os.getppid())\n")
        result = self.controller.call("run_module", dst=context_id, **tiny.kw())
        rc, stdout, stderr = decoded(result)
        self.assertEqual((rc, stderr), (0, b""))
        self.assertEqual(parent_of(int(stdout)), server)  # forked from the zip's warm parent, the child's
        self.assertEqual(self.controller.call("stats")["children"],
                         [{"context_id": context_id, "pid": child["pid"], "ready": True}])
        self.assertChildDies(context_id, child["pid"])

    def test_streams_through_a_child_end_with_their_last_frame_or_its_death(self):
        context_id = AGENT_ID + 9
        child = self.spawn(context_id, password=GOOD_PASSWORD)
        with tempfile.NamedTemporaryFile() as data:
            data.write(b"x" * 3000)
            data.flush()
            done = self.controller.stream_async("fetch_stream", 8, dst=context_id,
                                                src=data.name, chunk_size=1000)
            ends = [self.controller.next_reply(done).flags for _ in range(4)]
            self.assertEqual(ends, [FLAG_RAW] * 3 + [FLAG_LAST])
            waiting = self.controller.stream_async("fetch_stream", 1, dst=context_id,
                                                   src=data.name, chunk_size=1000)
            self.assertEqual(self.controller.next_reply(waiting).flags, FLAG_RAW)

            os.kill(child["pid"], signal.SIGKILL)

            death = self.controller.next_reply(waiting)
            self.assertEqual((death.flags, death.src), (FLAG_ERROR, AGENT_ID))
            self.assertEqual(json.loads(death.payload.decode())["type"], "spindle.DeadContext")
            self.assertIsNone(self.controller.next_reply(done, 0.3), "the ended stream gets nothing")

    def test_stop_child_ends_an_idle_child_and_everything_it_started(self):
        context_id = AGENT_ID + 13
        child = self.spawn(context_id, password=GOOD_PASSWORD)
        server = forkserver_pid(self.controller, dst=context_id)
        self.assertEqual(self.controller.call("stop_child", context_id=context_id),
                         {"stopped": True})
        # gone by the time the call answers: an account-changing command (userdel) may follow
        self.assertFalse(pid_alive(child["pid"]))
        self.assertFalse(pid_alive(server))
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("ping", dst=context_id)
        self.assertEqual(caught.exception.type, "spindle.DeadContext")
        self.assertIn("stopped", caught.exception.message)
        self.assertEqual(self.controller.call("stop_child", context_id=context_id),
                         {"stopped": False})

    def test_stop_child_leaves_a_busy_child_alone(self):
        context_id = AGENT_ID + 14
        child = self.spawn(context_id, password=GOOD_PASSWORD)
        busy = self.controller.call_async("exec", dst=context_id, argv=["sleep", "1"])
        self.assertEqual(self.controller.call("stop_child", context_id=context_id),
                         {"stopped": False})
        self.assertEqual(decoded(self.controller.wait(busy))[0], 0)
        self.assertEqual(self.controller.call("ping", dst=context_id), {"pid": child["pid"]})
        self.assertChildDies(context_id, child["pid"])

    def test_wrong_password(self):
        started = time.monotonic()
        error = self.assertSpawnFails(AGENT_ID + 2, "incorrect sudo password",
                                      password="wrong horse")
        self.assertLess(time.monotonic() - started, 3)
        self.assertNotIn("wrong horse", error.message)

    def test_no_password(self):
        self.assertSpawnFails(AGENT_ID + 3, "sudo password required")

    def test_timeout(self):
        before = set(children_of(self.agent.pid))
        started = time.monotonic()
        error = self.assertSpawnFails(AGENT_ID + 4, "timed out waiting for sudo after 1 s",
                                      password="hang please", timeout=1)
        self.assertLess(time.monotonic() - started, 3)
        self.assertIn("tty said: [spindle sudo", error.message)
        self.assertTrue(wait_until(lambda: set(children_of(self.agent.pid)) <= before))

    def test_death_before_the_marker(self):
        error = self.assertSpawnFails(AGENT_ID + 6, "sudo exited with status 5 before the agent started "
                                                    "(its channel closed); tty said: [spindle sudo",
                                      password="exit please")
        # what a command run through the tool gets: its status and words, never the password
        self.assertEqual(decoded_exit(error.exited), (5, b"", b"i will stop now\r\n", True))

    def test_death_after_the_marker_is_no_command_result(self):
        error = self.assertSpawnFails(AGENT_ID + 15, "before the agent started", password=GOOD_PASSWORD,
                                      python="/bin/false")
        self.assertIsNone(error.exited)

    def test_too_much_noise_before_the_marker(self):
        self.assertSpawnFails(AGENT_ID + 7, "bytes of output without a ready marker",
                              password="noise please")

    def test_bad_frames_close_only_that_child(self):
        context_id = AGENT_ID + 5
        self.spawn(context_id, password="garbage please")
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("ping", dst=context_id)
        self.assertEqual(caught.exception.type, "spindle.DeadContext")
        self.assertIn("bad frame: bad magic", caught.exception.message)
        self.assertEqual(self.controller.call("ping"), {"pid": self.agent.pid})

    def test_a_child_that_asks_for_the_password_is_not_told(self):
        for offset, method in enumerate(("sudo", "su", "doas")):
            with self.subTest(method=method):
                self.assertPromptAfterStartFails(AGENT_ID + 20 + offset, method,
                                                 "prompting-python",
                                                 exe=os.path.join(self.bin, "nopass-tool"))

    def test_prompts_after_the_tools_own_are_not_answered(self):
        self.assertPromptAfterStartFails(AGENT_ID + 23, "sudo", "prompting-python-twice")

    def test_frames_with_a_forged_src_are_dropped(self):
        self.spawn(FORGER_ID, password="forge please")
        self.controller.wait_for_log(lambda r: r["name"] == "genuine")
        warning = self.controller.wait_for_log(lambda r: "claiming src 999" in r["msg"])
        self.assertEqual(warning["level"], 30)
        self.assertNotIn("forged", [r["name"] for r in self.controller.logs])


@unittest.skipUnless(os.geteuid() == 0, "real sudo and su tests need root (no password)")
class RealBecomeTest(BecomeTestCase):

    @unittest.skipUnless(shutil.which("sudo") and shutil.which("su"), "sudo or su is missing")
    def test_a_childs_commands_see_the_path_the_tool_gives_even_through_a_shim(self):
        # what Ansible's commands see: the tool's /bin/sh, run from the login environment
        shim = install_fake_shim(self.bin, "shimmed-python")
        show_path = 'echo "$PATH"'
        for offset, (method, flags, vanilla) in enumerate((
                ("sudo", "-H -S -n", ["sudo", "-H", "-n", "-u", "root", "/bin/sh", "-c", show_path]),
                ("su", None, ["su", "root", "-c", "/bin/sh -c " + shlex.quote(show_path)]))):
            with self.subTest(method=method):
                context_id = AGENT_ID + 40 + offset
                self.spawn(context_id, method=method, user="root", python=shim, flags=flags)
                expected = decoded(self.controller.call("exec", argv=vanilla))
                self.assertEqual(expected[0], 0, expected)
                self.assertNotIn(b"fake-shim", expected[1])
                self.assertEqual(decoded(self.controller.call("exec", dst=context_id,
                                                              shell=show_path)), expected)
                self.assertEqual(self.controller.call("stop_child", context_id=context_id),
                                 {"stopped": True})


    @unittest.skipUnless(shutil.which("sudo"), "sudo is not installed")
    def test_sudo_to_root(self):
        context_id = AGENT_ID + 10
        self.spawn(context_id, method="sudo", user="root", flags="-H -S -n")
        info = self.controller.call("info", dst=context_id)
        self.assertEqual((info["uid"], info["context_id"]), (0, context_id))
        self.assertChildDies(context_id, info["pid"])

    @unittest.skipUnless(shutil.which("sudo") and shutil.which("su"), "sudo or su is missing")
    def test_real_tools_do_not_tell_a_child_that_asks_for_the_password(self):
        for offset, method in enumerate(("sudo", "su")):
            with self.subTest(method=method):
                self.assertPromptAfterStartFails(AGENT_ID + 30 + offset, method,
                                                 "prompting-python")

    @unittest.skipUnless(shutil.which("sudo") and os.path.exists("/usr/bin/python3")
                         and pwd.getpwnam("nobody").pw_shell.endswith("nologin"),
                         "sudo, /usr/bin/python3 or a nologin nobody is missing")
    def test_sudo_to_a_nologin_account_runs_commands_with_sh(self):
        context_id = AGENT_ID + 11
        # nobody cannot read root's pyenv interpreter; the system one is world readable.
        self.spawn(context_id, method="sudo", user="nobody", python="/usr/bin/python3")
        info = self.controller.call("info", dst=context_id)
        self.assertEqual((info["uid"], info["user"]), (65534, "nobody"))
        # sudo -u nobody /bin/sh -c CMD, as Ansible runs it: nobody's shell never runs
        self.assertEqual(decoded(self.controller.call(
            "run_command", dst=context_id, cmd='id -un; echo "$0"', pty=False)),
            (0, b"nobody\n/bin/sh\n", b""))
        self.assertChildDies(context_id, info["pid"])

    @unittest.skipUnless(shutil.which("su") and pwd.getpwnam("nobody").pw_shell.endswith("nologin"),
                         "su or a nologin nobody is missing")
    def test_su_to_a_nologin_account_fails_as_it_does_for_ansible(self):
        error = self.assertSpawnFails(AGENT_ID + 12, "This account is currently not available",
                                      method="su", user="nobody", python="/usr/bin/python3")
        # nologin ran instead of the command: its status and refusal are the command's result
        self.assertEqual(decoded_exit(error.exited),
                         (1, b"This account is currently not available.\n", b"", False))


def decoded_exit(exited):
    return (exited["rc"], base64.b64decode(exited["stdout_b64"]), base64.b64decode(exited["tty_b64"]),
            exited["prompted"])


if __name__ == "__main__":
    unittest.main()
