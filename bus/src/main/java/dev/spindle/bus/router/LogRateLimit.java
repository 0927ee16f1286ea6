package dev.spindle.bus.router;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The arithmetic of {@link LogLimits} for one stream: a fixed window that lets the first lines
 * through and counts the rest, by source, for a summary. Not thread-safe.
 */
final class LogRateLimit {

    /** What a target did that costs a log line. */
    enum Source {
        LOG_RECORD("log records"), DROPPED_FRAME("dropped frames"), REFUSED_SOURCE("refused source requests");

        private final String plural;

        Source(String plural) {
            this.plural = plural;
        }
    }

    enum Decision { WRITE, COUNT, CLOSE }

    private final LogLimits limits;
    private final LongSupplier nanoClock;
    private final Map<Source, Long> counted = new EnumMap<>(Source.class);
    private long windowStart;
    private int linesInWindow;

    LogRateLimit(LogLimits limits, LongSupplier nanoClock) {
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    /** WRITE the line, or COUNT it instead; CLOSE (and count it) once the window holds too many. */
    Decision admit(Source source) {
        long now = nanoClock.getAsLong();
        if (now - windowStart >= limits.window().toNanos()) {
            windowStart = now;
            linesInWindow = 0;
        }
        linesInWindow++;
        if (linesInWindow <= limits.linesPerWindow()) {
            return Decision.WRITE;
        }
        counted.merge(source, 1L, Long::sum);
        return linesInWindow > limits.closeAbove() ? Decision.CLOSE : Decision.COUNT;
    }

    /** What was counted instead of written since the last call, in words; null if nothing was. */
    String takeSummary() {
        if (counted.isEmpty()) {
            return null;
        }
        long total = counted.values().stream().mapToLong(Long::longValue).sum();
        String bySource = counted.entrySet().stream().map(e -> e.getValue() + " " + e.getKey().plural)
                .collect(Collectors.joining(", "));
        counted.clear();
        return total + " more lines not logged (" + bySource + ") over the limit of " + limits.linesPerWindow()
                + " per " + limits.window().toSeconds() + " s";
    }
}
