package dev.spindle.bus;

import java.nio.charset.StandardCharsets;

/**
 * The wire constants of docs/protocol.md, defined once for the Java side.
 *
 * <p>The Python twin is {@code spindle_agent/protocol.py}; {@code ProtocolTest} checks these values
 * against the shared frame vectors and against the tables in docs/protocol.md.
 */
public final class Protocol {

    /** First magic byte, {@code 'S'} (0x53). */
    public static final byte MAGIC_0 = 'S';
    /** Second magic byte, {@code 'P'} (0x50). */
    public static final byte MAGIC_1 = 'P';
    /** The only protocol version this code speaks. */
    public static final int VERSION = 1;
    /** Bytes before the payload: magic, version, flags, dst, src, handle, reply_to, length. */
    public static final int HEADER_SIZE = 24;

    /** Payload is raw bytes; without it the payload is UTF-8 JSON. */
    public static final int FLAG_RAW = 1;
    /** Last chunk of a stream. */
    public static final int FLAG_LAST = 2;
    /** Payload is a remote error {@code {"type", "message", "traceback"}}. */
    public static final int FLAG_ERROR = 4;
    /** Every flag bit this version defines; any other bit set is a decoding error. */
    public static final int KNOWN_FLAGS = FLAG_RAW | FLAG_LAST | FLAG_ERROR;

    /** Largest payload a reader accepts unless configured otherwise: 32 MiB. */
    public static final int DEFAULT_MAX_FRAME = 32 * 1024 * 1024;

    /** The controller's context id. */
    public static final int CONTROLLER_ID = 0;
    /** Ids handed to one login stream: the agent at {@code base}, its become children after it. */
    public static final int ID_BLOCK = 1000;

    /** Handle of the agent's function-call receiver; sent by the parent only. */
    public static final int HANDLE_CALL = 1;
    /** Handle of the controller's log receiver. */
    public static final int HANDLE_LOG = 2;
    /** Handle of the controller's source service. */
    public static final int HANDLE_GET_SOURCE = 3;
    /** Handle of the agent's cancel receiver; sent by the parent only. */
    public static final int HANDLE_CANCEL = 4;
    /** Handle of the agent's receiver of calls answered by a stream of replies; sent by the parent only. */
    public static final int HANDLE_STREAM_CALL = 5;
    /** Handle of the agent's receiver of credit for a stream of replies; sent by the parent only. */
    public static final int HANDLE_CREDIT = 6;
    /** Largest window of a streamed call: items the caller may hold unconsumed. */
    public static final int MAX_WINDOW = 1024;
    /** Handles from here on are reply handles allocated by whoever sends a request. */
    public static final int FIRST_REPLY_HANDLE = 1000;

    /** What an agent writes once it speaks frames; everything before it is login noise. */
    public static final String READY_MARKER = "SPINDLE-READY\n";
    /** Most bytes of login noise tolerated before the ready marker: 64 KiB. */
    public static final int MAX_PREAMBLE = 64 * 1024;

    private Protocol() {
    }

    /** The ready marker as bytes; a fresh array each call because arrays cannot be constant. */
    public static byte[] readyMarkerBytes() {
        return READY_MARKER.getBytes(StandardCharsets.US_ASCII);
    }
}
