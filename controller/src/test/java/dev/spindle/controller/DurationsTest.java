package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesTheSpellingsUsersWrite() {
        assertEquals(Duration.ofSeconds(600), Durations.parse("600"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
        assertEquals(Duration.ofHours(1), Durations.parse(" 1h "));
    }

    @Test
    void rejectsAnythingElseWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("10 minutes"));
        assertEquals(true, e.getMessage().contains("10 minutes"));
    }
}
