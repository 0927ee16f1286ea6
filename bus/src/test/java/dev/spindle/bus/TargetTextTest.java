package dev.spindle.bus;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class TargetTextTest {

    @Test
    void lineBreaksCannotStartAForgedLine() {
        assertEquals("done\\n2025-01-01 INFO Daemon - forged\\r", TargetText.escape("done\n2025-01-01 INFO Daemon - forged\r"));
    }

    @Test
    void terminalEscapesAreShownNotObeyed() {
        assertEquals("\\x1b[2J\\x1b]0;title\\x07\\x9b31m\\x7f", TargetText.escape("\u001b[2J\u001b]0;title\u0007\u009b31m\u007f"));
    }

    @Test
    void invisibleFormattingAndUnicodeLineBreaksAreShown() {
        assertEquals("a\\u202eb\\u2028c\\u2029d\\u200be", TargetText.escape("a\u202eb\u2028c\u2029d\u200be"));
    }

    @Test
    void tabsAreShownSoColumnsCannotBeFaked() {
        assertEquals("a\\tb", TargetText.escape("a\tb"));
    }

    @Test
    void printableTextIsReturnedAsItIs() {
        String text = "Traceback: C:\\x files ünïcødé 日本 \\n";
        assertSame(text, TargetText.escape(text));
    }

    @Test
    void nullStaysNull() {
        assertEquals(null, TargetText.escape(null));
    }
}
