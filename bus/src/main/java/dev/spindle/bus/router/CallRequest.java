package dev.spindle.bus.router;

import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The payload and flags of a CALL or STREAM_CALL frame (docs/protocol.md §3): the JSON request
 * {@code {"fn", "kw"[, "window"]}}, or, for a call that carries bytes, a {@code RAW} payload of the
 * request's length (4 bytes, big-endian), the request, then the bytes as they are.
 */
record CallRequest(Buffer payload, int flags) {

    /** Encoded on the caller's thread: big payloads stay off the event loop. */
    static CallRequest of(String fn, JsonObject kw, Integer window, Buffer data) {
        JsonObject request = new JsonObject().put("fn", fn).put("kw", kw == null ? new JsonObject() : kw);
        if (window != null) {
            request.put("window", window);
        }
        Buffer json = Json.encodeToBuffer(request);
        if (data == null) {
            return new CallRequest(json, 0);
        }
        Buffer payload = Buffer.buffer(Integer.BYTES + json.length() + data.length())
                .appendInt(json.length()).appendBuffer(json).appendBuffer(data);
        return new CallRequest(payload, Protocol.FLAG_RAW);
    }
}
