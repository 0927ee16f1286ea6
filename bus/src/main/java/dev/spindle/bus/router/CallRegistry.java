package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.CallCancelledException;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.CallTimeoutException;
import dev.spindle.bus.call.DeadContextException;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The calls the controller sent and still waits for, by reply handle. Every way a call ends
 * (reply, deadline, cancel, dead stream) goes through {@link #finish}, so each ends exactly once.
 * Context-confined.
 */
final class CallRegistry {

    private final Vertx vertx;
    private final Map<Integer, PendingCall> byHandle = new HashMap<>();
    private int nextHandle = Protocol.FIRST_REPLY_HANDLE;

    CallRegistry(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Registers the call, starts its deadline and sends the CALL frame through {@code stream}. */
    void start(PendingCall call, AttachedStream stream) {
        int handle = freeHandle();
        // set on the router's context, so the timer fires there too
        long timer = vertx.setTimer(Math.max(1, call.deadline().toMillis()), ignored -> expire(call));
        call.registered(handle, stream, timer);
        byHandle.put(handle, call);
        stream.callStarted();
        try {
            stream.send(new Frame(call.dst(), Protocol.CONTROLLER_ID, call.requestHandle(), handle,
                    call.request().flags(), call.request().payload()));
        } catch (IllegalArgumentException tooLarge) {
            finish(call);
            call.fail(new CallException(call + " not sent: " + tooLarge.getMessage()));
        }
    }

    PendingCall awaitingReply(int handle) {
        return byHandle.get(handle);
    }

    /** Takes a reply the policy allowed: an item of a stream, or the reply that ends the call. */
    void answer(PendingCall call, Frame reply) {
        if (!call.ends(reply)) {
            try {
                call.item(reply);
            } catch (DecodeException | IllegalStateException e) {
                giveUp(call, new CallException(call + " got a malformed item: " + e.getMessage()));
            }
        } else if (finish(call)) {
            call.answer(reply);
        }
    }

    /** Ends the call with {@code failure}; the agent needs no CANCEL (the context is gone, say). */
    void fail(PendingCall call, CallException failure) {
        if (finish(call)) {
            call.fail(failure);
        }
    }

    void cancel(PendingCall call) {
        giveUp(call, new CallCancelledException(call + " was cancelled"));
    }

    /** Ends the call with {@code failure} and tells the agent to stop working on it. */
    void giveUp(PendingCall call, CallException failure) {
        if (finish(call)) {
            sendCancel(call);
            call.fail(failure);
        }
    }

    /** Fails every call waiting on {@code stream}, which is gone. */
    void streamClosed(AttachedStream stream, String reason) {
        List<PendingCall> orphans = byHandle.values().stream()
                .filter(call -> call.stream() == stream)
                .collect(Collectors.toList());
        for (PendingCall call : orphans) {
            finish(call);
            call.fail(new DeadContextException(call + " failed: stream '" + stream.name() + "' closed: " + reason));
        }
    }

    private void expire(PendingCall call) {
        giveUp(call, new CallTimeoutException(call + " got no reply within " + call.deadline().toMillis() + " ms"));
    }

    /** Tells the agent the caller gave up, so it can stop the work. */
    private void sendCancel(PendingCall call) {
        call.stream().send(Frame.json(call.dst(), Protocol.CONTROLLER_ID, Protocol.HANDLE_CANCEL, 0,
                new JsonObject().put("reply_to", Integer.toUnsignedLong(call.handle()))));
    }

    /** Takes the call out of the registry; false if it already ended (or never started). */
    private boolean finish(PendingCall call) {
        if (call.stream() == null || !byHandle.remove(call.handle(), call)) {
            return false;
        }
        vertx.cancelTimer(call.timer());
        call.stream().callFinished();
        return true;
    }

    /** The next reply handle not in use, wrapping within the unsigned range above the well-known handles. */
    private int freeHandle() {
        while (byHandle.containsKey(nextHandle)) {
            advance();
        }
        int handle = nextHandle;
        advance();
        return handle;
    }

    private void advance() {
        nextHandle = nextHandle == -1 ? Protocol.FIRST_REPLY_HANDLE : nextHandle + 1; // -1 is 0xFFFFFFFF
    }
}
