package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {

    private final FrameDecoder decoder = new FrameDecoder(1024);
    private final List<Frame> frames = new ArrayList<>();

    @Test
    void severalFramesInOneChunkComeOutInOrder() throws FrameException {
        Frame first = Frame.json(1000, 0, 1, 1000, new JsonObject().put("fn", "ping"));
        Frame empty = new Frame(0, 1000, 2, 0, 0, Buffer.buffer());
        Frame raw = Frame.raw(1000, 0, 1234, 0, Buffer.buffer(new byte[]{0, 1, 2}));

        decoder.feed(FrameEncoder.encode(first).appendBuffer(FrameEncoder.encode(empty))
                .appendBuffer(FrameEncoder.encode(raw)), frames::add);

        assertEquals(List.of(first, empty, raw), frames);
    }

    @Test
    void oversizedLengthFailsAsSoonAsTheHeaderIsIn() {
        FrameException e = assertThrows(FrameException.class, () -> decoder.feed(header(1025), frames::add));

        assertEquals("frame of 1025 bytes exceeds the maximum of 1024 (at stream offset 0)", e.getMessage());
    }

    @Test
    void lengthAtTheMaximumIsAccepted() throws FrameException {
        decoder.feed(header(1024).appendBuffer(Buffer.buffer(new byte[1024])), frames::add);

        assertEquals(1024, frames.get(0).payload().length());
    }

    @Test
    void badMagicFailsOnItsSecondByte() {
        FrameException e = assertThrows(FrameException.class,
                () -> decoder.feed(Buffer.buffer("HTTP/1.1"), frames::add));

        assertEquals("bad magic at stream offset 0: expected 53 50 ('SP'), got 48 54", e.getMessage());
    }

    @Test
    void errorNamesTheStreamOffsetOfTheBadFrame() throws FrameException {
        decoder.feed(header(3).appendString("abc"), frames::add);

        FrameException e = assertThrows(FrameException.class, () -> decoder.feed(Buffer.buffer("SP\2"), frames::add));
        assertTrue(e.getMessage().contains("at stream offset 29"), e.getMessage());
    }

    @Test
    void announcedPayloadIsNotAllocatedBeforeItArrives() throws FrameException {
        FrameDecoder decoder = new FrameDecoder(Protocol.DEFAULT_MAX_FRAME);

        decoder.feed(header(Protocol.DEFAULT_MAX_FRAME).appendBuffer(Buffer.buffer(new byte[100])), frames::add);

        assertEquals(Protocol.HEADER_SIZE + FrameDecoder.FIRST_CAPACITY, decoder.retainedBytes());
    }

    @Test
    void memoryHeldStaysWithinTheAnnouncedLengthAndTwiceWhatArrived() throws FrameException {
        int length = 3 * FrameDecoder.FIRST_CAPACITY + 5; // the last doubling is cut back to the length
        FrameDecoder decoder = new FrameDecoder(length);
        Buffer wire = FrameEncoder.encode(Frame.raw(1000, 0, 1, 0, Buffer.buffer(new byte[length])));

        for (int i = 0; i < wire.length() - 1; i++) {
            decoder.feed(wire.getBuffer(i, i + 1), frames::add);
            long received = Math.max(0, i + 1 - Protocol.HEADER_SIZE);
            long held = decoder.retainedBytes() - Protocol.HEADER_SIZE;
            assertTrue(held <= length && held <= Math.max(2 * received, FrameDecoder.FIRST_CAPACITY),
                    "holds " + held + " bytes after " + received + " of " + length);
        }
        decoder.feed(wire.getBuffer(wire.length() - 1, wire.length()), frames::add);

        assertEquals(length, frames.get(0).payload().length());
        assertEquals(Protocol.HEADER_SIZE, decoder.retainedBytes());
    }

    @Test
    void streamCutInsideThePayloadReportsHowFarItGot() throws FrameException {
        decoder.feed(header(5).appendString("hel"), frames::add);

        FrameException e = assertThrows(FrameException.class, decoder::endOfStream);
        assertEquals("stream ended inside a frame (27 of 29 bytes)", e.getMessage());
    }

    @Test
    void streamEndingBetweenFramesIsClean() throws FrameException {
        decoder.feed(header(0), frames::add);

        assertDoesNotThrow(decoder::endOfStream);
        assertEquals(1, frames.size());
    }

    @Test
    void failedDecoderRefusesFurtherInput() {
        assertThrows(FrameException.class, () -> decoder.feed(Buffer.buffer("XX"), frames::add));

        FrameException again = assertThrows(FrameException.class, () -> decoder.feed(header(0), frames::add));
        assertTrue(again.getMessage().startsWith("decoder already failed: bad magic"), again.getMessage());
    }

    /**
     * The attack of the security review: a frame dribbled in one byte per read. Kept as one
     * {@code Buffer} per piece, each byte cost about 110 bytes of heap (3.4 GiB for 32 MiB).
     * Counted as bytes allocated on this thread, which no garbage collection can blur.
     */
    @Test
    void frameFedOneByteAtATimeAllocatesLittleMoreThanItsPayload() throws FrameException {
        int length = 1 << 20;
        FrameDecoder decoder = new FrameDecoder(length);
        Buffer wire = FrameEncoder.encode(Frame.raw(1000, 0, 1, 0, Buffer.buffer(new byte[length])));
        Buffer oneByte = Buffer.buffer(new byte[1]); // reused: the decoder must copy what it keeps
        Consumer<Frame> sink = frames::add; // made once: each method reference is an allocation

        long before = allocatedByThisThread();
        for (int i = 0; i < wire.length(); i++) {
            decoder.feed(oneByte.setByte(0, wire.getByte(i)), sink);
        }
        long allocated = allocatedByThisThread() - before;

        assertEquals(1, frames.size());
        assertTrue(allocated < 3L * length, "allocated " + allocated + " bytes for a payload of " + length);
    }

    private static long allocatedByThisThread() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static Buffer header(int length) {
        return FrameEncoder.encode(new Frame(0, 1000, 2, 0, 0, Buffer.buffer(new byte[length]))).getBuffer(0,
                Protocol.HEADER_SIZE);
    }
}
