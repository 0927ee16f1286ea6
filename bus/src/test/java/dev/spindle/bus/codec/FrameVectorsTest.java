package dev.spindle.bus.codec;

import dev.spindle.bus.Frame;
import io.vertx.core.buffer.Buffer;
import dev.spindle.bus.testing.SharedVectors;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static dev.spindle.bus.Protocol.DEFAULT_MAX_FRAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The codec against the vectors the Python agent is tested with too (frames/vectors.json). */
class FrameVectorsTest {

    static Stream<JsonObject> valid() {
        return SharedVectors.vectors().getJsonArray("valid").stream().map(JsonObject.class::cast);
    }

    static Stream<JsonObject> invalidMidStream() {
        return SharedVectors.vectors().getJsonArray("invalid").stream().map(JsonObject.class::cast)
                .filter(vector -> !vector.getBoolean("at_eof", false));
    }

    static Stream<JsonObject> invalidAtEof() {
        return SharedVectors.vectors().getJsonArray("invalid").stream().map(JsonObject.class::cast)
                .filter(vector -> vector.getBoolean("at_eof", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validVectorDecodesToItsFields(JsonObject vector) throws FrameException {
        Frame frame = decodeOne(bytes(vector, "hex"));

        assertEquals(vector.getLong("dst"), Integer.toUnsignedLong(frame.dst()));
        assertEquals(vector.getLong("src"), Integer.toUnsignedLong(frame.src()));
        assertEquals(vector.getLong("handle"), Integer.toUnsignedLong(frame.handle()));
        assertEquals(vector.getLong("reply_to"), Integer.toUnsignedLong(frame.replyTo()));
        assertEquals(vector.getInteger("flags"), frame.flags());
        assertEquals(bytes(vector, "payload_hex"), frame.payload());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validVectorEncodesToItsBytes(JsonObject vector) {
        Frame frame = new Frame((int) (long) vector.getLong("dst"), (int) (long) vector.getLong("src"),
                (int) (long) vector.getLong("handle"), (int) (long) vector.getLong("reply_to"),
                vector.getInteger("flags"), bytes(vector, "payload_hex"));

        assertEquals(bytes(vector, "hex"), FrameEncoder.encode(frame));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validVectorDecodesWhenFedOneByteAtATime(JsonObject vector) throws FrameException {
        Buffer wire = bytes(vector, "hex");
        FrameDecoder decoder = new FrameDecoder(DEFAULT_MAX_FRAME);
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < wire.length(); i++) {
            decoder.feed(wire.getBuffer(i, i + 1), frames::add);
        }
        decoder.endOfStream();

        assertEquals(List.of(decodeOne(wire)), frames);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMidStream")
    void invalidVectorFailsNamingTheProblem(JsonObject vector) {
        FrameDecoder decoder = new FrameDecoder(SharedVectors.vectors().getInteger("max_frame"));

        FrameException e = assertThrows(FrameException.class, () -> decoder.feed(bytes(vector, "hex"), frame -> {
        }));
        assertTrue(e.getMessage().contains(vector.getString("error")), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidAtEof")
    void truncatedVectorFailsOnlyAtEndOfStream(JsonObject vector) throws FrameException {
        FrameDecoder decoder = new FrameDecoder(SharedVectors.vectors().getInteger("max_frame"));
        List<Frame> frames = new ArrayList<>();
        decoder.feed(bytes(vector, "hex"), frames::add);

        FrameException e = assertThrows(FrameException.class, decoder::endOfStream);
        assertTrue(e.getMessage().contains(vector.getString("error")), e.getMessage());
        assertEquals(List.of(), frames);
    }

    private static Frame decodeOne(Buffer wire) throws FrameException {
        FrameDecoder decoder = new FrameDecoder(DEFAULT_MAX_FRAME);
        List<Frame> frames = new ArrayList<>();
        decoder.feed(wire, frames::add);
        decoder.endOfStream();
        assertEquals(1, frames.size());
        return frames.get(0);
    }

    private static Buffer bytes(JsonObject vector, String field) {
        return Buffer.buffer(HexFormat.of().parseHex(vector.getString(field)));
    }
}
