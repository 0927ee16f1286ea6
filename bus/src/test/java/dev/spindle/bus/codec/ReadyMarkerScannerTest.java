package dev.spindle.bus.codec;

import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadyMarkerScannerTest {

    private final ReadyMarkerScanner scanner = new ReadyMarkerScanner(Protocol.MAX_PREAMBLE);
    private final List<String> lines = new ArrayList<>();

    @Test
    void noiseBeforeTheMarkerBecomesLines() throws FrameException {
        Buffer rest = scanner.feed(Buffer.buffer("Last login: today\r\n\nwelcome\nSPINDLE-READY\nSP"), lines::add);

        assertEquals(List.of("Last login: today", "welcome"), lines);
        assertEquals(Buffer.buffer("SP"), rest);
        assertTrue(scanner.markerSeen());
    }

    @Test
    void markerSplitAtAnyPointIsFound() throws FrameException {
        String stream = "motd\nSPINDLE-READY\nframes";
        for (int split = 0; split <= stream.length(); split++) {
            ReadyMarkerScanner fresh = new ReadyMarkerScanner(Protocol.MAX_PREAMBLE);
            List<String> seen = new ArrayList<>();
            Buffer rest = fresh.feed(Buffer.buffer(stream.substring(0, split)), seen::add)
                    .appendBuffer(fresh.feed(Buffer.buffer(stream.substring(split)), seen::add));

            assertEquals(Buffer.buffer("frames"), rest, "split at " + split);
            assertEquals(List.of("motd"), seen, "split at " + split);
        }
    }

    @Test
    void markerAfterNoiseOnTheSameLineIsFound() throws FrameException {
        Buffer rest = scanner.feed(Buffer.buffer("no newline here SPINDLE-READY\n"), lines::add);

        assertEquals(List.of("no newline here "), lines);
        assertEquals(0, rest.length());
        assertTrue(scanner.markerSeen());
    }

    @Test
    void bytesAfterTheMarkerPassThroughUntouched() throws FrameException {
        scanner.feed(Buffer.buffer(Protocol.READY_MARKER), lines::add);

        assertEquals(Buffer.buffer("SPINDLE-READY\n"), scanner.feed(Buffer.buffer("SPINDLE-READY\n"), lines::add));
        assertEquals(List.of(), lines);
    }

    @Test
    void noiseUpToTheLimitIsAccepted() throws FrameException {
        scanner.feed(Buffer.buffer("x".repeat(Protocol.MAX_PREAMBLE - 1) + "\n"), lines::add);
        scanner.feed(Buffer.buffer(Protocol.READY_MARKER), lines::add);

        assertTrue(scanner.markerSeen());
    }

    @Test
    void noMarkerWithinTheLimitFailsQuotingTheStartOfTheNoise() throws FrameException {
        scanner.feed(Buffer.buffer("bash: python3: command not found\n"), lines::add);

        FrameException e = assertThrows(FrameException.class,
                () -> scanner.feed(Buffer.buffer("y".repeat(Protocol.MAX_PREAMBLE)), lines::add));
        assertTrue(e.getMessage().startsWith("no agent ready marker within 65536 bytes; the target printed: "
                + "\"bash: python3: command not found\\nyyy"), e.getMessage());
        String quoted = e.getMessage().substring(e.getMessage().indexOf('"'));
        assertEquals(200, ((String) Json.decodeValue(quoted)).length());
        assertFalse(scanner.markerSeen());
    }
}
