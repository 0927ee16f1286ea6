package dev.spindle.push.ssh;

import java.util.ArrayList;
import java.util.List;

/** Splits a command line the way a POSIX shell would for simple words: quotes and backslashes. */
public final class ShellWords {

    private ShellWords() {
    }

    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated " + quote + " quote in: " + line);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Quotes one word for a POSIX shell: single quotes, with embedded quotes escaped. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.chars().allMatch(c -> Character.isLetterOrDigit(c) || "@%+=:,./-_".indexOf(c) >= 0)) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
