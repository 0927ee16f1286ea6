package dev.spindle.bridge.daemon;

import java.io.IOException;

import dev.spindle.bus.call.RemoteException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailureTest {

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
