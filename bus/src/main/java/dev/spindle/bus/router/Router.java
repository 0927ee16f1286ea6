package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.TargetText;
import dev.spindle.bus.call.Call;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.ReplyStream;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.router.LogRateLimit.Source;
import dev.spindle.bus.source.SourceService;
import dev.spindle.bus.transport.ByteTransport;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's switchboard: binds agent streams to blocks of context ids, sends calls to
 * contexts and matches their replies, and lets through from agents only what the
 * {@link RoutingPolicy} allows (logs, source requests, answers to the controller's own calls).
 *
 * <p>A router lives on one Vert.x context, the one current where it was created (a fresh event
 * loop context when created off Vert.x). All its state is touched only there; every public method
 * may be called from any thread and hops onto it. Handlers it calls (log handler, future
 * callbacks) run on that context and must not block.
 */
public final class Router {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final RouterOptions options;
    private final ContextHop hop;
    private final RouteTable routes = new RouteTable();
    private final CallRegistry calls;
    private final RoutingPolicy policy;
    private final SourceRequests sources;
    private final AtomicLong nextBlockStart = new AtomicLong(Protocol.ID_BLOCK); // block 0 holds the controller
    private Handler<AgentLog> logHandler = new Slf4jAgentLogs();
    private boolean closed;

    private Router(Vertx vertx, RouterOptions options) {
        this.options = options;
        this.hop = new ContextHop(vertx.getOrCreateContext());
        this.calls = new CallRegistry(vertx);
        this.policy = new RoutingPolicy(calls);
        this.sources = new SourceRequests(hop);
    }

    public static Router create(Vertx vertx, RouterOptions options) {
        return new Router(Objects.requireNonNull(vertx, "vertx"), Objects.requireNonNull(options, "options"));
    }

    /** A fresh block of {@link Protocol#ID_BLOCK} context ids; blocks are never handed out twice. */
    public IdBlock allocateBlock() {
        long start = nextBlockStart.getAndAdd(Protocol.ID_BLOCK);
        if (start + Protocol.ID_BLOCK > 1L << 32) {
            throw new IllegalStateException("all unsigned 32-bit context ids are allocated");
        }
        return new IdBlock((int) start, Protocol.ID_BLOCK);
    }

    /**
     * Starts reading {@code transport} as the route to the contexts in {@code block}: first login
     * noise up to the ready marker, then frames. Calls to the block may be sent right away; they
     * queue behind whatever was already written to the transport.
     *
     * @return the stream; fails if the block overlaps an attached stream's or the router is closed
     */
    public Future<AgentStream> attach(ByteTransport transport, IdBlock block, String name) {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(name, "name");
        return hop.submit(() -> {
            if (closed) {
                return Future.failedFuture(new IllegalStateException("router is closed"));
            }
            AttachedStream taken = routes.overlapping(block);
            if (taken != null) {
                return Future.failedFuture(new IllegalArgumentException("block " + block + " overlaps " + taken));
            }
            AttachedStream stream = new AttachedStream(transport, block, name, options, hop, new Events());
            routes.add(stream);
            stream.start();
            log.debug("attached {}", stream);
            return Future.succeededFuture(stream);
        });
    }

    /**
     * Calls {@code fn(**kw)} in context {@code dst}. The CALL frame is written at once (after any
     * earlier call or attach from the same thread), without waiting for the agent's ready marker.
     *
     * @param kw       the keyword arguments; null means none
     * @param deadline how long to wait for the reply; then the call fails and the agent gets a CANCEL
     */
    public Call call(int dst, String fn, JsonObject kw, Duration deadline) {
        return call(dst, fn, kw, null, deadline);
    }

    /**
     * Like {@link #call(int, String, JsonObject, Duration)}, with bytes the function receives as
     * they are: the CALL is flagged {@code RAW} and carries them after its JSON request
     * (docs/protocol.md §3, "Calls that carry bytes").
     *
     * @param data the bytes; null sends a plain JSON call
     */
    public Call call(int dst, String fn, JsonObject kw, Buffer data, Duration deadline) {
        Objects.requireNonNull(fn, "fn");
        checkDeadline(deadline);
        return send(new PendingCall(dst, fn, CallRequest.of(fn, kw, null, data), deadline, this::cancel));
    }

    /**
     * Calls {@code fn(**kw)} in context {@code dst}, a function that answers with a stream of items
     * (docs/protocol.md §3, "Streamed replies"). Like {@link #call}, the STREAM_CALL frame is
     * written at once.
     *
     * @param window   items the agent may send ahead of the consumer, 1 to {@link Protocol#MAX_WINDOW};
     *                 the router holds at most this many unconsumed items
     * @param deadline how long the whole stream may take; then it fails and the agent gets a CANCEL
     */
    public ReplyStream stream(int dst, String fn, JsonObject kw, int window, Duration deadline) {
        return stream(dst, fn, kw, window, Integer.MAX_VALUE, deadline);
    }

    /**
     * Like {@link #stream(int, String, JsonObject, int, Duration)}, for items of at most
     * {@code maxItemBytes} bytes each: a larger one is dropped and fails the call, so the router
     * holds at most {@code window × maxItemBytes} bytes of unconsumed items, not {@code window}
     * maximum frames.
     */
    public ReplyStream stream(int dst, String fn, JsonObject kw, int window, int maxItemBytes, Duration deadline) {
        Objects.requireNonNull(fn, "fn");
        checkDeadline(deadline);
        if (window < 1 || window > Protocol.MAX_WINDOW) {
            throw new IllegalArgumentException("window must be 1 to " + Protocol.MAX_WINDOW + ": " + window);
        }
        if (maxItemBytes < 1) {
            throw new IllegalArgumentException("items must be allowed at least 1 byte: " + maxItemBytes);
        }
        return send(new StreamedCall(dst, fn, CallRequest.of(fn, kw, window, null), window, maxItemBytes, deadline,
                hop, this::cancel));
    }

    private static void checkDeadline(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
    }

    private <C extends PendingCall> C send(C call) {
        hop.run(() -> {
            AttachedStream stream = routes.streamFor(call.dst());
            if (stream == null) {
                call.fail(new DeadContextException("no route to context " + Integer.toUnsignedString(call.dst())));
            } else {
                calls.start(call, stream);
            }
        });
        return call;
    }

    private void cancel(PendingCall call) {
        hop.run(() -> calls.cancel(call));
    }

    /** Replaces the receiver of agent log records (default: slf4j logger {@code spindle.agent}). */
    public void logHandler(Handler<AgentLog> handler) {
        Objects.requireNonNull(handler, "handler");
        hop.run(() -> logHandler = handler);
    }

    /** Sets who answers GET_SOURCE (default: {@link SourceService#none()}, which refuses everything). */
    public void sourceService(SourceService service) {
        Objects.requireNonNull(service, "service");
        hop.run(() -> sources.service(service));
    }

    /** Closes the stream and its transport; its pending calls fail with {@link DeadContextException}. */
    public Future<Void> detach(AgentStream stream) {
        if (!(stream instanceof AttachedStream attached)) {
            throw new IllegalArgumentException("not a stream of this router: " + stream);
        }
        return hop.submit(() -> attached.close("detached by the controller"));
    }

    /** Detaches every stream and refuses new ones. */
    public Future<Void> close() {
        return hop.submit(() -> {
            closed = true;
            return Future.all(routes.all().stream().map(stream -> stream.close("router closed")).toList())
                    .mapEmpty();
        });
    }

    private void dispatch(AttachedStream from, Frame frame) {
        Verdict verdict = policy.judge(from, frame);
        switch (verdict.kind()) {
            case REPLY -> calls.answer(verdict.call(), frame);
            case ITEM_REFUSED -> {
                drop(from, frame, verdict.reason());
                calls.giveUp(verdict.call(), new CallException(verdict.call() + " failed: context "
                        + Integer.toUnsignedString(frame.src()) + " " + verdict.reason()));
            }
            case CONTEXT_DEAD -> calls.fail(verdict.call(), new DeadContextException(verdict.call() + " failed: "
                    + verdict.reason() + " (reported by its parent, context " + Integer.toUnsignedString(frame.src()) + ")"));
            case LOG -> withJsonObject(from, frame, body ->
                    deliverLog(from, AgentLog.fromPayload(frame.src(), from.name(), body)));
            case GET_SOURCE -> withJsonObject(from, frame, body -> sources.answer(from, frame, body));
            case DROP -> drop(from, frame, verdict.reason());
        }
    }

    private void withJsonObject(AttachedStream from, Frame frame, Handler<JsonObject> action) {
        Object body;
        try {
            body = frame.isRaw() ? null : frame.json();
        } catch (DecodeException e) {
            body = null;
        }
        if (body instanceof JsonObject object) {
            action.handle(object);
        } else {
            drop(from, frame, "the payload is not a JSON object");
        }
    }

    private void drop(AttachedStream from, Frame frame, String reason) {
        from.frameDropped();
        if (!from.logGate().admit(Source.DROPPED_FRAME)) {
            return;
        }
        log.warn("dropped frame on stream '{}': src={} dst={} handle={}: {}", from.name(),
                Integer.toUnsignedString(frame.src()), Integer.toUnsignedString(frame.dst()),
                Integer.toUnsignedString(frame.handle()), reason);
    }

    private void deliverLog(AttachedStream from, AgentLog record) {
        if (!from.logGate().admit(Source.LOG_RECORD)) {
            return;
        }
        try {
            logHandler.handle(record);
        } catch (RuntimeException e) {
            log.error("agent log handler failed on {}", record, e);
        }
    }

    /** The router's side of its streams; a nested class so these methods stay off the public API. */
    private final class Events implements StreamEvents {

        @Override
        public void frameArrived(AttachedStream from, Frame frame) {
            dispatch(from, frame);
        }

        @Override
        public void agentLogged(AttachedStream from, AgentLog record) {
            deliverLog(from, record);
        }

        @Override
        public void streamClosed(AttachedStream stream, String reason) {
            routes.remove(stream);
            calls.streamClosed(stream, reason);
            log.info("{} closed: {}", stream, TargetText.escape(reason)); // the reason may quote the target
        }
    }
}
