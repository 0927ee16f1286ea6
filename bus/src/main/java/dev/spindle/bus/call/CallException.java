package dev.spindle.bus.call;

/** Why a {@link Call} did not produce a result; subclasses say which way it failed. */
public class CallException extends RuntimeException {

    public CallException(String message) {
        super(message);
    }
}
