package dev.spindle.bus.call;

/** The destination context is unreachable: never attached, detached, or its stream died. */
public class DeadContextException extends CallException {

    public DeadContextException(String message) {
        super(message);
    }
}
