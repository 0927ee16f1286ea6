"""File transfers: puts whose bytes come in RAW CALLs, written aside and renamed into place,
chunks in any order; fetches streamed as RAW items, refused when the file changed meanwhile;
failures that leave nothing behind."""

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
import time
import unittest

from agent_harness import RemoteError, SharedAgentTestCase
from spindle_agent.protocol import FLAG_ERROR, FLAG_LAST, FLAG_RAW, HANDLE_CALL

CHUNK = 128 * 1024


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class FilesTestCase(SharedAgentTestCase):
    config = {}

    @classmethod
    def agent_options(cls):
        return cls.config

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="spindle-files-")
        self.addCleanup(shutil.rmtree, self.dir)

    def call(self, fn, data=None, **kw):
        return self.controller.call(fn, data=data, **kw)

    def assertFails(self, error_type, fn, data=None, **kw):
        with self.assertRaises(RemoteError) as caught:
            self.call(fn, data, **kw)
        self.assertEqual(caught.exception.type, error_type, caught.exception)
        return caught.exception.message

    def leftovers(self, directory=None):
        return [n for n in os.listdir(directory or self.dir) if n.endswith(".spindle-part")]

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()


class PutTest(FilesTestCase):

    def put(self, dest, data, mode=0o644, order=None, sha1=None):
        transfer = self.call("put_open", dest=dest, size=len(data), mode=mode)["transfer"]
        offsets = list(range(0, len(data), CHUNK))
        random.Random(7).shuffle(offsets)
        pending = [self.controller.call_async("put_chunk", data=data[offset:offset + CHUNK],
                                              transfer=transfer, offset=offset)
                   for offset in (order or offsets)]
        for reply in pending:
            self.assertEqual(self.controller.wait(reply), {})
        return self.call("put_close", transfer=transfer,
                         sha1=sha1 or hashlib.sha1(data).hexdigest())

    def test_put_small_new_file(self):
        dest = os.path.join(self.dir, "small")
        data = b"hello \x00 world\n"
        self.assertEqual(self.call("put_small", data, dest=dest, mode=0o777),
                         {"size": len(data), "sha1": hashlib.sha1(data).hexdigest()})
        self.assertEqual(self.read(dest), data)
        self.assertEqual(os.stat(dest).st_mode & 0o7777, 0o777 & ~current_umask())
        self.assertEqual(self.leftovers(), [])

    def test_put_small_replaces_an_existing_file_keeping_its_mode(self):
        dest = os.path.join(self.dir, "existing")
        with open(dest, "wb") as f:
            f.write(b"old contents, longer than the new ones")
        os.chmod(dest, 0o600)
        inode = os.stat(dest).st_ino
        self.call("put_small", b"new", dest=dest, mode=0o755)
        self.assertEqual(self.read(dest), b"new")
        self.assertEqual(os.stat(dest).st_mode & 0o7777, 0o600)
        self.assertNotEqual(os.stat(dest).st_ino, inode)  # renamed over, not rewritten

    def test_chunks_in_shuffled_order(self):
        dest = os.path.join(self.dir, "big")
        data = os.urandom(3 * CHUNK + 12345)
        self.assertEqual(self.put(dest, data, mode=0o640),
                         {"size": len(data), "sha1": hashlib.sha1(data).hexdigest()})
        self.assertEqual(self.read(dest), data)
        self.assertEqual(os.stat(dest).st_mode & 0o7777, 0o640 & ~current_umask())
        self.assertEqual(self.leftovers(), [])
        replacement = os.urandom(2 * CHUNK)
        self.put(dest, replacement)
        self.assertEqual(self.read(dest), replacement)

    def test_sha1_mismatch_is_rejected(self):
        dest = os.path.join(self.dir, "mismatch")
        with open(dest, "wb") as f:
            f.write(b"keep me")
        data = os.urandom(2 * CHUNK)
        with self.assertRaises(RemoteError) as caught:
            self.put(dest, data, sha1="0" * 40)
        self.assertEqual(caught.exception.type, "spindle.TransferError")
        self.assertIn(dest, caught.exception.message)
        self.assertIn("sha1", caught.exception.message)
        self.assertEqual(self.read(dest), b"keep me")
        self.assertEqual(self.leftovers(), [])

    def test_missing_chunk_is_rejected(self):
        dest = os.path.join(self.dir, "short")
        data = os.urandom(3 * CHUNK)
        with self.assertRaises(RemoteError) as caught:
            self.put(dest, data, order=[0, 2 * CHUNK])
        self.assertEqual(caught.exception.type, "spindle.TransferError")
        self.assertFalse(os.path.exists(dest))
        self.assertEqual(self.leftovers(), [])

    def test_abort(self):
        dest = os.path.join(self.dir, "aborted")
        transfer = self.call("put_open", dest=dest, size=10, mode=0o644)["transfer"]
        self.call("put_chunk", b"01234", transfer=transfer, offset=0)
        self.assertEqual(len(self.leftovers()), 1)
        self.assertEqual(self.call("put_abort", transfer=transfer), {})
        self.assertEqual(self.leftovers(), [])
        self.assertFalse(os.path.exists(dest))
        self.assertEqual(self.call("put_abort", transfer=transfer), {})
        message = self.assertFails("spindle.TransferError", "put_chunk", b"56789",
                                   transfer=transfer, offset=5)
        self.assertIn(transfer, message)

    def test_missing_directory(self):
        dest = os.path.join(self.dir, "no", "such", "dir", "file")
        message = self.assertFails("FileNotFoundError", "put_small", b"x", dest=dest, mode=0o644)
        self.assertIn(dest, message)
        message = self.assertFails("FileNotFoundError", "put_open", dest=dest, size=1, mode=None)
        self.assertIn(dest, message)

    def test_directory_as_destination(self):
        message = self.assertFails("IsADirectoryError", "put_small", b"x", dest=self.dir,
                                   mode=None)
        self.assertIn(self.dir, message)

    def test_bytes_in_json_are_refused(self):
        dest = os.path.join(self.dir, "json")
        message = self.assertFails("ValueError", "put_small", dest=dest, mode=None)
        self.assertIn("RAW CALL", message)
        self.assertFalse(os.path.exists(dest))

    def test_raw_call_whose_request_overruns_its_payload_is_refused(self):
        request = json.dumps({"fn": "put_small", "kw": {}}).encode("utf-8")
        reply_to = self.controller.send_request(
            HANDLE_CALL, struct.pack(">I", len(request) + 1) + request, FLAG_RAW)
        with self.assertRaises(RemoteError) as caught:
            self.controller.wait(reply_to)
        self.assertEqual(caught.exception.type, "ValueError")
        self.assertIn("overruns", caught.exception.message)


class FullDiskTest(FilesTestCase):

    def setUp(self):
        FilesTestCase.setUp(self)
        self.mount = os.path.join(self.dir, "tiny")
        os.mkdir(self.mount)
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", self.mount],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError):
            self.skipTest("cannot mount a 1 MiB tmpfs here (needs root)")
        self.addCleanup(subprocess.run, ["umount", "-l", self.mount])

    def test_enospc_names_the_path_and_leaves_nothing(self):
        dest = os.path.join(self.mount, "too-big")
        size = 3 * 1024 * 1024
        transfer = self.call("put_open", dest=dest, size=size, mode=0o644)["transfer"]
        errors = []
        for offset in range(0, size, CHUNK):
            try:
                self.call("put_chunk", bytes(CHUNK), transfer=transfer, offset=offset)
            except RemoteError as exc:
                errors.append(exc)
        self.assertTrue(errors)
        self.assertEqual(errors[0].type, "OSError")
        self.assertIn("No space left on device", errors[0].message)
        self.assertIn(dest, errors[0].message)
        self.assertEqual(set(e.message for e in errors), {errors[0].message})
        self.assertIn(dest, self.assertFails("OSError", "put_close", transfer=transfer, sha1=None))
        self.assertEqual(os.listdir(self.mount), [])


class FetchTest(FilesTestCase):
    """fetch_stream's items and its end; the credit itself is test_streams' subject."""

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def fetch(self, src, window=1024, chunk_size=CHUNK, between=None):
        """(items, end) of a fetch_stream; between(i) runs after item i arrived, before the
        agent may send item i + window."""
        stream = self.controller.stream_async("fetch_stream", window, src=src,
                                              chunk_size=chunk_size)
        items = []
        while True:
            frame = self.controller.next_reply(stream)
            self.assertIsNotNone(frame, "no reply")
            if frame.flags & (FLAG_LAST | FLAG_ERROR):
                value = json.loads(frame.payload.decode("utf-8"))
                if frame.flags & FLAG_ERROR:
                    raise RemoteError(value)
                return items, value
            self.assertEqual(frame.flags, FLAG_RAW)
            items.append(frame.payload)
            if between:
                between(len(items))
            self.controller.credit(stream, 1)

    def test_raw_chunks_then_size_and_sha1(self):
        data = os.urandom(2 * CHUNK + 999)
        items, end = self.fetch(self.write("src", data))
        self.assertEqual([len(item) for item in items], [CHUNK, CHUNK, 999])
        self.assertEqual(b"".join(items), data)
        self.assertEqual(end, {"size": len(data), "sha1": hashlib.sha1(data).hexdigest()})

    def test_empty_file(self):
        self.assertEqual(self.fetch(self.write("empty", b"")),
                         ([], {"size": 0, "sha1": hashlib.sha1(b"").hexdigest()}))

    def test_missing_file_and_directory(self):
        src = os.path.join(self.dir, "missing")
        with self.assertRaises(RemoteError) as caught:
            self.fetch(src)
        self.assertEqual(caught.exception.type, "FileNotFoundError")
        self.assertIn(src, caught.exception.message)
        with self.assertRaises(RemoteError) as caught:
            self.fetch(self.dir)
        self.assertEqual(caught.exception.type, "IsADirectoryError")
        self.assertIn(self.dir, caught.exception.message)

    def test_file_that_shrinks_while_it_is_read_fails_after_its_items(self):
        src = self.write("shrinks", os.urandom(10000))
        message = self.fetch_failing(src, lambda i: i == 1 and os.truncate(src, 2500))
        self.assertIn(src, message)
        self.assertIn("changed while it was read: 10000 bytes at open, 2500 now", message)

    def test_file_that_grows_while_it_is_read_is_not_read_forever(self):
        src = self.write("grows", os.urandom(3000))

        def grow(i):
            with open(src, "ab") as f:
                f.write(os.urandom(1000))
        message = self.fetch_failing(src, grow)
        self.assertIn("changed while it was read: 3000 bytes at open", message)

    def test_file_removed_while_it_is_read(self):
        src = self.write("removed", os.urandom(3000))
        message = self.fetch_failing(src, lambda i: i == 1 and os.unlink(src))
        self.assertIn(src + " was removed while it was read (3000 bytes sent)", message)

    def test_proc_file_of_size_zero_is_read_to_its_end(self):
        items, end = self.fetch("/proc/self/status")
        self.assertIn(b"Pid:", b"".join(items))
        self.assertEqual(end["size"], len(b"".join(items)))

    def fetch_failing(self, src, between):
        """The TransferError message of a fetch of src in 1000-byte items, one at a time."""
        with self.assertRaises(RemoteError) as caught:
            self.fetch(src, window=1, chunk_size=1000, between=between)
        self.assertEqual(caught.exception.type, "spindle.TransferError")
        return caught.exception.message


class IdleTest(FilesTestCase):
    config = {"transfer_idle": 1}

    def test_idle_transfers_are_dropped(self):
        dest = os.path.join(self.dir, "idle")
        transfer = self.call("put_open", dest=dest, size=10, mode=0o644)["transfer"]
        self.assertEqual(len(self.leftovers()), 1)
        deadline = time.monotonic() + 5
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.leftovers(), [])
        self.assertFails("spindle.TransferError", "put_chunk", b"x", transfer=transfer, offset=0)


if __name__ == "__main__":
    unittest.main()
