package dev.spindle.bus.transport;

/**
 * The read side of a {@link ByteTransport}'s flow control: counts the bytes handed to
 * {@code onData} and not yet {@linkplain ByteTransport#consumed consumed}, and holds the reader
 * back while they are over a limit. Thread-safe.
 *
 * <p>The reader asks {@link #mayRead} before each read and reports each chunk with
 * {@link #delivered} before handing it on. When told to wait it stops reading and leaves a
 * resume action, which {@link #consumed} runs once the backlog is down to half the limit (half,
 * so that a busy stream is not stopped and restarted for every chunk). The resume action runs on
 * the consumer's thread, often an event loop, so it must not block.
 */
public final class ReadBacklog {

    private final long limit;
    private long unconsumed;
    private Runnable waitingReader; // the reader's resume action while it waits for room

    /** @param limit the backlog up to which the reader may read; it overshoots by at most one read */
    public ReadBacklog(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    /**
     * True if the reader may read now; otherwise it must stop, and {@code resume} will be run
     * once the backlog has drained.
     */
    public synchronized boolean mayRead(Runnable resume) {
        if (unconsumed <= limit) {
            return true;
        }
        waitingReader = resume;
        return false;
    }

    /** The reader is about to hand {@code bytes} to the consumer. */
    public synchronized void delivered(int bytes) {
        unconsumed += bytes;
    }

    /** The consumer is done with {@code bytes} of what was delivered; may resume the reader, on this thread. */
    public void consumed(long bytes) {
        Runnable resume;
        synchronized (this) {
            if (bytes < 0 || bytes > unconsumed) {
                throw new IllegalArgumentException("consumed " + bytes + " bytes of " + unconsumed + " delivered");
            }
            unconsumed -= bytes;
            if (waitingReader == null || unconsumed > limit / 2) {
                return;
            }
            resume = waitingReader;
            waitingReader = null;
        }
        resume.run();
    }

    /** Bytes delivered and not yet consumed. */
    public synchronized long unconsumed() {
        return unconsumed;
    }
}
