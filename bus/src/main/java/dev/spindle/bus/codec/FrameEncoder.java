package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;

/** Turns a {@link Frame} into its wire bytes (docs/protocol.md §1). */
public final class FrameEncoder {

    private FrameEncoder() {
    }

    /** The header followed by the payload, in one buffer ready to write. */
    public static Buffer encode(Frame frame) {
        Buffer payload = frame.payload();
        return Buffer.buffer(Protocol.HEADER_SIZE + payload.length())
                .appendByte(Protocol.MAGIC_0)
                .appendByte(Protocol.MAGIC_1)
                .appendByte((byte) Protocol.VERSION)
                .appendByte((byte) frame.flags())
                .appendInt(frame.dst())
                .appendInt(frame.src())
                .appendInt(frame.handle())
                .appendInt(frame.replyTo())
                .appendInt(payload.length())
                .appendBuffer(payload);
    }
}
