package dev.spindle.bus.router;

import dev.spindle.bus.Protocol;

/**
 * Settings of a {@link Router}.
 *
 * @param maxFrame the largest payload accepted from or sent to an agent, in bytes; must match the
 *                 agents' {@code max_frame}. Default {@link Protocol#DEFAULT_MAX_FRAME} (32 MiB).
 */
public record RouterOptions(int maxFrame) {

    public RouterOptions {
        if (maxFrame < 1) {
            throw new IllegalArgumentException("maxFrame must be positive: " + maxFrame);
        }
    }

    public static RouterOptions defaults() {
        return new RouterOptions(Protocol.DEFAULT_MAX_FRAME);
    }

    public RouterOptions withMaxFrame(int maxFrame) {
        return new RouterOptions(maxFrame);
    }
}
