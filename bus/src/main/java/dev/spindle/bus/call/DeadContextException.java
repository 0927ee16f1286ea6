package dev.spindle.bus.call;

/** The destination context is unreachable: never attached, detached, or its stream died. */
public class DeadContextException extends CallException {

    /** The error type an agent answers with for the same thing (its errors.py). */
    public static final String REMOTE_TYPE = "spindle.DeadContext";

    public DeadContextException(String message) {
        super(message);
    }
}
