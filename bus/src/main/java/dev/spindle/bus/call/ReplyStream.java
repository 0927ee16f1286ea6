package dev.spindle.bus.call;

import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;

/**
 * A call answered by a stream (docs/protocol.md §3, "Streamed replies"): the items come to
 * {@link #handler}, each a JSON value (JsonObject, JsonArray, String, Number, Boolean or null) or
 * a Buffer for a raw item; {@link #result()} is the final reply's value.
 *
 * <p>Flow control is the agent's credit: the stream grants the agent one more item for each item
 * it hands to the handler, so while the stream is paused, or has no handler, the agent stops after
 * the call's window. It starts flowing, as Vert.x streams do.
 *
 * <p>Ends: after the last item, {@link #result()} completes and the end handler runs. An ERROR
 * from the agent fails {@link #result()} (and calls the exception handler) after the items before
 * it were handed over. A deadline, {@link #cancel()}, a dead stream or an agent that exceeds its
 * credit fails it at once, and items not yet handed over are dropped.
 *
 * <p>Handlers run on the router's context and must not block; every method may be called from any
 * thread.
 */
public interface ReplyStream extends Call, ReadStream<Object> {

    @Override
    ReplyStream exceptionHandler(Handler<Throwable> handler);

    @Override
    ReplyStream handler(Handler<Object> handler);

    @Override
    ReplyStream pause();

    @Override
    ReplyStream resume();

    @Override
    ReplyStream fetch(long amount);

    @Override
    ReplyStream endHandler(Handler<Void> endHandler);
}
