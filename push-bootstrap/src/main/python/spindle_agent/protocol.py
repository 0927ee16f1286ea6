"""Wire constants of the Spindle protocol (docs/protocol.md sections 1-3).

Contract: the single Python copy of the numbers the Java side keeps in
dev.spindle.bus.Protocol; tests check them against the shared frame vectors and the
handle table in docs/protocol.md. Nothing else lives here.
"""

__all__ = [
    "MAGIC", "VERSION", "HEADER_SIZE", "FLAG_RAW", "FLAG_LAST", "FLAG_ERROR", "KNOWN_FLAGS",
    "MAX_FRAME", "CONTROLLER_ID", "HANDLE_CALL", "HANDLE_LOG", "HANDLE_GET_SOURCE",
    "HANDLE_CANCEL", "HANDLE_STREAM_CALL", "HANDLE_CREDIT", "FIRST_REPLY_HANDLE", "READY_MARKER", "MAX_PREAMBLE",
]

MAGIC = b"SP"
VERSION = 1
HEADER_SIZE = 24

FLAG_RAW = 0x01     # payload is raw bytes, not UTF-8 JSON
FLAG_LAST = 0x02    # last chunk of a stream
FLAG_ERROR = 0x04   # payload is a remote error {"type", "message", "traceback"}
KNOWN_FLAGS = FLAG_RAW | FLAG_LAST | FLAG_ERROR

MAX_FRAME = 32 * 1024 * 1024

CONTROLLER_ID = 0

HANDLE_CALL = 1
HANDLE_LOG = 2
HANDLE_GET_SOURCE = 3
HANDLE_CANCEL = 4
HANDLE_STREAM_CALL = 5
HANDLE_CREDIT = 6
FIRST_REPLY_HANDLE = 1000

READY_MARKER = b"SPINDLE-READY\n"
# Bytes a peer may print before its ready marker (a noisy login shell, a sudo lecture).
MAX_PREAMBLE = 64 * 1024
