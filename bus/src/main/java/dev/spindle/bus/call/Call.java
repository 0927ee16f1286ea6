package dev.spindle.bus.call;

import io.vertx.core.Future;

/**
 * A function call sent to an agent context, awaiting its reply.
 *
 * <p>{@link #result()} fails with a {@link CallException}: {@link RemoteException} when the agent
 * raised, {@link CallTimeoutException} at the deadline, {@link CallCancelledException} after
 * {@link #cancel()}, {@link DeadContextException} when there is no route or the stream died.
 */
public interface Call {

    /** The context the call was sent to (an unsigned 32-bit id). */
    int dst();

    /** The agent function called, e.g. {@code "ping"}. */
    String fn();

    /** The reply's JSON value (JsonObject, JsonArray, String, Number, Boolean or null), or a Buffer for a raw reply. */
    Future<Object> result();

    /**
     * Gives up on the call: fails {@link #result()} with {@link CallCancelledException} and tells the
     * agent with a CANCEL frame. Does nothing once the call has finished. Callable from any thread.
     */
    void cancel();
}
