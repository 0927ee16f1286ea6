"""A stand-in for the Spindle daemon's bridge, for the client's tests only (the real daemon is
tested in Java): docs/daemon-api.md section 2 framing and secret check over TCP on 127.0.0.1,
answering each request with a handler's reply.

Run as `fake_daemon.py daemon` it behaves like `spindle daemon` at startup: it holds
daemon.lock, listens, writes daemon.json and answers every request with its pid and session id,
so the client's start path can be exercised. FAKE_DAEMON_MODE=fail makes it exit 3 at once,
FAKE_DAEMON_MODE=hang makes it hold the lock and never listen, FAKE_DAEMON_MODE=serve-posix
serves while holding a POSIX record lock instead of an flock.
"""

import fcntl
import json
import os
import secrets
import socket
import struct
import sys
import threading
import time

_HEADER = struct.Struct(">I")
DROP = object()  # handler result: close the connection without replying
PERMITTED = ("spindle.exec", "spindle.module", "spindle.put", "spindle.fetch", "spindle.reset",
             "spindle.interpreters", "spindle.lease", "spindle.status")


class Failure:
    """Handler result: answer with an `err` frame."""

    def __init__(self, code, message):
        self.code = code
        self.message = message


def _read_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock):
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    payload = _read_exactly(sock, _HEADER.unpack(header)[0])
    return None if payload is None else json.loads(payload.decode("utf-8"))


def write_frame(sock, message):
    data = json.dumps(message).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


class FakeDaemon:
    """Serves the bridge protocol on a Unix socket in the runtime dir; `handler(address, body)`
    makes replies."""

    def __init__(self, runtime_dir, handler=None, secret=None, hold_lock=True):
        self.runtime_dir = runtime_dir
        self._lock_fd = hold_daemon_lock(runtime_dir) if hold_lock else None
        self.secret = secret or secrets.token_hex(32)
        self.handler = handler or (lambda address, body: {"address": address})
        self.frames = []
        self.unrelated_frames = []  # sent ahead of every reply, as noise the client must skip
        self.connections = 0
        self._clients = []
        self._lock = threading.Lock()
        self.socket_path = os.path.join(runtime_dir, "daemon.sock")
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.socket_path)
        self._server.listen(16)
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def write_daemon_json(self, secret=None, pid=None):
        """daemon.json the way the daemon writes it: temp file, mode 0600, rename."""
        info = {"socket": self.socket_path, "secret": secret or self.secret, "pid": pid or os.getpid(),
                "version": "0.1.0"}
        temp = os.path.join(self.runtime_dir, "daemon.json.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(info, f)
        os.rename(temp, os.path.join(self.runtime_dir, "daemon.json"))
        return self

    def drop_connections(self):
        """Close every client connection, as a daemon that exits does."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            _close(client)

    def close(self):
        _close(self._server)
        self.drop_connections()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _accept_loop(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._clients.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            while True:
                frame = read_frame(client)
                if frame is None:
                    return
                self.frames.append(frame)
                # The refusals of daemon-api.md section 2, in the Vert.x bridge's words.
                if frame.get("headers", {}).get("secret") != self.secret:
                    write_frame(client, {"type": "err", "message": "blocked by bridgeEvent handler"})
                    continue
                if frame.get("address") not in PERMITTED:
                    write_frame(client, {"type": "err", "message": "access_denied"})
                    continue
                result = self.handler(frame["address"], frame["body"])
                if result is DROP:
                    return
                for noise in self.unrelated_frames:
                    write_frame(client, noise)
                if isinstance(result, Failure):
                    write_frame(client, {"type": "err", "address": frame["replyAddress"],
                                         "failureCode": result.code, "failureType": "RECIPIENT_FAILURE",
                                         "message": result.message})
                else:
                    write_frame(client, {"type": "message", "address": frame["replyAddress"],
                                         "body": result})
        except OSError:
            return
        finally:
            _close(client)


def hold_daemon_lock(runtime_dir, kind="flock"):
    """Take daemon.lock as a live daemon holds it; None if another one (in this process) has it."""
    fd = os.open(os.path.join(runtime_dir, "daemon.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        (fcntl.lockf if kind == "posix" else fcntl.flock)(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def main():
    runtime_dir = os.environ["SPINDLE_RUNTIME_DIR"]
    mode = os.environ.get("FAKE_DAEMON_MODE", "serve")
    if mode == "fail":
        sys.stderr.write("fake daemon: failing on purpose\n")
        sys.exit(3)
    if mode == "hang":
        hold_daemon_lock(runtime_dir)
        time.sleep(60)
        return
    # Java's FileChannel.lock takes a POSIX record lock rather than an flock: serve-posix does too.
    lock_kind = "posix" if mode == "serve-posix" else "flock"
    lock_fd = hold_daemon_lock(runtime_dir, lock_kind)
    if lock_fd is None:
        sys.exit("fake daemon: daemon.lock is held by another daemon")
    daemon = FakeDaemon(runtime_dir, lambda address, body: {"pid": os.getpid(), "sid": os.getsid(0)},
                        hold_lock=False)
    daemon.write_daemon_json()
    time.sleep(60)  # the tests kill it long before


if __name__ == "__main__" and sys.argv[1:] == ["daemon"]:
    main()
