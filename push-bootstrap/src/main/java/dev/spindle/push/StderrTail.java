package dev.spindle.push;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.spindle.bus.TargetText;

/**
 * The last few KiB a target wrote on stderr before its agent took over (or instead of it: no
 * Python, a shell error), kept so a transport can say in words why an agent never started.
 * Bytes are kept, and decoded only when read, so a chunk boundary can't split a character.
 * Thread-safe: the reader thread appends while another thread may ask for the text.
 */
public final class StderrTail {

    private static final int KEPT = 4096;

    private byte[] bytes = new byte[0];

    public synchronized void append(byte[] chunk) {
        byte[] joined = Arrays.copyOf(bytes, bytes.length + chunk.length);
        System.arraycopy(chunk, 0, joined, bytes.length, chunk.length);
        bytes = joined.length <= KEPT ? joined : Arrays.copyOfRange(joined, joined.length - KEPT, joined.length);
    }

    /**
     * {@code "; stderr: <text>"}, or nothing when the target wrote nothing: the end of a close
     * reason, which is logged and shown to the operator, so its line breaks and escapes are escaped.
     */
    public synchronized String asReasonSuffix() {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "" : "; stderr: " + TargetText.escape(text);
    }
}
