package dev.spindle.bus.call;

/** The caller cancelled the call with {@link Call#cancel()}. */
public class CallCancelledException extends CallException {

    public CallCancelledException(String message) {
        super(message);
    }
}
