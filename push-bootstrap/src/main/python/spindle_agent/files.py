"""File transfers (DESIGN.md section 9).

Contract:
- A put writes ".<name>.<random>.spindle-part" next to dest, fsyncs it and renames it over
  dest: never half written. New files get `mode & ~umask` (0666 if None), as with sftp; a
  replaced file keeps its mode and, if allowed, its owner.
- The bytes of a put come raw, as the data of a RAW CALL (call.data), never in JSON:
  put_small(dest, mode) + bytes; put_open(dest, size, mode) -> {"transfer"}, put_chunk(
  transfer, offset) + bytes in any order, put_close(transfer, sha1) checks size and sha1
  read back from the temp file. Both -> {"size", "sha1"}. put_abort(transfer).
- fetch_stream(src, chunk_size=128 KiB) streams (a STREAM_CALL): the file's bytes as raw
  items of chunk_size bytes, then {"size", "sha1"} of what was sent. A file whose size or
  mtime changed while it was read, or that was removed meanwhile, fails with TransferError
  after its items; a file that grows is read no further than one chunk past its size at
  open. A file whose size is 0 at open (/proc) is read to its end.
- Failures (no directory, ENOSPC, mismatch) remove the temp file and name the path:
  OSErrors keep their class, others are spindle.TransferError; a failed put repeats its
  error. Transfers idle for `idle` s (CONFIG "transfer_idle", 600) are dropped by a thread.
"""

import hashlib
import os
import stat
import threading
import time

from .errors import TransferError

__all__ = ["Transfers", "FUNCTIONS"]

IDLE = 600
STREAM_CHUNK = 128 * 1024


def _named(exc, path):
    return OSError(exc.errno, exc.strerror, path) if exc.errno else exc


class _Put(object):

    def __init__(self, dest, size, mode):
        self.dest, self.size = dest, size
        path = os.path.abspath(dest)
        directory, name = os.path.split(path)
        self.path, self.fd, self.error = path, None, None
        self.temp = os.path.join(directory, ".%s.%s.spindle-part" % (name, os.urandom(4).hex()))
        self.lock = threading.Lock()
        try:
            try:
                old = os.stat(path)
            except (FileNotFoundError, NotADirectoryError):
                old = None
            if old is not None and stat.S_ISDIR(old.st_mode):
                raise IsADirectoryError(21, "Is a directory", dest)
            self.fd = os.open(self.temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                              0o600 if old else 0o666 if mode is None else mode & 0o7777)
            if old:
                try:
                    os.fchown(self.fd, old.st_uid, old.st_gid)
                except PermissionError:
                    pass
                os.fchmod(self.fd, stat.S_IMODE(old.st_mode))
        except OSError as exc:
            self.discard()
            raise _named(exc, dest)

    def write(self, offset, data):
        with self.lock:
            self._check()
            view = memoryview(data)
            try:
                while view:
                    written = os.pwrite(self.fd, view, offset)
                    view, offset = view[written:], offset + written
            except OSError as exc:
                self._fail(_named(exc, self.dest))

    def commit(self, sha1=None):
        with self.lock:
            self._check()
            import hashlib  # here: 2 ms less to boot
            digest, size = hashlib.sha1(), 0
            try:
                while True:
                    block = os.pread(self.fd, 1 << 20, size)
                    if not block:
                        break
                    digest.update(block)
                    size += len(block)
                if size != self.size or sha1 and sha1.lower() != digest.hexdigest():
                    self._fail(TransferError(
                        "%s: got %d bytes with sha1 %s, expected %d with sha1 %s; not written"
                        % (self.dest, size, digest.hexdigest(), self.size, sha1)))
                os.fsync(self.fd)
                os.close(self.fd)
                self.fd = None
                os.rename(self.temp, self.path)
            except OSError as exc:
                self._fail(_named(exc, self.dest))
        return {"size": size, "sha1": digest.hexdigest()}

    def _check(self):
        if self.error is not None:
            raise self.error
        if self.fd is None:
            raise TransferError("the transfer to %s was dropped" % self.dest)

    def _fail(self, error):
        self.error = error
        self._drop()
        raise error

    def discard(self):
        with self.lock:
            self._drop()

    def _drop(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        try:
            os.unlink(self.temp)
        except OSError:
            pass


class Transfers(object):
    """The open transfers of one agent, by id."""

    def __init__(self, idle=IDLE):
        self.idle = idle
        self._items = {}
        self._lock = threading.Lock()
        self._sweeper = None

    def add(self, item):
        key = os.urandom(8).hex()
        item.used = time.monotonic()
        with self._lock:
            self._items[key] = item
            if self._sweeper is None:
                self._sweeper = threading.Thread(target=self._sweep, daemon=True)
                self._sweeper.start()
        return key

    def get(self, key, kind, pop=False):
        with self._lock:
            item = self._items.pop(key, None) if pop else self._items.get(key)
        if not isinstance(item, kind):
            raise TransferError("no open transfer %r: it ended, failed or sat idle for %d s"
                                % (key, self.idle))
        item.used = time.monotonic()
        return item

    def drop(self, key):
        with self._lock:
            item = self._items.pop(key, None)
        if item is not None:
            item.discard()
        return {}

    def close_all(self):
        for key in list(self._items):
            self.drop(key)

    def _sweep(self):
        while True:
            time.sleep(min(self.idle / 4.0, 30.0))
            for key, item in list(self._items.items()):
                if time.monotonic() - item.used > self.idle:
                    self.drop(key)


def _data(call):
    if call.data is None:
        raise ValueError("a put takes its bytes in a RAW CALL, not in JSON")
    return call.data


def put_small(call, dest, mode=None):
    data = _data(call)
    put = _Put(dest, len(data), mode)
    put.write(0, data)
    return put.commit()


def put_open(call, dest, size, mode=None):
    return {"transfer": call.agent.transfers.add(_Put(dest, size, mode))}


def put_chunk(call, transfer, offset):
    call.agent.transfers.get(transfer, _Put).write(offset, _data(call))
    return {}


def put_close(call, transfer, sha1=None):
    return call.agent.transfers.get(transfer, _Put, pop=True).commit(sha1)


def fetch_stream(call, src, chunk_size=None):
    chunk_size = chunk_size or STREAM_CHUNK
    if not 0 < chunk_size <= call.agent.router.max_frame:
        raise ValueError("cannot send chunks of %d bytes" % chunk_size)
    digest, size = hashlib.sha1(), 0
    try:
        f = open(src, "rb")
    except OSError as exc:
        raise _named(exc, src)
    with f:
        opened = os.fstat(f.fileno())
        # a file that keeps growing is not read forever: one chunk past its size shows it grew
        limit = opened.st_size + chunk_size if opened.st_size else None
        while limit is None or size < limit:
            data = f.read(chunk_size)
            if not data:
                break
            digest.update(data)
            size += len(data)
            yield data
        _check_unchanged(src, opened, os.fstat(f.fileno()), size)
    return {"size": size, "sha1": digest.hexdigest()}


def _check_unchanged(src, opened, now, sent):
    if now.st_nlink == 0:
        raise TransferError("%s was removed while it was read (%d bytes sent)" % (src, sent))
    if (now.st_size, now.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns) or (
            opened.st_size and sent != opened.st_size):
        raise TransferError("%s changed while it was read: %d bytes at open, %d now, %d sent"
                            % (src, opened.st_size, now.st_size, sent))


FUNCTIONS = {
    "put_small": put_small,
    "put_open": put_open,
    "put_chunk": put_chunk,
    "put_close": put_close,
    "put_abort": lambda call, transfer: call.agent.transfers.drop(transfer),
    "fetch_stream": fetch_stream,
}
