package dev.spindle.bus;

/**
 * Makes text a target sent safe to put in a log line or in front of the operator: a compromised
 * target must not be able to start a forged line (line breaks) or drive a terminal (escape
 * sequences). Control characters (C0, DEL, C1), invisible format characters (bidi overrides,
 * zero-width) and Unicode line and paragraph separators are written as {@code \n}, {@code \r},
 * {@code \t}, {@code \xHH} or {@code \}{@code uHHHH}; everything else is kept as it is.
 * Backslashes are not doubled: text stays readable, and an escape a target wrote itself is
 * harmless, printable text either way.
 */
public final class TargetText {

    private TargetText() {
    }

    /** {@code text} with every unsafe character escaped; the same instance when there is none. */
    public static String escape(String text) {
        if (text == null || text.chars().noneMatch(TargetText::unsafe)) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        text.chars().forEach(c -> {
            if (!unsafe(c)) {
                escaped.append((char) c);
            } else if (c == '\n') {
                escaped.append("\\n");
            } else if (c == '\r') {
                escaped.append("\\r");
            } else if (c == '\t') {
                escaped.append("\\t");
            } else if (c <= 0xff) {
                escaped.append(String.format("\\x%02x", c));
            } else {
                escaped.append(String.format("\\u%04x", c));
            }
        });
        return escaped.toString();
    }

    private static boolean unsafe(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
            default -> false;
        };
    }
}
