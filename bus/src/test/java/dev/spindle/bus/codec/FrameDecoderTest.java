package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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
    void announcedPayloadIsHeldOnlyAsFarAsItArrived() throws FrameException {
        decoder.feed(header(1000).appendBuffer(Buffer.buffer(new byte[100])), frames::add);

        assertEquals(Protocol.HEADER_SIZE + 100, decoder.bufferedBytes());
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

    private static Buffer header(int length) {
        return FrameEncoder.encode(new Frame(0, 1000, 2, 0, 0, Buffer.buffer(new byte[length]))).getBuffer(0,
                Protocol.HEADER_SIZE);
    }
}
