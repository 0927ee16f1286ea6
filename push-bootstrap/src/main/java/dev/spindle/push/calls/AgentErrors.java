package dev.spindle.push.calls;

import dev.spindle.bus.call.DeadContextException;

/**
 * The agent's error types (the {@code type} of an ERROR reply, docs/protocol.md §4) that the
 * controller tells apart. AgentErrorsTest holds them to spindle_agent/errors.py and the doc.
 */
public final class AgentErrors {

    /** The context is gone, or was never reachable from the agent that answered. */
    public static final String DEAD_CONTEXT = DeadContextException.REMOTE_TYPE;
    /** A become child could not be started: wrong or missing password, not allowed, timeout. */
    public static final String BECOME_ERROR = "spindle.BecomeError";
    /** {@code run_module} named a zip the agent does not hold: send it again. */
    public static final String UNKNOWN_PAYLOAD = "spindle.UnknownPayload";

    private AgentErrors() {
    }
}
