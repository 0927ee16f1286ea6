package dev.spindle.bus.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the shared frame vectors, bus/src/test/resources/frames/vectors.json. */
public final class SharedVectors {

    private SharedVectors() {
    }

    public static JsonObject vectors() {
        try (InputStream in = SharedVectors.class.getResourceAsStream("/frames/vectors.json")) {
            return new JsonObject(Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
