"""Frame encoding and incremental decoding (docs/protocol.md section 1).

Contract:
- encode(...) returns the bytes of one frame; it never checks routing, only the format.
- Decoder.feed(data) returns the complete frames found so far and keeps the rest. It checks
  magic, version, flag bits and then the length against its maximum before it buffers a
  single payload byte, so its buffer never holds more than max_frame + HEADER_SIZE bytes.
- Decoder.close() is called at end of stream and raises if the stream stopped inside a frame.
- Every malformed input raises FrameError, never another exception; the frames the same
  feed() completed before the bad one are in its `frames` attribute. After a FrameError the
  stream is unusable and must be closed.
"""

import collections
import struct

from .protocol import HEADER_SIZE, KNOWN_FLAGS, MAGIC, MAX_FRAME, VERSION

__all__ = ["Frame", "FrameError", "Decoder", "encode"]

_HEADER = struct.Struct(">2sBBIIIII")

Frame = collections.namedtuple("Frame", "flags dst src handle reply_to payload")


class FrameError(Exception):
    """The byte stream does not follow the frame format."""

    def __init__(self, message, frames=()):
        Exception.__init__(self, message)
        self.frames = list(frames)  # complete frames that preceded the bad one


def encode(dst, src, handle, reply_to, payload, flags=0):
    """Return one frame as bytes."""
    return _HEADER.pack(MAGIC, VERSION, flags, dst, src, handle, reply_to, len(payload)) + payload


def _parse_header(header, max_frame):
    """Return (flags, dst, src, handle, reply_to, length) or raise FrameError."""
    magic, version, flags, dst, src, handle, reply_to, length = _HEADER.unpack_from(header)
    if magic != MAGIC:
        raise FrameError("bad magic at offset 0: got %s, expected %s" % (magic.hex(), MAGIC.hex()))
    if version != VERSION:
        raise FrameError("unsupported version at offset 2: got %d, expected %d" % (version, VERSION))
    if flags & ~KNOWN_FLAGS:
        raise FrameError("unknown flags at offset 3: got 0x%02x" % flags)
    if length > max_frame:
        raise FrameError("frame of %d bytes exceeds the maximum of %d" % (length, max_frame))
    return flags, dst, src, handle, reply_to, length


class Decoder(object):
    """Turns the chunks of one byte stream into Frames."""

    def __init__(self, max_frame=MAX_FRAME):
        self.max_frame = max_frame
        self._buffer = bytearray()  # the incomplete header, or the incomplete payload
        self._header = None         # parsed header of the frame whose payload is incomplete

    @property
    def buffered(self):
        """Bytes held for an incomplete frame."""
        return len(self._buffer)

    def feed(self, data):
        frames = []
        view = memoryview(data)
        try:
            while view:
                if self._header is None:
                    view = self._take_header(view)
                    if self._header is None:
                        break
                view = self._take_payload(view, frames)
                if self._header is not None:
                    break
        except FrameError as exc:
            exc.frames = frames
            raise
        return frames

    def close(self):
        if self._header is not None:
            expected = HEADER_SIZE + self._header[-1]
            received = HEADER_SIZE + len(self._buffer)
        elif self._buffer:
            expected, received = HEADER_SIZE, len(self._buffer)
        else:
            return
        raise FrameError("stream ended inside a frame (%d of %d bytes)" % (received, expected))

    def _take_header(self, view):
        # Fast path: the whole header is in this chunk, parse it without copying.
        if not self._buffer and len(view) >= HEADER_SIZE:
            self._header = _parse_header(view, self.max_frame)
            return view[HEADER_SIZE:]
        missing = HEADER_SIZE - len(self._buffer)
        self._buffer += view[:missing]
        if len(self._buffer) == HEADER_SIZE:
            self._header = _parse_header(self._buffer, self.max_frame)
            del self._buffer[:]
        return view[missing:]

    def _take_payload(self, view, frames):
        length = self._header[-1]
        if not self._buffer and len(view) >= length:
            payload = view[:length].tobytes()
            view = view[length:]
        else:
            missing = length - len(self._buffer)
            self._buffer += view[:missing]
            view = view[missing:]
            if len(self._buffer) < length:
                return view
            payload = bytes(self._buffer)
            del self._buffer[:]
        frames.append(Frame(*(self._header[:5] + (payload,))))
        self._header = None
        return view
