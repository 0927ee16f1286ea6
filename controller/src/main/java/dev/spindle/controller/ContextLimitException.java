package dev.spindle.controller;

/** One more agent would pass a limit of {@link ControllerLimits}; the message names which and how to raise it. */
public final class ContextLimitException extends RuntimeException {

    public ContextLimitException(String message) {
        super(message);
    }
}
