package dev.spindle.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameTest {

    @Test
    void jsonFrameCarriesAnyJsonValue() {
        assertEquals(new JsonObject().put("pid", 42), Frame.json(0, 1000, 1000, 0, new JsonObject().put("pid", 42)).json());
        assertEquals(new JsonArray().add(1), Frame.json(0, 1000, 1000, 0, new JsonArray().add(1)).json());
        assertEquals("text", Frame.json(0, 1000, 1000, 0, "text").json());
        assertNull(Frame.json(0, 1000, 1000, 0, null).json());
    }

    @Test
    void flagHelpersReadTheirBits() {
        Frame frame = new Frame(0, 1000, 1000, 0, Protocol.FLAG_RAW | Protocol.FLAG_LAST, Buffer.buffer());

        assertTrue(frame.isRaw());
        assertTrue(frame.isLast());
        assertFalse(frame.isError());
        assertTrue(Frame.raw(0, 1000, 1000, 0, Buffer.buffer()).isRaw());
    }

    @Test
    void unknownFlagBitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Frame(0, 0, 0, 0, 8, Buffer.buffer()));
    }

    @Test
    void rawFrameHasNoJson() {
        assertThrows(IllegalStateException.class, () -> Frame.raw(0, 0, 0, 0, Buffer.buffer("{}")).json());
    }

    @Test
    void toStringPrintsUnsignedIdsAndNoPayload() {
        Frame frame = Frame.raw(-1, 0, 1000, 0, Buffer.buffer("secret"));

        assertEquals("Frame[dst=4294967295, src=0, handle=1000, replyTo=0, flags=1, length=6]", frame.toString());
    }
}
