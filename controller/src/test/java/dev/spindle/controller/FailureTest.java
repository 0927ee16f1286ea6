package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import dev.spindle.bus.call.RemoteException;
import org.junit.jupiter.api.Test;

/**
 * The failure codes are the table of docs/daemon-api.md §3, which the plugin's bridge_client.py
 * is held to as well (ansible-bridge/src/test/python/test_failure_codes.py); the messages that
 * quote a target can't forge log lines or drive a terminal.
 */
class FailureTest {

    private static final Path DAEMON_API = Path.of("..", "docs", "daemon-api.md"); // tests run in controller/
    private static final Pattern ROW = Pattern.compile("(?m)^\\| (\\d+) \\| ([A-Z_]+)[: ]");

    @Test
    void codesAreTheDocumentedOnes() throws IOException {
        Map<String, Integer> documented = new TreeMap<>();
        ROW.matcher(Files.readString(DAEMON_API)).results()
                .forEach(row -> documented.put(row.group(2), Integer.parseInt(row.group(1))));
        Map<String, Integer> codes = new TreeMap<>();
        for (Failure failure : Failure.values()) {
            codes.put(failure.name(), failure.code);
        }

        assertEquals(documented, codes);
    }

    @Test
    void messageQuotingTheTargetCannotForgeLinesOrDriveTheTerminal() {
        IOException fromSsh = new IOException("cannot log in: server says \u001b[2J\n2025-01-01 INFO forged");

        assertEquals("cannot log in: server says \\x1b[2J\\n2025-01-01 INFO forged", Failure.message(fromSsh));
    }

    @Test
    void remoteErrorIsTypeMessageAndTracebackOnOneLine() {
        RemoteException remote = new RemoteException("ValueError", "bad", "Traceback (most recent call last):\n  x", 1000);

        assertEquals("ValueError: bad\\nTraceback (most recent call last):\\n  x", Failure.message(remote));
    }
}
