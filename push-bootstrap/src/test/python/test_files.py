"""File transfers: puts written aside and renamed into place, chunks in any order, fetches
answered with RAW frames, failures that leave nothing behind."""

import base64
import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import time
import unittest

from agent_harness import RemoteError, SharedAgentTestCase

CHUNK = 128 * 1024


def b64(data):
    return base64.b64encode(data).decode("ascii")


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

    def call(self, fn, **kw):
        return self.controller.call(fn, **kw)

    def assertFails(self, error_type, fn, **kw):
        with self.assertRaises(RemoteError) as caught:
            self.call(fn, **kw)
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
        pending = [self.controller.call_async("put_chunk", transfer=transfer, offset=offset,
                                              data_b64=b64(data[offset:offset + CHUNK]))
                   for offset in (order or offsets)]
        for reply in pending:
            self.assertEqual(self.controller.wait(reply), {})
        return self.call("put_close", transfer=transfer,
                         sha1=sha1 or hashlib.sha1(data).hexdigest())

    def test_put_small_new_file(self):
        dest = os.path.join(self.dir, "small")
        data = b"hello \x00 world\n"
        self.assertEqual(self.call("put_small", dest=dest, mode=0o777, data_b64=b64(data)),
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
        self.call("put_small", dest=dest, mode=0o755, data_b64=b64(b"new"))
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
        self.call("put_chunk", transfer=transfer, offset=0, data_b64=b64(b"01234"))
        self.assertEqual(len(self.leftovers()), 1)
        self.assertEqual(self.call("put_abort", transfer=transfer), {})
        self.assertEqual(self.leftovers(), [])
        self.assertFalse(os.path.exists(dest))
        self.assertEqual(self.call("put_abort", transfer=transfer), {})
        message = self.assertFails("spindle.TransferError", "put_chunk", transfer=transfer,
                                   offset=5, data_b64=b64(b"56789"))
        self.assertIn(transfer, message)

    def test_missing_directory(self):
        dest = os.path.join(self.dir, "no", "such", "dir", "file")
        message = self.assertFails("FileNotFoundError", "put_small", dest=dest, mode=0o644,
                                   data_b64=b64(b"x"))
        self.assertIn(dest, message)
        message = self.assertFails("FileNotFoundError", "put_open", dest=dest, size=1, mode=None)
        self.assertIn(dest, message)

    def test_directory_as_destination(self):
        message = self.assertFails("IsADirectoryError", "put_small", dest=self.dir, mode=None,
                                   data_b64=b64(b"x"))
        self.assertIn(self.dir, message)


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
                self.call("put_chunk", transfer=transfer, offset=offset,
                          data_b64=b64(bytes(CHUNK)))
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

    def test_fetch_in_raw_chunks(self):
        src = os.path.join(self.dir, "src")
        data = os.urandom(2 * CHUNK + 999)
        with open(src, "wb") as f:
            f.write(data)
        opened = self.call("fetch_open", src=src)
        self.assertEqual(opened["size"], len(data))
        chunks = {}
        for offset in reversed(range(0, len(data), CHUNK)):
            chunk = self.call("fetch_chunk", transfer=opened["transfer"], offset=offset,
                              length=CHUNK)
            self.assertIsInstance(chunk, bytes)  # a RAW reply frame, not JSON
            chunks[offset] = chunk
        self.assertEqual(b"".join(chunks[k] for k in sorted(chunks)), data)
        self.assertEqual(self.call("fetch_close", transfer=opened["transfer"]), {})
        self.assertFails("spindle.TransferError", "fetch_chunk", transfer=opened["transfer"],
                         offset=0, length=1)

    def test_empty_file(self):
        src = os.path.join(self.dir, "empty")
        open(src, "w").close()
        opened = self.call("fetch_open", src=src)
        self.assertEqual(opened["size"], 0)
        self.assertEqual(self.call("fetch_chunk", transfer=opened["transfer"], offset=0,
                                   length=CHUNK), b"")

    def test_missing_file_and_directory(self):
        src = os.path.join(self.dir, "missing")
        self.assertIn(src, self.assertFails("FileNotFoundError", "fetch_open", src=src))
        self.assertIn(self.dir, self.assertFails("IsADirectoryError", "fetch_open", src=self.dir))


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
        self.assertFails("spindle.TransferError", "put_chunk", transfer=transfer, offset=0,
                         data_b64=b64(b"x"))


if __name__ == "__main__":
    unittest.main()
