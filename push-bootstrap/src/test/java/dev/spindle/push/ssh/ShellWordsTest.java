package dev.spindle.push.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class ShellWordsTest {

    @Test
    void splitsLikeAShell() {
        assertEquals(List.of("-o", "A=b c", "x\"y", "it's", "a\\b"), ShellWords.split("-o 'A=b c' \"x\\\"y\" it\\'s \"a\\\\b\""));
    }

    @Test
    void unterminatedQuoteIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("-o 'oops"));
    }

    @Test
    void quoteRoundTripsThroughSplit() {
        for (String word : List.of("plain", "with space", "it's", "$HOME", "a\"b", "", "new\nline")) {
            assertEquals(List.of(word), ShellWords.split(ShellWords.quote(word)));
        }
    }
}
