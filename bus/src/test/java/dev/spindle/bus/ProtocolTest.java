package dev.spindle.bus;

import dev.spindle.bus.testing.SharedVectors;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The constants are written once in Java; this keeps docs/protocol.md and the shared vectors in step with them. */
class ProtocolTest {

    private static final Path PROTOCOL_DOC = Path.of("..", "docs", "protocol.md"); // tests run in bus/

    @Test
    void constantsMatchTheSharedVectors() {
        JsonObject vectors = SharedVectors.vectors();

        assertEquals(Protocol.DEFAULT_MAX_FRAME, vectors.getInteger("max_frame"));
        assertEquals(Protocol.HEADER_SIZE, vectors.getInteger("header_size"));
    }

    @Test
    void headerTableAddsUpToHeaderSize() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\|\\s*(\\d+)\\s*\\|\\s*(\\d+|n)\\s*\\|\\s*(\\w+)\\s*\\|").matcher(doc());
        int expectedOffset = 0;
        while (row.find() && !row.group(2).equals("n")) {
            assertEquals(expectedOffset, Integer.parseInt(row.group(1)), "offset of " + row.group(3));
            expectedOffset += Integer.parseInt(row.group(2));
        }
        assertEquals("payload", row.group(3));
        assertEquals(Protocol.HEADER_SIZE, expectedOffset);
        assertTrue(doc().contains("The header is " + Protocol.HEADER_SIZE + " bytes (`HEADER_SIZE`)"));
    }

    @Test
    void magicVersionAndFlagsMatchTheDoc() throws IOException {
        String doc = doc();

        assertTrue(doc.contains(String.format("`SP` (0x%02x 0x%02x)", Protocol.MAGIC_0, Protocol.MAGIC_1)));
        assertTrue(doc.contains("protocol version, `" + Protocol.VERSION + "`"));
        assertEquals(1 << 0, Protocol.FLAG_RAW);
        assertEquals(1 << 1, Protocol.FLAG_LAST);
        assertEquals(1 << 2, Protocol.FLAG_ERROR);
        assertTrue(doc.contains("bit0 `RAW`") && doc.contains("bit1 `LAST`") && doc.contains("bit2 `ERROR`"));
        assertTrue(doc.contains("bits 3–7 must be 0"));
    }

    @Test
    void limitsAndIdsMatchTheDoc() throws IOException {
        String doc = doc();

        assertEquals(32 * 1024 * 1024, Protocol.DEFAULT_MAX_FRAME);
        assertTrue(doc.contains("`MAX_FRAME = 32 MiB`"));
        assertTrue(doc.contains("`ID_BLOCK = " + Protocol.ID_BLOCK + "`"));
        assertTrue(doc.contains("The controller is context `" + Protocol.CONTROLLER_ID + "`."));
        assertTrue(doc.contains("handles `>= " + Protocol.FIRST_REPLY_HANDLE + "` are reply handles"));
        assertTrue(doc.contains("`" + Protocol.READY_MARKER.replace("\n", "\\n") + "`"));
        assertTrue(doc.contains("`1 <= window <= " + Protocol.MAX_WINDOW + "`"));
        assertEquals(64 * 1024, Protocol.MAX_PREAMBLE);
        assertTrue(doc.contains("up to 64 KiB of bytes before the marker"));
        assertArrayEquals(Protocol.READY_MARKER.getBytes(StandardCharsets.US_ASCII), Protocol.readyMarkerBytes());
    }

    @Test
    void wellKnownHandlesMatchTheHandleTable() throws IOException {
        Map<String, Integer> documented = new HashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| (\\d+) \\| `([A-Z_]+)` \\|").matcher(doc());
        while (row.find()) {
            documented.put(row.group(2), Integer.parseInt(row.group(1)));
        }

        assertEquals(Map.of("CALL", Protocol.HANDLE_CALL, "LOG", Protocol.HANDLE_LOG,
                "GET_SOURCE", Protocol.HANDLE_GET_SOURCE, "CANCEL", Protocol.HANDLE_CANCEL,
                "STREAM_CALL", Protocol.HANDLE_STREAM_CALL, "CREDIT", Protocol.HANDLE_CREDIT), documented);
    }

    /** The doc with wrapped lines joined by one space (table rows keep their own lines), so sentences match. */
    private static String doc() throws IOException {
        return Files.readString(PROTOCOL_DOC).replaceAll("[ \t]*\n[ \t]*(?![|])", " ");
    }
}
