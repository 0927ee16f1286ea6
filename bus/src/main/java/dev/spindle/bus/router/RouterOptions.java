package dev.spindle.bus.router;

import dev.spindle.bus.Protocol;

import java.util.Objects;

/**
 * Settings of a {@link Router}.
 *
 * @param maxFrame  the largest payload accepted from or sent to an agent, in bytes; must match the
 *                  agents' {@code max_frame}. Default {@link Protocol#DEFAULT_MAX_FRAME} (32 MiB).
 * @param logLimits how much each stream's target may write into the controller's log. Default
 *                  {@link LogLimits#defaults()}.
 */
public record RouterOptions(int maxFrame, LogLimits logLimits) {

    public RouterOptions {
        if (maxFrame < 1) {
            throw new IllegalArgumentException("maxFrame must be positive: " + maxFrame);
        }
        Objects.requireNonNull(logLimits, "logLimits");
    }

    public static RouterOptions defaults() {
        return new RouterOptions(Protocol.DEFAULT_MAX_FRAME, LogLimits.defaults());
    }

    public RouterOptions withMaxFrame(int maxFrame) {
        return new RouterOptions(maxFrame, logLimits);
    }

    public RouterOptions withLogLimits(LogLimits logLimits) {
        return new RouterOptions(maxFrame, logLimits);
    }
}
