package dev.spindle.bus.codec;

import dev.spindle.bus.Protocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Finds the agent's ready marker at the start of a stream and turns the login noise before it
 * (motd, shell rc output, "Last login" lines) into text lines.
 *
 * <p>The marker may follow noise on the same line. Because the marker's only newline is its last
 * byte, a complete line that does not contain the marker can never hold the start of one, so
 * complete lines are handed out as they arrive and only the current partial line is kept.
 *
 * <p>Not thread-safe; one scanner per stream.
 */
public final class ReadyMarkerScanner {

    private static final byte[] MARKER = Protocol.readyMarkerBytes();
    private static final int EXCERPT_CHARS = 200;
    // UTF-8 needs at most 4 bytes a char, so this many bytes always hold EXCERPT_CHARS chars
    private static final int EXCERPT_BYTES = 4 * EXCERPT_CHARS;

    private final int maxPreamble;
    private final Buffer excerpt = Buffer.buffer();
    private Buffer partialLine = Buffer.buffer();
    private long linesEmitted; // preamble bytes already handed out as complete lines
    private boolean markerSeen;

    /** @param maxPreamble most bytes tolerated before the marker */
    public ReadyMarkerScanner(int maxPreamble) {
        this.maxPreamble = maxPreamble;
    }

    public boolean markerSeen() {
        return markerSeen;
    }

    /**
     * Scans {@code chunk}, passing each non-empty noise line to {@code lines}.
     *
     * @return the bytes after the marker in this chunk (frames); empty while the marker is missing
     * @throws FrameException when more than {@code maxPreamble} bytes arrived without the marker
     */
    public Buffer feed(Buffer chunk, Consumer<String> lines) throws FrameException {
        if (markerSeen) {
            return chunk;
        }
        keepExcerpt(chunk);
        // a marker can start at most MARKER.length - 1 bytes back, in the tail of the previous chunk
        int searchFrom = Math.max(0, partialLine.length() - (MARKER.length - 1));
        partialLine.appendBuffer(chunk);
        int at = indexOfMarker(partialLine, searchFrom);
        long preamble = linesEmitted + (at >= 0 ? at : partialLine.length() - (MARKER.length - 1));
        if (preamble > maxPreamble) {
            throw new FrameException("no agent ready marker within " + maxPreamble
                    + " bytes; the target printed: " + Json.encode(excerptText()));
        }
        if (at < 0) {
            emitCompleteLines(lines);
            return Buffer.buffer();
        }
        emitLines(partialLine.getBuffer(0, at), lines);
        Buffer frames = partialLine.getBuffer(at + MARKER.length, partialLine.length());
        markerSeen = true;
        partialLine = null;
        return frames;
    }

    private void emitCompleteLines(Consumer<String> lines) {
        int end = lastNewline(partialLine);
        if (end < 0) {
            return;
        }
        emitLines(partialLine.getBuffer(0, end + 1), lines);
        linesEmitted += end + 1;
        partialLine = partialLine.getBuffer(end + 1, partialLine.length());
    }

    private static void emitLines(Buffer text, Consumer<String> lines) {
        for (String line : text.toString(StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isEmpty()) {
                lines.accept(line);
            }
        }
    }

    private void keepExcerpt(Buffer chunk) {
        int room = EXCERPT_BYTES - excerpt.length();
        if (room > 0) {
            excerpt.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
        }
    }

    private String excerptText() {
        String text = excerpt.toString(StandardCharsets.UTF_8);
        return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS);
    }

    private static int indexOfMarker(Buffer haystack, int from) {
        for (int start = from; start <= haystack.length() - MARKER.length; start++) {
            if (markerAt(haystack, start)) {
                return start;
            }
        }
        return -1;
    }

    private static boolean markerAt(Buffer haystack, int start) {
        for (int i = 0; i < MARKER.length; i++) {
            if (haystack.getByte(start + i) != MARKER[i]) {
                return false;
            }
        }
        return true;
    }

    private static int lastNewline(Buffer text) {
        for (int i = text.length() - 1; i >= 0; i--) {
            if (text.getByte(i) == '\n') {
                return i;
            }
        }
        return -1;
    }
}
