package dev.spindle.bus.codec;

/**
 * The bytes of an agent stream break the protocol (bad magic, version or flags, an oversized
 * length, a stream cut inside a frame, no ready marker). The stream that carried them is closed
 * with {@link #getMessage()} as its reason; other streams carry on.
 */
public class FrameException extends Exception {

    public FrameException(String message) {
        super(message);
    }
}
