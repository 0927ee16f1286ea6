package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.Call;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.RemoteException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One call from creation to its outcome. The request payload is encoded by the caller's thread;
 * the rest (handle, stream, timer) is set and read on the router's context only. A plain call ends
 * with its first reply; {@link StreamedCall} takes items before its end.
 */
sealed class PendingCall implements Call permits StreamedCall {

    private final int dst;
    private final String fn;
    private final CallRequest request;
    private final Duration deadline;
    private final Consumer<PendingCall> canceller;
    private final Promise<Object> result = Promise.promise();
    private int handle;
    private AttachedStream stream;
    private long timer;

    PendingCall(int dst, String fn, CallRequest request, Duration deadline, Consumer<PendingCall> canceller) {
        this.dst = dst;
        this.fn = fn;
        this.request = request;
        this.deadline = deadline;
        this.canceller = canceller;
    }

    @Override
    public int dst() {
        return dst;
    }

    @Override
    public String fn() {
        return fn;
    }

    @Override
    public Future<Object> result() {
        return result.future();
    }

    @Override
    public void cancel() {
        canceller.accept(this);
    }

    CallRequest request() {
        return request;
    }

    /** The agent handle the request goes to. */
    int requestHandle() {
        return Protocol.HANDLE_CALL;
    }

    /** Whether {@code reply} ends the call; for a plain call every reply does. */
    boolean ends(Frame reply) {
        return true;
    }

    /**
     * Why the agent may not send {@code item}, a reply that does not end the call; null if it may.
     * It reads like "context 1000 ..." continued: "sent more items than the credit it was granted".
     */
    String itemRefusal(Frame item) {
        return "answered a call that takes one reply with an item";
    }

    /**
     * Takes a reply that does not end the call, one the policy allowed.
     *
     * @throws DecodeException if it is not the JSON it claims to be
     */
    void item(Frame reply) {
        throw new IllegalStateException(this + " takes one reply");
    }

    Duration deadline() {
        return deadline;
    }

    /** Records where the CALL frame goes; from now on a reply on {@code handle} from {@code dst} answers it. */
    void registered(int handle, AttachedStream stream, long timer) {
        this.handle = handle;
        this.stream = stream;
        this.timer = timer;
    }

    int handle() {
        return handle;
    }

    AttachedStream stream() {
        return stream;
    }

    long timer() {
        return timer;
    }

    /** Completes the call from its (last) reply: the JSON value, the raw bytes, or a {@link RemoteException}. */
    void answer(Frame reply) {
        try {
            if (reply.isError()) {
                result.tryFail(RemoteException.fromPayload(errorPayload(reply), reply.src()));
            } else {
                result.tryComplete(reply.isRaw() ? reply.payload() : reply.json());
            }
        } catch (DecodeException | IllegalStateException e) {
            fail(new CallException(this + " got a malformed reply: " + e.getMessage()));
        }
    }

    void fail(CallException failure) {
        result.tryFail(failure);
    }

    private static JsonObject errorPayload(Frame reply) {
        if (reply.json() instanceof JsonObject error) {
            return error;
        }
        throw new IllegalStateException("an ERROR payload must be a JSON object");
    }

    @Override
    public String toString() {
        return "call '" + fn + "' to context " + Integer.toUnsignedString(dst);
    }
}
