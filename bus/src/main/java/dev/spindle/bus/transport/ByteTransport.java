package dev.spindle.bus.transport;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * An ordered, binary-clean byte pipe to one agent: an SSH exec channel, a local process's pipes.
 *
 * <p>The bus sees only bytes here, never channels or processes; the transport sees only bytes,
 * never frames. Implementations live with whatever opens the pipe (push-bootstrap for SSH).
 */
public interface ByteTransport {

    /**
     * Most bytes a transport holds waiting to go out. Beyond it {@link #write} fails (and the
     * router closes the stream): an agent that stopped reading must not fill the controller's heap.
     */
    long MAX_QUEUED_BYTES = 64L * 1024 * 1024 + dev.spindle.bus.Protocol.DEFAULT_MAX_FRAME;

    /**
     * Most bytes a transport hands to {@code onData} before the receiver reports them
     * {@link #consumed}. Beyond it the transport stops reading (an SSH channel's window then
     * closes, a process blocks on its full pipe) until the receiver has caught up, so an agent
     * that writes faster than the controller decodes cannot fill the controller's heap. A
     * transport may overshoot by one read ({@link #READ_CHUNK}); see {@link ReadBacklog}.
     */
    long MAX_UNCONSUMED_BYTES = 1024 * 1024;

    /** Most bytes a transport reads at once, so the most one {@code onData} chunk holds. */
    int READ_CHUNK = 64 * 1024;

    /**
     * Queues {@code data} for the agent. Writes reach the agent in the order this method was
     * called, whichever threads called it.
     *
     * @return completes once the bytes are handed to the underlying channel; fails if the pipe is gone
     */
    Future<Void> write(Buffer data);

    /**
     * Sets the receivers of the agent's bytes and of the end of the pipe. Called once, by the
     * router when the transport is attached.
     *
     * <p>{@code onData} gets chunks in stream order and never concurrently; bytes that arrived
     * before this call are held and delivered right after it. {@code onClosed} is called once,
     * after the last {@code onData}, whoever closed the pipe, with a reason for humans such as
     * {@code "agent exited with status 1: <stderr tail>"}. Both may run on any thread.
     * The receiver must report every chunk {@link #consumed}, or reading stops.
     */
    void handlers(Handler<Buffer> onData, Handler<String> onClosed);

    /**
     * Reports that the receiver is done with {@code bytes} more of what {@code onData} delivered,
     * letting a transport that stopped reading at {@link #MAX_UNCONSUMED_BYTES} read again. Every
     * chunk must be reported, also after the receiver lost interest (a stream it closed): the
     * transport would otherwise stop reading for good, and never see the pipe end. Any thread. It
     * never blocks, but a transport may resume reading on the calling thread and so call
     * {@code onData} before it returns: receivers queue chunks rather than process them inline.
     */
    void consumed(long bytes);

    /** Closes the pipe; idempotent. The agent sees end-of-file and exits. */
    Future<Void> close();

    /** Where the pipe leads, for logs and error messages, e.g. {@code "ssh alice@db1:22"}. */
    String describe();
}
