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
     */
    void handlers(Handler<Buffer> onData, Handler<String> onClosed);

    /** Closes the pipe; idempotent. The agent sees end-of-file and exits. */
    Future<Void> close();

    /** Where the pipe leads, for logs and error messages, e.g. {@code "ssh alice@db1:22"}. */
    String describe();
}
