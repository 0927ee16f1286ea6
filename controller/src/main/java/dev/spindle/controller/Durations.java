package dev.spindle.controller;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations users write in ansible.cfg: {@code 600}, {@code 30s}, {@code 10m}, {@code 1h}. */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d+)\\s*([smh]?)\\s*");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("persist '" + text + "' is not a duration like 600, 30s, 10m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
