package dev.spindle.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;

import java.util.Objects;

/**
 * One message on the wire (docs/protocol.md §1).
 *
 * <p>Ids and handles are unsigned 32-bit values carried in {@code int}s: compare them for equality
 * freely, but use {@link Integer#toUnsignedLong} or {@link Integer#toUnsignedString} for ordering
 * and printing.
 */
public record Frame(int dst, int src, int handle, int replyTo, int flags, Buffer payload) {

    public Frame {
        Objects.requireNonNull(payload, "payload");
        if ((flags & ~Protocol.KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown flag bits 0x" + Integer.toHexString(flags));
        }
    }

    /** A frame whose payload is {@code value} encoded as JSON (a JsonObject, JsonArray, String, number, ...). */
    public static Frame json(int dst, int src, int handle, int replyTo, Object value) {
        return new Frame(dst, src, handle, replyTo, 0, Json.encodeToBuffer(value));
    }

    /** A frame carrying raw bytes. */
    public static Frame raw(int dst, int src, int handle, int replyTo, Buffer bytes) {
        return new Frame(dst, src, handle, replyTo, Protocol.FLAG_RAW, bytes);
    }

    public boolean isRaw() {
        return (flags & Protocol.FLAG_RAW) != 0;
    }

    public boolean isLast() {
        return (flags & Protocol.FLAG_LAST) != 0;
    }

    public boolean isError() {
        return (flags & Protocol.FLAG_ERROR) != 0;
    }

    /**
     * The decoded JSON payload: a JsonObject, JsonArray, String, Number, Boolean or null.
     *
     * @throws IllegalStateException if the frame is {@linkplain #isRaw() raw}
     * @throws DecodeException       if the payload is not valid JSON
     */
    public Object json() {
        if (isRaw()) {
            throw new IllegalStateException("raw frame has no JSON payload: " + this);
        }
        return Json.decodeValue(payload);
    }

    /** Prints the header and the payload length; payloads can be megabytes and may hold secrets. */
    @Override
    public String toString() {
        return "Frame[dst=" + Integer.toUnsignedString(dst)
                + ", src=" + Integer.toUnsignedString(src)
                + ", handle=" + Integer.toUnsignedString(handle)
                + ", replyTo=" + Integer.toUnsignedString(replyTo)
                + ", flags=" + flags
                + ", length=" + payload.length() + "]";
    }
}
