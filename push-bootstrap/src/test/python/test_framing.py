"""The frame codec against the shared vectors, and fuzzed with malformed input."""

import json
import random
import struct
import unittest

from agent_harness import VECTORS
from spindle_agent.framing import Decoder, Frame, FrameError, encode
from spindle_agent.protocol import HEADER_SIZE, MAGIC, MAX_FRAME

CASES = 10000
SEED = 20240611


def load_vectors():
    with open(VECTORS) as f:
        return json.load(f)


def decode_all(data, max_frame=MAX_FRAME, chunk=None):
    """Feed data (in chunks of `chunk` bytes, or at once), then close the stream."""
    decoder = Decoder(max_frame)
    step = chunk or max(1, len(data))
    frames = []
    for start in range(0, len(data), step):
        frames += decoder.feed(data[start:start + step])
    decoder.close()
    return frames


class VectorTest(unittest.TestCase):

    def setUp(self):
        self.vectors = load_vectors()

    def test_constants_match_vectors(self):
        self.assertEqual(self.vectors["max_frame"], MAX_FRAME)
        self.assertEqual(self.vectors["header_size"], HEADER_SIZE)

    def test_valid_vectors_decode_to_their_fields_and_encode_to_their_bytes(self):
        for vector in self.vectors["valid"]:
            with self.subTest(vector["name"]):
                data = bytes.fromhex(vector["hex"])
                expected = Frame(vector["flags"], vector["dst"], vector["src"], vector["handle"],
                                 vector["reply_to"], bytes.fromhex(vector["payload_hex"]))
                self.assertEqual(decode_all(data), [expected])
                self.assertEqual(decode_all(data, chunk=1), [expected])
                self.assertEqual(encode(expected.dst, expected.src, expected.handle,
                                        expected.reply_to, expected.payload, expected.flags),
                                 data)

    def test_all_valid_vectors_in_one_stream(self):
        data = b"".join(bytes.fromhex(v["hex"]) for v in self.vectors["valid"])
        self.assertEqual(len(decode_all(data, chunk=7)), len(self.vectors["valid"]))

    def test_invalid_vectors_fail_with_their_error(self):
        for vector in self.vectors["invalid"]:
            with self.subTest(vector["name"]):
                data = bytes.fromhex(vector["hex"])
                decoder = Decoder(self.vectors["max_frame"])
                if vector.get("at_eof"):
                    self.assertEqual(decoder.feed(data), [])
                    with self.assertRaisesRegex(FrameError, vector["error"]):
                        decoder.close()
                else:
                    with self.assertRaisesRegex(FrameError, vector["error"]):
                        decoder.feed(data)

    def test_messages_name_what_was_seen(self):
        with self.assertRaisesRegex(FrameError, "offset 0: got 5850"):
            decode_all(bytes.fromhex("5850" + "00" * 22))
        with self.assertRaisesRegex(FrameError, "frame of 4294967295 bytes exceeds the "
                                                "maximum of 33554432"):
            decode_all(encode(0, 0, 0, 0, b"")[:20] + b"\xff\xff\xff\xff")
        with self.assertRaisesRegex(FrameError, r"inside a frame \(27 of 29 bytes\)"):
            decode_all(encode(0, 0, 0, 0, b"hello")[:-2])


class FuzzTest(unittest.TestCase):
    """Whatever the bytes, the decoder returns frames or raises FrameError, and never holds
    more than max_frame + HEADER_SIZE bytes."""

    MAX = 4096

    def setUp(self):
        self.rng = random.Random(SEED)

    def feed_randomly(self, data, max_frame=MAX):
        """Feed data in random chunks; return (frames, error or None)."""
        decoder = Decoder(max_frame)
        frames = []
        position = 0
        try:
            while position < len(data):
                step = self.rng.randint(1, 64)
                frames += decoder.feed(data[position:position + step])
                position += step
                self.assertLessEqual(decoder.buffered, max_frame + HEADER_SIZE)
            decoder.close()
        except FrameError as exc:
            return frames + exc.frames, exc
        return frames, None

    def random_frame(self, max_payload=64):
        payload = bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, max_payload)))
        ids = [self.rng.getrandbits(32) for _ in range(4)]
        return encode(ids[0], ids[1], ids[2], ids[3], payload, self.rng.choice([0, 1, 2, 3, 4, 7]))

    def test_truncated_frames_error_only_at_end_of_stream(self):
        for _ in range(CASES):
            whole = self.random_frame()
            cut = self.rng.randint(1, len(whole) - 1)
            frames, error = self.feed_randomly(whole + whole[:cut])
            self.assertEqual(len(frames), 1)
            self.assertIn("inside a frame", str(error))

    def test_bad_magic(self):
        for _ in range(CASES):
            frame = bytearray(self.random_frame())
            frame[self.rng.randint(0, 1)] ^= self.rng.randint(1, 255)
            frames, error = self.feed_randomly(bytes(frame))
            self.assertEqual(frames, [])
            self.assertIn("magic", str(error))

    def test_any_length_is_checked_before_buffering(self):
        for _ in range(CASES):
            length = self.rng.choice([self.rng.getrandbits(32), self.rng.randint(0, 2 * self.MAX),
                                      2 ** 32 - 1])
            header = MAGIC + bytes([1, 0]) + struct.pack(">IIIII", 1, 2, 3, 4, length)
            body = bytes(self.rng.randint(0, 2 * self.MAX))
            frames, error = self.feed_randomly(header + body)
            if length > self.MAX:
                self.assertIn("exceeds the maximum", str(error))
            elif length <= len(body):
                self.assertEqual(len(frames[0].payload), length)
            else:
                self.assertIn("inside a frame", str(error))

    def test_random_bytes(self):
        for _ in range(CASES):
            data = bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 80)))
            if self.rng.random() < 0.5:  # often a plausible header, so later checks get hit
                data = MAGIC + bytes([1]) + data
            self.feed_randomly(data)

    def test_random_bytes_with_the_default_maximum(self):
        for _ in range(CASES):
            header = MAGIC + bytes([1, self.rng.getrandbits(3)])
            data = header + bytes(self.rng.getrandbits(8) for _ in range(40))
            frames, error = self.feed_randomly(data, MAX_FRAME)
            self.assertTrue(frames or error)


if __name__ == "__main__":
    unittest.main()
