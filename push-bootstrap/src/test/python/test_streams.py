"""Streamed replies (docs/protocol.md section 3): items under credit, then a LAST reply or an
ERROR, against a real agent; fetch_stream is the function that streams."""

import hashlib
import json
import os
import shutil
import tempfile

from agent_harness import RemoteError, SharedAgentTestCase
from spindle_agent.protocol import FLAG_ERROR, FLAG_LAST, FLAG_RAW

QUIET = 0.3  # seconds to wait for a frame that must not come


class StreamTest(SharedAgentTestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="spindle-streams-")
        self.path = os.path.join(self.dir, "data")
        self.data = os.urandom(4500)
        with open(self.path, "wb") as f:
            f.write(self.data)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def item(self, reply_to):
        frame = self.controller.next_reply(reply_to)
        self.assertIsNotNone(frame, "no item")
        self.assertEqual(frame.flags, FLAG_RAW, "an item is raw and not LAST")
        return frame.payload

    def end(self, reply_to):
        frame = self.controller.next_reply(reply_to)
        self.assertIsNotNone(frame, "no end")
        value = json.loads(frame.payload.decode("utf-8"))
        if frame.flags & FLAG_ERROR:
            raise RemoteError(value)
        self.assertEqual(frame.flags, FLAG_LAST)
        return value

    def test_items_are_sent_only_within_the_credit(self):
        stream = self.controller.stream_async("fetch_stream", 2, src=self.path, chunk_size=1000)
        chunks = [self.item(stream), self.item(stream)]
        self.assertIsNone(self.controller.next_reply(stream, QUIET), "a window of 2 items")

        self.controller.credit(stream, 1)
        chunks.append(self.item(stream))
        self.assertIsNone(self.controller.next_reply(stream, QUIET), "one more for a credit of 1")
        self.controller.credit(stream, 10)
        chunks += [self.item(stream), self.item(stream)]

        self.assertEqual(self.end(stream), {"size": 4500,
                                            "sha1": hashlib.sha1(self.data).hexdigest()})
        self.assertEqual(b"".join(chunks), self.data)
        self.assertEqual([len(chunk) for chunk in chunks], [1000, 1000, 1000, 1000, 500])

    def test_the_end_needs_no_credit(self):
        stream = self.controller.stream_async("fetch_stream", 5, src=self.path, chunk_size=1000)
        for _ in range(5):
            self.item(stream)
        self.assertEqual(self.end(stream)["size"], 4500)

    def test_error_ends_the_stream(self):
        stream = self.controller.stream_async("fetch_stream", 2, src=self.path + ".missing")
        with self.assertRaises(RemoteError) as caught:
            self.end(stream)
        self.assertEqual(caught.exception.type, "FileNotFoundError")
        self.assertIn(self.path + ".missing", caught.exception.message)
        self.assertIsNone(self.controller.next_reply(stream, QUIET))

    def test_cancel_stops_a_stream_waiting_for_credit(self):
        stream = self.controller.stream_async("fetch_stream", 1, src=self.path, chunk_size=1000)
        self.item(stream)
        self.controller.cancel(stream)
        self.controller.credit(stream, 10)  # too late: the call has ended

        self.assertIsNone(self.controller.next_reply(stream, QUIET))
        self.assertEqual(self.controller.call("stats")["calls_in_flight"], 0)

    def test_plain_call_to_a_streaming_function_is_refused(self):
        with self.assertRaises(RemoteError) as caught:
            self.controller.call("fetch_stream", src=self.path)
        self.assertEqual(caught.exception.type, "spindle.StreamRequired")

    def test_stream_call_to_a_plain_function_is_one_last_reply(self):
        stream = self.controller.stream_async("ping", 1)
        self.assertEqual(self.end(stream), {"pid": self.agent.pid})

    def test_stream_call_without_a_window_is_refused(self):
        stream = self.controller.stream_async("fetch_stream", 0, src=self.path)
        with self.assertRaises(RemoteError) as caught:
            self.end(stream)
        self.assertEqual(caught.exception.type, "ValueError")

    def test_malformed_credit_is_ignored(self):
        stream = self.controller.stream_async("fetch_stream", 1, src=self.path, chunk_size=1000)
        self.item(stream)
        for credit in (-5, 0, "10", True, None):
            self.controller.credit(stream, credit)
        self.assertIsNone(self.controller.next_reply(stream, QUIET))
        self.controller.wait_for_log(lambda r: "ignored CREDIT" in r["msg"])
        self.controller.credit(stream, 10)
        for _ in range(4):
            self.item(stream)
        self.assertEqual(self.end(stream)["size"], 4500)
