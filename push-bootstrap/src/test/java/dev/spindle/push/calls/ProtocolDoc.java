package dev.spindle.push.calls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** docs/protocol.md, one section of it at a time. */
final class ProtocolDoc {

    private static final Path PATH = Path.of("..", "docs", "protocol.md"); // tests run in push-bootstrap/

    private ProtocolDoc() {
    }

    /** The text from the heading that starts with {@code "## " + number + "."} to the next one. */
    static String section(int number) {
        String doc;
        try {
            doc = Files.readString(PATH);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int start = doc.indexOf("\n## " + number + ".");
        if (start < 0) {
            throw new IllegalStateException(PATH + " has no section " + number);
        }
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }
}
