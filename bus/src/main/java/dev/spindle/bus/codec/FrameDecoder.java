package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Cuts an ordered byte stream, fed in chunks of any size, into {@link Frame}s.
 *
 * <p>Each header field is checked as soon as its bytes are in, so garbage fails on its first two
 * bytes. The length is compared with the maximum before any payload byte is kept. The payload is
 * copied into one buffer that grows by doubling as bytes arrive, never past the announced length:
 * however the stream is chunked (one byte per read included), the decoder holds at most
 * {@code HEADER_SIZE + min(length, max(2 * received, FIRST_CAPACITY))} bytes, so a peer that
 * announces 32 MiB and sends 24 bytes costs 64 KiB, and no frame costs more than its own size.
 *
 * <p>After a {@link FrameException} the decoder is unusable: every later call throws again.
 * Not thread-safe; one decoder per stream, fed from one thread at a time.
 */
public final class FrameDecoder {

    private static final int LENGTH_OFFSET = 20;
    /** The first payload allocation of a large frame; small frames get exactly their length. */
    static final int FIRST_CAPACITY = 64 * 1024;

    private final int maxFrame;
    private final byte[] header = new byte[Protocol.HEADER_SIZE];
    private final ByteBuffer headerFields = ByteBuffer.wrap(header); // big-endian, as on the wire
    private int headerReceived;
    private int payloadLength = -1; // -1 while the header is incomplete
    private Buffer payload; // what arrived of the current payload; null while the header is incomplete
    private int payloadCapacity; // bytes allocated for payload: Buffer has no public capacity
    private long frameOffset; // stream offset of the frame being read, for error messages
    private FrameException failure;

    /** @param maxFrame the largest payload accepted, in bytes */
    public FrameDecoder(int maxFrame) {
        if (maxFrame < 0) {
            throw new IllegalArgumentException("maxFrame must not be negative: " + maxFrame);
        }
        this.maxFrame = maxFrame;
    }

    /** Decodes {@code chunk}, handing each completed frame to {@code sink} in stream order. */
    public void feed(Buffer chunk, Consumer<Frame> sink) throws FrameException {
        checkUsable();
        int position = 0;
        while (position < chunk.length()) {
            position = payloadLength < 0 ? readHeader(chunk, position) : readPayload(chunk, position);
            if (payloadLength >= 0 && payload.length() == payloadLength) {
                sink.accept(takeFrame());
            }
        }
    }

    /** Declares that no more bytes will come; fails if that cuts a frame short. */
    public void endOfStream() throws FrameException {
        checkUsable();
        if (payloadLength >= 0) {
            throw fail("stream ended inside a frame (" + (Protocol.HEADER_SIZE + (long) payload.length()) + " of "
                    + (Protocol.HEADER_SIZE + (long) payloadLength) + " bytes)");
        }
        if (headerReceived > 0) {
            throw fail("stream ended inside a frame (" + headerReceived + " of "
                    + Protocol.HEADER_SIZE + " header bytes)");
        }
    }

    /** Bytes of memory this decoder holds for the current, incomplete frame: header and payload buffer. */
    public long retainedBytes() {
        return Protocol.HEADER_SIZE + (long) payloadCapacity;
    }

    private int readHeader(Buffer chunk, int position) throws FrameException {
        int take = Math.min(Protocol.HEADER_SIZE - headerReceived, chunk.length() - position);
        int before = headerReceived;
        chunk.getBytes(position, position + take, header, before);
        headerReceived += take;
        checkHeaderFrom(before);
        if (headerReceived == Protocol.HEADER_SIZE) {
            payloadLength = checkedLength();
            payload = Buffer.buffer(0);
            payloadCapacity = 0;
        }
        return position + take;
    }

    /** Checks each fixed header byte the moment it arrives. */
    private void checkHeaderFrom(int firstNewByte) throws FrameException {
        int filled = headerReceived;
        if (firstNewByte < 2 && filled >= 2 && (header[0] != Protocol.MAGIC_0 || header[1] != Protocol.MAGIC_1)) {
            throw fail(String.format("bad magic at stream offset %d: expected 53 50 ('SP'), got %02x %02x",
                    frameOffset, unsigned(0), unsigned(1)));
        }
        if (firstNewByte < 3 && filled >= 3 && unsigned(2) != Protocol.VERSION) {
            throw fail(String.format("unsupported protocol version %d at stream offset %d (expected %d)",
                    unsigned(2), frameOffset + 2, Protocol.VERSION));
        }
        if (firstNewByte < 4 && filled >= 4 && (unsigned(3) & ~Protocol.KNOWN_FLAGS) != 0) {
            throw fail(String.format("unknown flags 0x%02x at stream offset %d (known: RAW=1, LAST=2, ERROR=4)",
                    unsigned(3), frameOffset + 3));
        }
    }

    private int checkedLength() throws FrameException {
        long length = Integer.toUnsignedLong(headerFields.getInt(LENGTH_OFFSET));
        if (length > maxFrame) {
            throw fail("frame of " + length + " bytes exceeds the maximum of " + maxFrame
                    + " (at stream offset " + frameOffset + ")");
        }
        return (int) length;
    }

    private int readPayload(Buffer chunk, int position) {
        int take = Math.min(payloadLength - payload.length(), chunk.length() - position);
        ensureCapacity(payload.length() + take);
        payload.appendBuffer(chunk, position, take);
        return position + take;
    }

    /**
     * Grows the payload buffer ourselves rather than letting it grow on append: Netty's policy
     * may overshoot the announced length by up to 4 MiB, this one never does, and the last
     * growth makes the capacity exactly the length, so the finished frame carries no slack.
     */
    private void ensureCapacity(int needed) {
        if (needed <= payloadCapacity) {
            return;
        }
        int capacity = (int) Math.min(payloadLength, Math.max(needed, Math.max(2L * payloadCapacity, FIRST_CAPACITY)));
        payload = Buffer.buffer(capacity).appendBuffer(payload);
        payloadCapacity = capacity;
    }

    private Frame takeFrame() {
        Frame frame = new Frame(headerFields.getInt(4), headerFields.getInt(8), headerFields.getInt(12),
                headerFields.getInt(16), unsigned(3), payload);
        frameOffset += Protocol.HEADER_SIZE + payloadLength;
        headerReceived = 0;
        payloadLength = -1;
        payload = null;
        payloadCapacity = 0;
        return frame;
    }

    private int unsigned(int headerIndex) {
        return header[headerIndex] & 0xff;
    }

    private void checkUsable() throws FrameException {
        if (failure != null) {
            throw new FrameException("decoder already failed: " + failure.getMessage());
        }
    }

    private FrameException fail(String message) {
        failure = new FrameException(message);
        return failure;
    }
}
