package dev.spindle.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class StderrTailTest {

    @Test
    void nothingWrittenAddsNothingToTheReason() {
        assertEquals("", new StderrTail().asReasonSuffix());
    }

    @Test
    void keepsTheEndAndDoesNotSplitCharactersAtChunkBoundaries() {
        StderrTail tail = new StderrTail();
        byte[] snowman = "☃".getBytes(StandardCharsets.UTF_8);
        tail.append("x".repeat(10_000).getBytes(StandardCharsets.UTF_8));
        tail.append(new byte[] {snowman[0]});
        tail.append(new byte[] {snowman[1], snowman[2]});
        tail.append(" not found\n".getBytes(StandardCharsets.UTF_8));
        String reason = tail.asReasonSuffix();
        assertTrue(reason.endsWith("x☃ not found"), reason);
        assertTrue(reason.length() < 4200, "kept " + reason.length() + " chars");
    }

    @Test
    void whatAHostileTargetWroteCannotForgeALineOrDriveTheTerminal() {
        StderrTail tail = new StderrTail();
        tail.append("bash: python3: not found\n2025-01-01 INFO forged\u001b[2J\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("; stderr: bash: python3: not found\\n2025-01-01 INFO forged\\x1b[2J", tail.asReasonSuffix());
    }
}
