package dev.spindle.push;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.call.RemoteException;
import dev.spindle.bus.call.ReplyStream;
import dev.spindle.bus.router.AgentStream;
import dev.spindle.bus.router.Router;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.calls.AgentErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One live agent (a login agent or a become child) and the way to call it. Children share
 * their login agent's stream; a context is dead once that stream closed or the agent reported
 * the child gone.
 */
public final class AgentContext {

    private final Router router;
    private final int id;
    private final String key;
    private final String name;
    private final AgentStream stream;
    private final AtomicInteger nextChild;
    private final boolean passwordPrompted;
    private volatile boolean dead;

    public AgentContext(Router router, int id, String key, String name, AgentStream stream) {
        this(router, id, key, name, stream, false);
    }

    public AgentContext(Router router, int id, String key, String name, AgentStream stream, boolean passwordPrompted) {
        this.passwordPrompted = passwordPrompted;
        this.router = router;
        this.id = id;
        this.key = key;
        this.name = name;
        this.stream = stream;
        this.nextChild = new AtomicInteger(id + 1);
    }

    public int id() {
        return id;
    }

    /** The {@link ContextSpec#key()} this agent was started for. */
    public String key() {
        return key;
    }

    public String name() {
        return name;
    }

    public AgentStream stream() {
        return stream;
    }

    /**
     * Whether starting this become child took a password at a prompt. Vanilla Ansible then sees
     * the prompt's line end at the start of every tty command's output, as each ssh -tt
     * session is a new tty that prompts again.
     */
    public boolean passwordPrompted() {
        return passwordPrompted;
    }

    public boolean isAlive() {
        return !dead && !stream.closed().isComplete();
    }

    /** Makes this call in this agent (with its bytes, if it carries any); the result is the reply's JSON value. */
    public Future<Object> call(AgentCall call, Duration deadline) {
        return router.call(id, call.fn(), call.kw(), call.data(), deadline).result().recover(this::explainDeath);
    }

    /**
     * Makes {@code call}, a function that answers with a stream of items (docs/protocol.md §3,
     * "Streamed replies"); a failure that says the agent is gone marks this context dead.
     */
    public ReplyStream stream(AgentCall call, int window, Duration deadline) {
        return stream(call, window, Integer.MAX_VALUE, deadline);
    }

    /**
     * Like {@link #stream(AgentCall, int, Duration)}, for items of at most {@code maxItemBytes}
     * bytes: a larger one fails the call, so what waits unconsumed is bounded in bytes too.
     */
    public ReplyStream stream(AgentCall call, int window, int maxItemBytes, Duration deadline) {
        if (call.data() != null) {
            throw new IllegalArgumentException(call.fn() + " carries bytes: a streamed call can't (docs/protocol.md §3)");
        }
        ReplyStream stream = router.stream(id, call.fn(), call.kw(), window, maxItemBytes, deadline);
        stream.result().onFailure(this::noteDeath);
        return stream;
    }

    /** A call that found no route failed because the agent died: say why it died instead. */
    private Future<Object> explainDeath(Throwable failure) {
        noteDeath(failure);
        Future<String> closed = stream.closed();
        if (failure instanceof DeadContextException && closed.isComplete()
                && !failure.getMessage().contains(closed.result())) {
            return Future.failedFuture(new DeadContextException(name + ": " + closed.result()));
        }
        return Future.failedFuture(failure);
    }

    /** Convenience for calls that answer a JSON object. */
    public Future<JsonObject> callForObject(AgentCall call, Duration deadline) {
        return call(call, deadline).map(JsonObject.class::cast);
    }

    private void noteDeath(Throwable failure) {
        if (failure instanceof DeadContextException
                || failure instanceof RemoteException remote && AgentErrors.DEAD_CONTEXT.equals(remote.type())) {
            dead = true;
        }
    }

    /** An unused id from this login agent's block for a become child. */
    public int allocateChildId() {
        int childId = nextChild.getAndIncrement();
        if (!stream.block().contains(childId)) {
            throw new IllegalStateException("context " + name + " has used up its " + stream.block().size() + " ids");
        }
        return childId;
    }

    @Override
    public String toString() {
        return name + " (context " + Integer.toUnsignedString(id) + ")";
    }
}
