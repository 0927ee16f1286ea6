package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.ReplyStream;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * A call answered by a stream of items, then its last reply (docs/protocol.md §3, "Streamed
 * replies"). Items wait here until the handler has demand; each one handed over earns the agent
 * one more item of credit, sent in batches of half a window. So the queue never holds more than
 * the window of items, each no larger than the caller said it takes: the {@link RoutingPolicy}
 * drops an item beyond the credit or over that size, and the call fails.
 *
 * <p>State is confined to the router's context; the public methods hop onto it.
 */
final class StreamedCall extends PendingCall implements ReplyStream {

    private static final Logger log = LoggerFactory.getLogger(StreamedCall.class);

    private final ContextHop hop;
    private final int window;
    private final int maxItemBytes;
    private final Deque<Object> items = new ArrayDeque<>();
    private Frame last;             // the end from the agent, handed over once the items are
    private long received;          // items the agent sent
    private long granted;           // items the agent may send: the window plus credit sent
    private int consumedSinceGrant; // items handed over whose credit is not sent yet
    private long demand = Long.MAX_VALUE; // flowing until paused
    private boolean draining;
    private Handler<Object> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    StreamedCall(int dst, String fn, CallRequest request, int window, int maxItemBytes, Duration deadline,
                 ContextHop hop, Consumer<PendingCall> canceller) {
        super(dst, fn, request, deadline, canceller);
        this.hop = hop;
        this.window = window;
        this.maxItemBytes = maxItemBytes;
        this.granted = window;
        // registered first, so these run before anyone else learns the outcome
        result().onComplete(outcome -> {
            if (outcome.succeeded()) {
                notify(endHandler, null);
            } else {
                notify(exceptionHandler, outcome.cause());
            }
        });
    }

    @Override
    int requestHandle() {
        return Protocol.HANDLE_STREAM_CALL;
    }

    @Override
    boolean ends(Frame reply) {
        return reply.isLast() || reply.isError();
    }

    @Override
    String itemRefusal(Frame item) {
        if (received >= granted) {
            return "sent more items than the credit it was granted";
        }
        if (item.payload().length() > maxItemBytes) {
            return "sent an item of " + item.payload().length() + " bytes, more than the " + maxItemBytes + " its caller takes";
        }
        return null;
    }

    @Override
    void item(Frame reply) {
        received++;
        items.add(reply.isRaw() ? reply.payload() : reply.json());
        drain();
    }

    /** The end from the agent: handed over after the items before it. */
    @Override
    void answer(Frame reply) {
        last = reply;
        drain();
    }

    /** A local end (deadline, cancel, dead stream, too many items): at once, dropping what is queued. */
    @Override
    void fail(CallException failure) {
        items.clear();
        last = null;
        super.fail(failure);
    }

    @Override
    public ReplyStream handler(Handler<Object> handler) {
        hop.run(() -> {
            this.handler = handler;
            drain();
        });
        return this;
    }

    @Override
    public ReplyStream pause() {
        hop.run(() -> demand = 0);
        return this;
    }

    @Override
    public ReplyStream resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReplyStream fetch(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("negative demand: " + amount);
        }
        hop.run(() -> {
            demand = demand > Long.MAX_VALUE - amount ? Long.MAX_VALUE : demand + amount;
            drain();
        });
        return this;
    }

    @Override
    public ReplyStream endHandler(Handler<Void> endHandler) {
        hop.run(() -> this.endHandler = endHandler);
        return this;
    }

    @Override
    public ReplyStream exceptionHandler(Handler<Throwable> handler) {
        hop.run(() -> this.exceptionHandler = handler);
        return this;
    }

    /** Hands over items while there is demand, then the end once nothing is left before it. */
    private void drain() {
        if (draining) {
            return; // a handler asked for more: the loop below carries on
        }
        draining = true;
        try {
            while (!items.isEmpty() && handler != null && demand > 0 && !result().isComplete()) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                notify(handler, items.poll());
                consumed();
            }
            if (items.isEmpty() && last != null) {
                Frame end = last;
                last = null;
                super.answer(end);
            }
        } finally {
            draining = false;
        }
    }

    /** Gives the agent credit for what was handed over, half a window at a time, while it still sends. */
    private void consumed() {
        consumedSinceGrant++;
        if (last != null || result().isComplete() || consumedSinceGrant < Math.max(1, window / 2)) {
            return;
        }
        granted += consumedSinceGrant;
        stream().send(Frame.json(dst(), Protocol.CONTROLLER_ID, Protocol.HANDLE_CREDIT, 0, new JsonObject()
                .put("reply_to", Integer.toUnsignedLong(handle())).put("credit", consumedSinceGrant)));
        consumedSinceGrant = 0;
    }

    private <T> void notify(Handler<T> target, T value) {
        if (target == null) {
            return;
        }
        try {
            target.handle(value);
        } catch (RuntimeException e) {
            log.error("a handler of {} failed", this, e);
        }
    }

    @Override
    public String toString() {
        return "streamed " + super.toString();
    }
}
