"""The client side of the Spindle daemon's event-bus bridge (docs/daemon-api.md, sections 1-2).

Standard library only. One TCP connection per process: Ansible forks a worker per task, and a
worker never reuses a socket inherited from its parent. `request(address, body)` returns the
reply body or raises DaemonError with the daemon's failure code.

The secret from daemon.json travels in every frame's headers and nowhere else: it is never
logged and never put into an error message.
"""

import errno
import fcntl
import json
import os
import shlex
import socket
import stat
import struct
import subprocess
import time
import uuid

# Failure codes (docs/daemon-api.md section 3; test_failure_codes holds them to it). The client
# raises the same codes for failures it detects itself, so callers map every failure the same way.
UNREACHABLE = 1
BECOME = 2
BAD_REQUEST = 3
DISCONNECTED = 4
INTERNAL = 5

# The bridge's reply timeout (ms) sent with every request: a day, so long tasks are never cut off.
REPLY_TIMEOUT_MS = 24 * 60 * 60 * 1000
START_TIMEOUT_S = 30.0
_POLL_INTERVAL_S = 0.05
_CONNECT_TIMEOUT_S = 5.0
_FRAME_HEADER = struct.Struct(">I")


class DaemonError(Exception):
    """A request the daemon (or the way to it) failed; `code` is one of the failure codes above."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------
# The runtime directory and the spindle command


def runtime_dir(environ=None):
    """Where daemon.json, the locks, daemon.log and daemon.out live."""
    environ = os.environ if environ is None else environ
    if environ.get("SPINDLE_RUNTIME_DIR"):
        return environ["SPINDLE_RUNTIME_DIR"]
    if environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(environ["XDG_RUNTIME_DIR"], "spindle")
    return "/tmp/spindle-%d" % os.geteuid()


def ensure_private_dir(path):
    """Create `path` with mode 0700, or check that the existing one is ours and private.

    The directory holds the daemon's secret, so one that another user owns or can read (for
    example a /tmp/spindle-<uid> planted in advance) is refused rather than used.
    """
    try:
        os.mkdir(path, 0o700)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        pass
    except OSError as e:
        raise DaemonError(INTERNAL, "cannot create the Spindle runtime directory %s: %s"
                          % (path, e.strerror))
    st = os.lstat(path)
    refusal = "refusing the Spindle runtime directory %s: " % path
    if not stat.S_ISDIR(st.st_mode):
        raise DaemonError(INTERNAL, refusal + "it is not a directory")
    if st.st_uid != os.geteuid():
        raise DaemonError(INTERNAL, refusal + "it is owned by uid %d, not by you (uid %d)"
                          % (st.st_uid, os.geteuid()))
    if st.st_mode & 0o077:
        raise DaemonError(INTERNAL, refusal + "its mode %04o lets other users in (it must be 0700)"
                          % stat.S_IMODE(st.st_mode))


def find_launcher(start_dir=None):
    """The `spindle` launcher of the checkout this package lives in, found by walking up."""
    directory = os.path.abspath(start_dir or os.path.dirname(__file__))
    while True:
        candidate = os.path.join(directory, "spindle")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def spindle_command(configured=None, environ=None):
    """The argv that starts the daemon: SPINDLE_COMMAND, else `[spindle] command`, else the launcher.

    `configured` is the connection plugin's `spindle_command` option, in which Ansible has
    already let the environment variable win over ansible.cfg.
    """
    environ = os.environ if environ is None else environ
    command = configured or environ.get("SPINDLE_COMMAND")
    if command:
        return shlex.split(command) + ["daemon"]
    launcher = find_launcher()
    if launcher is None:
        here = os.path.dirname(os.path.abspath(__file__))
        raise DaemonError(INTERNAL, "cannot find the spindle launcher above %s; set SPINDLE_COMMAND "
                          "or [spindle] command in ansible.cfg" % here)
    return [launcher, "daemon"]


# ---------------------------------------------------------------------------------------------
# Framing: a 4-byte big-endian length, then UTF-8 JSON


def send_frame(sock, message):
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(_FRAME_HEADER.pack(len(data)) + data)


def receive_frame(sock):
    """The next frame as a dict; ConnectionError if the peer closed the connection."""
    (length,) = _FRAME_HEADER.unpack(_receive_exactly(sock, _FRAME_HEADER.size))
    return json.loads(_receive_exactly(sock, length).decode("utf-8"))


def _receive_exactly(sock, size):
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:])
        if count == 0:
            raise ConnectionError("the daemon closed the connection")
        received += count
    return bytes(buffer)


class RequestNotSent(Exception):
    """Writing the request failed, so the daemon never saw it and it is safe to send again."""


class Channel:
    """One authenticated TCP connection to a running daemon."""

    def __init__(self, sock, secret, log_path):
        self._sock = sock
        self._secret = secret
        self._log_path = log_path

    def call(self, address, body):
        reply_address = "spindle.reply.%s" % uuid.uuid4().hex
        try:
            send_frame(self._sock, {
                "type": "send",
                "address": address,
                "replyAddress": reply_address,
                "headers": {"secret": self._secret, "timeout": REPLY_TIMEOUT_MS},
                "body": body,
            })
        except OSError as e:
            # At most part of the frame got through, which the daemon can't act on.
            raise RequestNotSent() from e
        try:
            while True:
                answer = self._answer(receive_frame(self._sock), reply_address)
                if answer is not None:
                    return answer
        except (OSError, ValueError) as e:
            # The request reached the daemon and may be running: it is never sent twice.
            raise DaemonError(DISCONNECTED, "lost the connection to the Spindle daemon during %s (%s); "
                              "see %s" % (address, e, self._log_path))

    @staticmethod
    def _answer(frame, reply_address):
        """The reply body if `frame` answers our request, None for frames that don't concern us."""
        kind = frame.get("type")
        if kind == "err" and "address" not in frame:
            raise DaemonError(INTERNAL, "the Spindle daemon refused the request: %s"
                              % frame.get("message"))
        if frame.get("address") != reply_address:
            return None
        if kind == "err":
            code = frame.get("failureCode")
            raise DaemonError(code if isinstance(code, int) else INTERNAL,
                              frame.get("message") or "request failed")
        if kind == "message":
            return frame.get("body") or {}
        return None

    def is_open(self):
        """False once the daemon has closed its end (it exited or restarted since our last call)."""
        try:
            self._sock.setblocking(False)
            try:
                return self._sock.recv(1, socket.MSG_PEEK) != b""
            finally:
                self._sock.setblocking(True)
        except BlockingIOError:
            return True
        except OSError:
            return False

    def close(self):
        self._sock.close()


# ---------------------------------------------------------------------------------------------
# Finding and starting the daemon (docs/daemon-api.md section 1)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_daemon_info(directory):
    try:
        with open(os.path.join(directory, "daemon.json")) as f:
            info = json.load(f)
        path, secret, pid = info["socket"], info["secret"], info["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(path, str) and isinstance(secret, str) and isinstance(pid, int)):
        return None
    return info


def connect_to_running_daemon(directory):
    """A channel to the daemon daemon.json describes, or None if there is no live one."""
    info = _read_daemon_info(directory)
    # daemon.json outlives a daemon killed with -9, and its pid may since have gone to another
    # program: without a daemon holding the lock, the secret is sent nowhere.
    if info is None or not _pid_alive(info["pid"]) or not _daemon_lock_held(directory):
        return None
    # a Unix socket in the 0700 runtime dir: only this user can connect at all
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(_CONNECT_TIMEOUT_S)
    try:
        sock.connect(info["socket"])
    except OSError:
        sock.close()
        return None
    sock.settimeout(None)
    return Channel(sock, info["secret"], os.path.join(directory, "daemon.log"))


class _FileLock:
    """An exclusive flock held for the duration of a `with` block."""

    def __init__(self, path):
        self._path = path
        self._fd = None

    def __enter__(self):
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self._fd)  # closing releases the lock


def _daemon_lock_held(directory):
    """True while a daemon holds daemon.lock, i.e. is alive (possibly still starting).

    The lock is an flock; a POSIX record lock (what Java's FileChannel.lock takes on Linux, and
    which flock can't see) counts too.
    """
    fd = os.open(os.path.join(directory, "daemon.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        for take_lock in (fcntl.flock, fcntl.lockf):
            try:
                take_lock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EACCES):
                    return True
                raise
        return False
    finally:
        os.close(fd)  # and with it whatever we took


# Daemons this process started. The daemon is meant to outlive us; holding on to its Popen keeps
# Python from collecting the object (and warning about it) while it runs.
_started_daemons = []


def _spawn_daemon(directory, argv):
    # The daemon logs to daemon.log itself (rolled at a size cap); its stdout and stderr carry only
    # what comes before that or beside it (a JVM that cannot start, a fatal error), emptied each start.
    out_fd = os.open(_startup_output(directory), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(os.devnull, "rb") as devnull:
            process = subprocess.Popen(argv, stdin=devnull, stdout=out_fd, stderr=out_fd,
                                       close_fds=True, start_new_session=True)
    except OSError as e:
        raise DaemonError(INTERNAL, "cannot run the spindle command %s: %s" % (argv[0], e.strerror))
    finally:
        os.close(out_fd)
    _started_daemons.append(process)
    return process


def _startup_output(directory):
    return os.path.join(directory, "daemon.out")


def _wait_for_daemon(directory, process, timeout):
    where = "%s and %s" % (_startup_output(directory), os.path.join(directory, "daemon.log"))
    deadline = time.monotonic() + timeout
    while True:
        channel = connect_to_running_daemon(directory)
        if channel is not None:
            return channel
        # Our child may exit because a daemon started outside start.lock won the race for
        # daemon.lock; only when nobody holds that lock is nothing coming.
        if process.poll() is not None and not _daemon_lock_held(directory):
            raise DaemonError(INTERNAL, "the Spindle daemon exited with status %d before it was ready; "
                              "see %s" % (process.returncode, where))
        if time.monotonic() >= deadline:
            raise DaemonError(INTERNAL, "the Spindle daemon did not start listening within %g s; see %s"
                              % (timeout, where))
        time.sleep(_POLL_INTERVAL_S)


def connect_or_start_daemon(directory, argv, start_timeout=START_TIMEOUT_S):
    """A channel to the user's daemon, starting it (once, under start.lock) if none is running."""
    ensure_private_dir(directory)
    channel = connect_to_running_daemon(directory)
    if channel is not None:
        return channel
    with _FileLock(os.path.join(directory, "start.lock")):
        # Another worker may have started it while we waited for the lock.
        channel = connect_to_running_daemon(directory)
        if channel is not None:
            return channel
        return _wait_for_daemon(directory, _spawn_daemon(directory, argv), start_timeout)


# ---------------------------------------------------------------------------------------------
# The per-process client


class BridgeClient:
    """Sends requests over one connection, reopening it when the daemon went away in between."""

    def __init__(self, command=None, environ=None, start_timeout=START_TIMEOUT_S):
        self._configured_command = command
        self._environ = os.environ if environ is None else environ
        self._start_timeout = start_timeout
        self._channel = None

    def request(self, address, body):
        """The reply body of `address` for `body`; DaemonError on any failure."""
        try:
            return self._call(address, body)
        except RequestNotSent:
            # The daemon restarted between our liveness check and the write: reconnect once.
            self.close()
        try:
            return self._call(address, body)
        except RequestNotSent as e:
            self.close()
            raise DaemonError(DISCONNECTED, "cannot send %s to the Spindle daemon: %s"
                              % (address, e.__cause__ or e))

    def _call(self, address, body):
        channel = self._open_channel()
        try:
            return channel.call(address, body)
        except DaemonError as e:
            if e.code == DISCONNECTED:
                self.close()
            raise

    def _open_channel(self):
        if self._channel is not None and self._channel.is_open():
            return self._channel
        self.close()
        argv = spindle_command(self._configured_command, self._environ)
        self._channel = connect_or_start_daemon(runtime_dir(self._environ), argv, self._start_timeout)
        return self._channel

    def close(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None


_process_client = None


def process_client(command=None):
    """This process's client (created on first use with the given spindle command)."""
    global _process_client
    if _process_client is None:
        _process_client = BridgeClient(command)
    return _process_client


def _forget_inherited_client():
    # A forked worker gets a copy of the parent's socket; closing the copy leaves the parent's
    # connection alone and makes sure two processes never interleave frames on one stream.
    global _process_client
    if _process_client is not None:
        _process_client.close()
        _process_client = None


os.register_at_fork(after_in_child=_forget_inherited_client)
