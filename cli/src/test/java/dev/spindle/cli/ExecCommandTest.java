package dev.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code spindle exec --local} end to end: a real local agent, rc and output passed through. */
@Timeout(60)
class ExecCommandTest {

    @Test
    void passesStatusStdoutAndStderrThrough() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            status = Main.run(List.of("exec", "--local", "--", "sh", "-c", "printf 'out\\000bin'; echo err >&2; exit 7"));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals(7, status);
        assertEquals("out\0bin", capturedOut.toString(StandardCharsets.UTF_8));
        // the command's stderr comes first, byte for byte (the controller may log after it)
        String stderr = capturedErr.toString(StandardCharsets.UTF_8);
        assertTrue(stderr.startsWith("err\n"), stderr);
    }
}
