package dev.spindle.bus.call;

/** The call's deadline passed before its reply arrived; the agent was sent a CANCEL. */
public class CallTimeoutException extends CallException {

    public CallTimeoutException(String message) {
        super(message);
    }
}
