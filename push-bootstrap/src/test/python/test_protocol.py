"""The agent's protocol constants against the tables in docs/protocol.md."""

import re
import unittest

from agent_harness import PROTOCOL_DOC
from spindle_agent import protocol


class ProtocolDocTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(PROTOCOL_DOC, encoding="utf-8") as f:
            cls.doc = " ".join(f.read().split())  # prose wraps anywhere

    def assertDocSays(self, text):
        self.assertTrue(text in self.doc, "docs/protocol.md does not say %r" % text)

    def test_handle_table(self):
        handles = dict((name, int(number)) for number, name in
                       re.findall(r"\| (\d+) \| `([A-Z_]+)` \|", self.doc))
        self.assertEqual(handles, {"CALL": protocol.HANDLE_CALL, "LOG": protocol.HANDLE_LOG,
                                   "GET_SOURCE": protocol.HANDLE_GET_SOURCE,
                                   "CANCEL": protocol.HANDLE_CANCEL,
                                   "STREAM_CALL": protocol.HANDLE_STREAM_CALL,
                                   "CREDIT": protocol.HANDLE_CREDIT})
        self.assertDocSays("handles `>= %d` are reply handles" % protocol.FIRST_REPLY_HANDLE)

    def test_flag_bits(self):
        bits = dict((name, 1 << int(bit)) for bit, name in re.findall(r"bit(\d) `(\w+)`", self.doc))
        self.assertEqual(bits, {"RAW": protocol.FLAG_RAW, "LAST": protocol.FLAG_LAST,
                                "ERROR": protocol.FLAG_ERROR})

    def test_header(self):
        self.assertDocSays("`SP` (0x53 0x50)")
        self.assertEqual(protocol.MAGIC, b"\x53\x50")
        self.assertDocSays("protocol version, `%d`" % protocol.VERSION)
        self.assertDocSays("The header is %d bytes (`HEADER_SIZE`)" % protocol.HEADER_SIZE)
        self.assertDocSays("`MAX_FRAME = %d MiB`" % (protocol.MAX_FRAME >> 20))
        self.assertDocSays("The controller is context `%d`" % protocol.CONTROLLER_ID)

    def test_ready_marker(self):
        self.assertDocSays("`%s\\n`" % protocol.READY_MARKER.decode().strip())
        self.assertDocSays("up to %d KiB of bytes before the marker"
                      % (protocol.MAX_PREAMBLE >> 10))


if __name__ == "__main__":
    unittest.main()
