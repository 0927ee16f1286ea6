package dev.spindle.bus.router;

import java.time.Duration;
import java.util.Objects;

/**
 * How many lines one stream's target can cause in the controller's log (its LOG records, the
 * frames the router drops, the source requests it refuses), per fixed window of time.
 *
 * @param linesPerWindow lines written per window; the rest are counted and summarised in one line
 * @param window         the length of a window
 * @param closeAbove     more lines than this in one window close the stream: no working agent
 *                       comes near it, so it is flooding on purpose or broken
 */
public record LogLimits(int linesPerWindow, Duration window, int closeAbove) {

    public LogLimits {
        Objects.requireNonNull(window, "window");
        if (linesPerWindow < 1 || closeAbove < linesPerWindow || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("need 1 <= linesPerWindow <= closeAbove and a positive window: "
                    + linesPerWindow + ", " + closeAbove + ", " + window);
        }
    }

    /** 200 lines per 10 s per stream; the stream is closed past 10,000 in 10 s. */
    public static LogLimits defaults() {
        return new LogLimits(200, Duration.ofSeconds(10), 10_000);
    }
}
