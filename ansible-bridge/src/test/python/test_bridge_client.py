"""The daemon client: runtime directory, finding and starting the daemon, framing, failures."""

import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

import bridge_harness
from ansible_spindle import bridge_client
from ansible_spindle.bridge_client import BridgeClient, DaemonError
from fake_daemon import DROP, FakeDaemon, Failure


class RuntimeDirTest(unittest.TestCase):

    def setUp(self):
        self.parent = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.parent)
        self.path = os.path.join(self.parent, "spindle")

    def test_location_follows_spindle_then_xdg_then_tmp(self):
        runtime_dir = bridge_client.runtime_dir
        self.assertEqual(runtime_dir({"SPINDLE_RUNTIME_DIR": "/a", "XDG_RUNTIME_DIR": "/b"}), "/a")
        self.assertEqual(runtime_dir({"XDG_RUNTIME_DIR": "/run/user/7"}), "/run/user/7/spindle")
        self.assertEqual(bridge_client.runtime_dir({}), "/tmp/spindle-%d" % os.geteuid())

    def test_missing_directory_is_created_private_whatever_the_umask(self):
        old = os.umask(0)
        try:
            bridge_client.ensure_private_dir(self.path)
        finally:
            os.umask(old)
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o700)

    def test_existing_private_directory_is_accepted(self):
        os.mkdir(self.path, 0o700)
        bridge_client.ensure_private_dir(self.path)

    def test_group_or_world_accessible_directory_is_refused(self):
        for mode in (0o750, 0o705, 0o777):
            os.mkdir(self.path)
            os.chmod(self.path, mode)
            with self.assertRaises(DaemonError) as caught:
                bridge_client.ensure_private_dir(self.path)
            self.assertIn("%04o" % mode, caught.exception.message)
            self.assertIn(self.path, caught.exception.message)
            os.rmdir(self.path)

    def test_symlink_is_refused(self):
        target = os.path.join(self.parent, "elsewhere")
        os.mkdir(target, 0o700)
        os.symlink(target, self.path)
        with self.assertRaises(DaemonError) as caught:
            bridge_client.ensure_private_dir(self.path)
        self.assertIn("not a directory", caught.exception.message)

    @unittest.skipUnless(os.geteuid() == 0, "changing a directory's owner needs root")
    def test_directory_owned_by_someone_else_is_refused(self):
        os.mkdir(self.path, 0o700)
        os.chown(self.path, 65534, 65534)
        with self.assertRaises(DaemonError) as caught:
            bridge_client.ensure_private_dir(self.path)
        self.assertIn("owned by uid 65534", caught.exception.message)


class SpindleCommandTest(unittest.TestCase):

    def test_configured_command_is_split_and_told_to_start_the_daemon(self):
        self.assertEqual(bridge_client.spindle_command("java -jar '/opt/my dir/spindle.jar'", {}),
                         ["java", "-jar", "/opt/my dir/spindle.jar", "daemon"])

    def test_environment_variable_when_nothing_is_configured(self):
        self.assertEqual(bridge_client.spindle_command(None, {"SPINDLE_COMMAND": "/x/spindle"}),
                         ["/x/spindle", "daemon"])

    def test_launcher_of_this_checkout_by_default(self):
        self.assertEqual(bridge_client.spindle_command(None, {}),
                         [os.path.join(bridge_harness.REPO, "spindle"), "daemon"])


class _ClientTestCase(unittest.TestCase):
    """A private runtime directory and the environment pointing at it."""

    def setUp(self):
        self.runtime = tempfile.mkdtemp()
        os.chmod(self.runtime, 0o700)
        self.addCleanup(shutil.rmtree, self.runtime, True)
        self.environ = {"SPINDLE_RUNTIME_DIR": self.runtime, "SPINDLE_COMMAND": "/nonexistent/spindle"}

    def fake_daemon(self, handler=None):
        daemon = FakeDaemon(self.runtime, handler).write_daemon_json()
        self.addCleanup(daemon.close)
        return daemon

    def client(self, **kwargs):
        client = BridgeClient(environ=self.environ, **kwargs)
        self.addCleanup(client.close)
        return client


class FramingTest(_ClientTestCase):

    def test_request_carries_secret_and_day_long_timeout_and_returns_the_reply_body(self):
        daemon = self.fake_daemon(lambda address, body: {"echo": body, "address": address})
        reply = self.client().request("spindle.status", {"x": 1})
        self.assertEqual(reply, {"echo": {"x": 1}, "address": "spindle.status"})
        frame = daemon.frames[0]
        self.assertEqual(frame["type"], "send")
        self.assertEqual(frame["headers"], {"secret": daemon.secret, "timeout": 86400000})

    def test_each_request_has_its_own_reply_address_on_one_connection(self):
        daemon = self.fake_daemon()
        client = self.client()
        for _ in range(3):
            client.request("spindle.lease", {})
        self.assertEqual(len({frame["replyAddress"] for frame in daemon.frames}), 3)
        self.assertEqual(daemon.connections, 1)

    def test_frames_for_other_addresses_are_skipped(self):
        daemon = self.fake_daemon()
        daemon.unrelated_frames = [
            {"type": "pong"},
            {"type": "message", "address": "someone.else", "body": {}},
            {"type": "err", "address": "someone.else", "failureCode": 5, "message": "not ours"},
        ]
        self.assertEqual(self.client().request("spindle.lease", {}), {"address": "spindle.lease"})

    def test_large_bodies_survive_framing(self):
        self.fake_daemon(lambda address, body: {"size": len(body["blob"])})
        reply = self.client().request("spindle.exec", {"blob": "x" * 5000000})
        self.assertEqual(reply, {"size": 5000000})


class FailureTest(_ClientTestCase):

    def test_err_frames_raise_daemon_error_with_the_failure_code(self):
        for code in (1, 2, 3, 4, 5):
            self.fake_daemon(lambda address, body, code=code: Failure(code, "failure %d" % code))
            with self.assertRaises(DaemonError) as caught:
                self.client().request("spindle.exec", {})
            self.assertEqual((caught.exception.code, caught.exception.message),
                             (code, "failure %d" % code))

    def test_wrong_secret_is_refused(self):
        daemon = self.fake_daemon()
        daemon.write_daemon_json(secret="0" * 64)
        with self.assertRaises(DaemonError) as caught:
            self.client().request("spindle.exec", {})
        self.assertEqual(caught.exception.code, bridge_client.INTERNAL)
        self.assertIn("refused the request: blocked by bridgeEvent handler", caught.exception.message)
        self.assertNotIn("0" * 64, caught.exception.message)
        self.assertNotIn(daemon.secret, caught.exception.message)

    def test_address_not_permitted_is_access_denied(self):
        self.fake_daemon()
        with self.assertRaises(DaemonError) as caught:
            self.client().request("spindle.shutdown", {})
        self.assertIn("access_denied", caught.exception.message)

    def test_connection_lost_during_a_call_is_disconnected_and_not_resent(self):
        daemon = self.fake_daemon(lambda address, body: DROP)
        with self.assertRaises(DaemonError) as caught:
            self.client().request("spindle.exec", {"cmd": "touch /once"})
        self.assertEqual(caught.exception.code, bridge_client.DISCONNECTED)
        self.assertIn("daemon.log", caught.exception.message)
        self.assertEqual(len(daemon.frames), 1)


class StaleDaemonJsonTest(_ClientTestCase):

    def test_live_pid_without_the_lock_gets_no_secret(self):
        # daemon.json of a daemon killed with -9 whose pid and port now belong to others.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        self.addCleanup(listener.close)
        with open(os.path.join(self.runtime, "daemon.json"), "w") as f:
            json.dump({"port": listener.getsockname()[1], "secret": "f" * 64, "pid": os.getpid(),
                       "version": "0.1.0"}, f)
        with self.assertRaises(DaemonError) as caught:
            self.client().request("spindle.lease", {})
        self.assertIn("/nonexistent/spindle", caught.exception.message)  # it went on to start one
        listener.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            listener.accept()


class ReconnectTest(_ClientTestCase):

    def test_connection_closed_between_requests_is_reopened(self):
        daemon = self.fake_daemon()
        client = self.client()
        client.request("spindle.lease", {})
        daemon.drop_connections()
        time.sleep(0.05)
        self.assertEqual(client.request("spindle.lease", {}), {"address": "spindle.lease"})
        self.assertEqual(daemon.connections, 2)

    def test_request_whose_write_fails_is_sent_again_on_a_new_connection(self):
        daemon = self.fake_daemon()
        client = self.client()
        client.request("spindle.lease", {})
        daemon.drop_connections()
        time.sleep(0.05)
        channel = client._channel
        try:
            channel._sock.send(b"x")  # draws the reset that makes the next write fail
        except OSError:
            pass
        time.sleep(0.05)
        channel.is_open = lambda: True  # as if the liveness check ran just before the reset
        self.assertEqual(client.request("spindle.lease", {}), {"address": "spindle.lease"})
        self.assertEqual(daemon.connections, 2)

    def test_restarted_daemon_with_new_port_and_secret_is_found_again(self):
        first = self.fake_daemon()
        client = self.client()
        client.request("spindle.lease", {})
        first.close()
        second = self.fake_daemon(lambda address, body: {"daemon": "second"})
        self.assertEqual(client.request("spindle.lease", {}), {"daemon": "second"})


class StartTest(_ClientTestCase):

    def setUp(self):
        super().setUp()
        self.environ["SPINDLE_COMMAND"] = "%s %s" % (sys.executable, bridge_harness.FAKE_DAEMON)
        self.started_pids = []
        self.addCleanup(self._kill_started)

    def _kill_started(self):
        info_path = os.path.join(self.runtime, "daemon.json")
        if os.path.exists(info_path):
            with open(info_path) as f:
                self.started_pids.append(json.load(f)["pid"])
        for pid in set(self.started_pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def request_with_mode(self, mode, **kwargs):
        with self.daemon_mode(mode):
            return self.client(**kwargs).request("spindle.status", {})

    def daemon_mode(self, mode):
        return mock.patch.dict(os.environ, {"FAKE_DAEMON_MODE": mode, "SPINDLE_RUNTIME_DIR": self.runtime})

    def test_no_daemon_starts_one_detached_in_its_own_session(self):
        reply = self.request_with_mode("serve")
        self.started_pids.append(reply["pid"])
        self.assertNotEqual(reply["pid"], os.getpid())
        self.assertEqual(reply["sid"], reply["pid"])  # start_new_session: it leads its own session
        self.assertTrue(os.path.exists(os.path.join(self.runtime, "daemon.out")))

    def test_daemon_json_of_a_dead_daemon_is_replaced_by_a_started_one(self):
        with open(os.path.join(self.runtime, "daemon.json"), "w") as f:
            json.dump({"port": 1, "secret": "s", "pid": _dead_pid(), "version": "0.1.0"}, f)
        reply = self.request_with_mode("serve")
        self.started_pids.append(reply["pid"])
        self.assertNotEqual(reply["pid"], os.getpid())

    def test_daemon_holding_a_posix_lock_counts_as_running(self):
        first = self.request_with_mode("serve-posix")
        self.started_pids.append(first["pid"])
        second = BridgeClient(environ=self.environ)
        self.addCleanup(second.close)
        self.assertEqual(second.request("spindle.status", {})["pid"], first["pid"])

    def test_concurrent_clients_start_one_daemon(self):
        replies = []
        with self.daemon_mode("serve"):
            def request():
                replies.append(self.client().request("spindle.status", {}))

            threads = [threading.Thread(target=request) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.started_pids.extend(reply["pid"] for reply in replies)
        self.assertEqual(len(replies), 4)
        self.assertEqual(len({reply["pid"] for reply in replies}), 1)

    def test_daemon_that_exits_fails_at_once_naming_its_output_and_log(self):
        started = time.monotonic()
        with self.assertRaises(DaemonError) as caught:
            self.request_with_mode("fail", start_timeout=20)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("status 3", caught.exception.message)
        self.assertIn(os.path.join(self.runtime, "daemon.out"), caught.exception.message)
        self.assertIn(os.path.join(self.runtime, "daemon.log"), caught.exception.message)
        with open(os.path.join(self.runtime, "daemon.out")) as out:
            self.assertIn("failing on purpose", out.read())

    def test_each_start_empties_the_startup_output(self):
        with open(os.path.join(self.runtime, "daemon.out"), "w") as out:
            out.write("x" * 100000)
        with self.assertRaises(DaemonError):
            self.request_with_mode("fail", start_timeout=20)
        with open(os.path.join(self.runtime, "daemon.out")) as out:
            self.assertEqual(out.read(), "fake daemon: failing on purpose\n")

    def test_daemon_that_never_listens_times_out_naming_the_log(self):
        with self.assertRaises(DaemonError) as caught:
            self.request_with_mode("hang", start_timeout=1)
        self.assertIn("within 1 s", caught.exception.message)
        self.assertIn(os.path.join(self.runtime, "daemon.log"), caught.exception.message)
        self.started_pids.extend(_pids_holding(os.path.join(self.runtime, "daemon.lock")))

    def test_unrunnable_command_is_reported(self):
        self.environ["SPINDLE_COMMAND"] = "/nonexistent/spindle"
        with self.assertRaises(DaemonError) as caught:
            self.client().request("spindle.status", {})
        self.assertIn("/nonexistent/spindle", caught.exception.message)


class ProcessClientTest(unittest.TestCase):

    def test_forked_child_does_not_inherit_the_parents_client(self):
        parent_client = bridge_client.process_client()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            fresh = bridge_client.process_client() is not parent_client
            os.write(write_end, b"fresh" if fresh else b"shared")
            os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        with os.fdopen(read_end, "rb") as answer:
            self.assertEqual(answer.read(), b"fresh")
        self.assertIs(bridge_client.process_client(), parent_client)


def _dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _pids_holding(path):
    """Processes with `path` open (the hanging fake daemon), from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % entry):
                if os.readlink("/proc/%s/fd/%s" % (entry, fd)) == path:
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


if __name__ == "__main__":
    unittest.main()
