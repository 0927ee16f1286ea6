package dev.spindle.push.agent;

/**
 * Blanks the full-line comments of Python source before it is shipped: they are about a tenth
 * of the compressed agent. Lines are emptied, not removed, so tracebacks from the target keep
 * the line numbers of the files in this repository. Lines inside triple-quoted strings are
 * left alone (a "#" there is data); inline comments after code are kept, because telling them
 * from a "#" inside a string literal needs a tokenizer.
 */
final class CommentStripper {

    private CommentStripper() {
    }

    static String strip(String source) {
        StringBuilder out = new StringBuilder(source.length());
        String openQuote = null;
        for (String line : source.split("\n", -1)) {
            boolean commentLine = openQuote == null && line.stripLeading().startsWith("#") && !line.startsWith("#!");
            out.append(commentLine ? "" : line).append('\n');
            openQuote = tripleQuoteStateAfter(line, openQuote);
        }
        out.setLength(out.length() - 1); // split(-1) gave one segment more than there were newlines
        return out.toString();
    }

    /** Follows triple-quote openings and closings through one line; single-quoted strings can't span lines. */
    private static String tripleQuoteStateAfter(String line, String openQuote) {
        String state = openQuote;
        int i = 0;
        while (i < line.length()) {
            if (state == null && line.charAt(i) == '#') {
                return null; // the rest is a comment
            }
            if (line.charAt(i) == '\\') {
                i += 2;
                continue;
            }
            if (state == null && (line.startsWith("\"\"\"", i) || line.startsWith("'''", i))) {
                state = line.substring(i, i + 3);
                i += 3;
            } else if (state != null && line.startsWith(state, i)) {
                state = null;
                i += 3;
            } else if (state == null && (line.charAt(i) == '"' || line.charAt(i) == '\'')) {
                i = endOfShortString(line, i);
            } else {
                i++;
            }
        }
        return state;
    }

    private static int endOfShortString(String line, int start) {
        char quote = line.charAt(start);
        int i = start + 1;
        while (i < line.length() && line.charAt(i) != quote) {
            i += line.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }
}
