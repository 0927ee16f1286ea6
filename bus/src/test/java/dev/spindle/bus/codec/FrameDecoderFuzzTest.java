package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed input, 10,000 fixed-seed cases per kind, fed in random chunk sizes. The decoder may
 * only produce frames or a {@link FrameException}, and never hold more than one maximal frame.
 */
class FrameDecoderFuzzTest {

    private static final int CASES = 10_000;
    private static final int MAX_FRAME = 4096;

    /** What one case produced; any exception other than FrameException escapes and fails the test. */
    private record Outcome(List<Frame> frames, FrameException error) {
    }

    @Test
    void truncatedFramesFailOnlyAtEndOfStream() {
        Random random = new Random(1);
        for (int i = 0; i < CASES; i++) {
            int complete = random.nextInt(3);
            Buffer input = Buffer.buffer();
            for (int f = 0; f < complete; f++) {
                input.appendBuffer(randomFrame(random));
            }
            Buffer last = randomFrame(random);
            input.appendBuffer(last.getBuffer(0, 1 + random.nextInt(last.length() - 1)));

            Outcome outcome = decode(input, random);

            assertNotNull(outcome.error(), "case " + i);
            assertTrue(outcome.error().getMessage().startsWith("stream ended inside a frame"), outcome.error()::getMessage);
            assertEquals(complete, outcome.frames().size(), "case " + i);
        }
    }

    @Test
    void badMagicIsReportedAsSuch() {
        Random random = new Random(2);
        for (int i = 0; i < CASES; i++) {
            Buffer good = random.nextBoolean() ? randomFrame(random) : Buffer.buffer();
            Buffer bad = randomFrame(random);
            do {
                bad.setByte(0, (byte) random.nextInt(256)).setByte(1, (byte) random.nextInt(256));
            } while (bad.getByte(0) == Protocol.MAGIC_0 && bad.getByte(1) == Protocol.MAGIC_1);

            Outcome outcome = decode(good.copy().appendBuffer(bad), random);

            assertNotNull(outcome.error(), "case " + i);
            assertTrue(outcome.error().getMessage().contains("magic"), outcome.error()::getMessage);
            assertEquals(good.length() > 0 ? 1 : 0, outcome.frames().size(), "case " + i);
        }
    }

    @Test
    void anyLengthUpTo2pow32Minus1IsCheckedBeforeItIsBuffered() {
        Random random = new Random(3);
        for (int i = 0; i < CASES; i++) {
            long length = random.nextBoolean() ? random.nextLong() & 0xFFFFFFFFL : random.nextInt(2 * MAX_FRAME + 2);
            int sent = (int) Math.min(length, random.nextInt(2 * MAX_FRAME));
            Buffer input = header((int) length).appendBuffer(Buffer.buffer(new byte[sent]));

            Outcome outcome = decode(input, random);

            if (length > MAX_FRAME) {
                assertTrue(outcome.error().getMessage().contains("exceeds the maximum of " + MAX_FRAME),
                        outcome.error()::getMessage);
            } else if (sent == length) {
                assertNull(outcome.error(), "case " + i);
                assertEquals(length, outcome.frames().get(0).payload().length());
            } else {
                assertTrue(outcome.error().getMessage().contains("inside a frame"), outcome.error()::getMessage);
            }
        }
    }

    @Test
    void randomBytesYieldOnlyFramesOrFrameErrors() {
        Random random = new Random(4);
        for (int i = 0; i < CASES; i++) {
            byte[] noise = new byte[random.nextInt(300)];
            random.nextBytes(noise);
            // half the cases start like a frame, to get past the magic into the later checks
            Buffer input = random.nextBoolean() ? Buffer.buffer("SP\1") : Buffer.buffer();

            decode(input.appendBytes(noise), random);
        }
    }

    /** Feeds {@code input} in random chunk sizes, checking the buffering bound after every chunk. */
    private static Outcome decode(Buffer input, Random random) {
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME);
        List<Frame> frames = new ArrayList<>();
        try {
            int position = 0;
            while (position < input.length()) {
                int end = Math.min(input.length(), position + 1 + random.nextInt(random.nextBoolean() ? 8 : 600));
                decoder.feed(input.getBuffer(position, end), frames::add);
                assertTrue(decoder.retainedBytes() <= Protocol.HEADER_SIZE + MAX_FRAME, "decoder holds too much");
                position = end;
            }
            decoder.endOfStream();
            return new Outcome(frames, null);
        } catch (FrameException e) {
            return new Outcome(frames, e);
        }
    }

    private static Buffer randomFrame(Random random) {
        byte[] payload = new byte[random.nextInt(200)];
        random.nextBytes(payload);
        return FrameEncoder.encode(new Frame(random.nextInt(), random.nextInt(), random.nextInt(), random.nextInt(),
                random.nextInt(Protocol.KNOWN_FLAGS + 1), Buffer.buffer(payload)));
    }

    private static Buffer header(int length) {
        return Buffer.buffer().appendByte(Protocol.MAGIC_0).appendByte(Protocol.MAGIC_1)
                .appendByte((byte) Protocol.VERSION).appendByte((byte) 0)
                .appendInt(0).appendInt(1000).appendInt(2).appendInt(0).appendInt(length);
    }
}
