package dev.spindle.bus.router;

import dev.spindle.bus.router.LogRateLimit.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the controller's log from one stream's target: lets its lines through within the
 * stream's {@link LogLimits}, summarises the rest in one line per window (and when the stream
 * closes), and closes the stream when it floods past {@link LogLimits#closeAbove()}.
 * Context-confined.
 */
final class LogGate {

    private static final Logger log = LoggerFactory.getLogger(LogGate.class);

    private final AttachedStream stream;
    private final LogLimits limits;
    private final ContextHop hop;
    private final LogRateLimit rate;
    private boolean summaryScheduled;

    LogGate(AttachedStream stream, LogLimits limits, ContextHop hop) {
        this.stream = stream;
        this.limits = limits;
        this.hop = hop;
        this.rate = new LogRateLimit(limits, System::nanoTime);
    }

    /** Whether the line {@code source} caused may be written; if not, it has been counted. */
    boolean admit(Source source) {
        switch (rate.admit(source)) {
            case WRITE:
                return true;
            case COUNT:
                summariseAtWindowEnd();
                return false;
            default:
                stream.close("more than " + limits.closeAbove() + " log lines (log records, dropped frames, refused "
                        + "source requests) within " + limits.window().toSeconds() + " s: the agent floods the "
                        + "controller's log");
                return false;
        }
    }

    /** Writes the summary of what was counted, if anything was; the stream calls it as it closes. */
    void summarise() {
        String summary = rate.takeSummary();
        if (summary != null) {
            log.warn("stream '{}': {}", stream.name(), summary);
        }
    }

    private void summariseAtWindowEnd() {
        if (!summaryScheduled) {
            summaryScheduled = true;
            hop.runAfter(limits.window(), () -> {
                summaryScheduled = false;
                summarise();
            });
        }
    }
}
