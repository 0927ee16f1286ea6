package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.DeadContextException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Decides what an agent may send the controller (docs/protocol.md §3, "Routing policy").
 *
 * <p>From a stream with block {@code [b, b+1000)} a frame passes only if its src lies in the
 * block, its dst is the controller, and its handle is LOG, GET_SOURCE, or the reply handle of a
 * pending call the controller sent to that very src through that very stream; an item of a
 * streamed call also needs credit and may be no larger than its caller takes. So a child cannot
 * run code on the controller, speak for another context, or answer someone else's call.
 *
 * <p>One exception: the parent hop of the called context (its login agent) may end the call with
 * a {@code spindle.DeadContext} error, because it is the one that sees the child die; it may not
 * answer the call in the child's name otherwise.
 */
final class RoutingPolicy {

    /** The error type an agent reports for a context that is gone (docs/protocol.md §3). */

    private final CallRegistry calls;

    RoutingPolicy(CallRegistry calls) {
        this.calls = calls;
    }

    Verdict judge(AttachedStream from, Frame frame) {
        if (!from.block().contains(frame.src())) {
            return Verdict.drop("src outside the stream's block " + from.block());
        }
        if (frame.dst() != Protocol.CONTROLLER_ID) {
            return Verdict.drop("agents may only address the controller (context 0)");
        }
        switch (frame.handle()) {
            case Protocol.HANDLE_LOG:
                return Verdict.LOG;
            case Protocol.HANDLE_GET_SOURCE:
                return frame.replyTo() == 0 ? Verdict.drop("GET_SOURCE without a reply_to") : Verdict.GET_SOURCE;
            case Protocol.HANDLE_CALL:
            case Protocol.HANDLE_CANCEL:
                return Verdict.drop("CALL and CANCEL flow from parent to child only");
            default:
                return judgeReply(from, frame);
        }
    }

    private Verdict judgeReply(AttachedStream from, Frame frame) {
        PendingCall call = calls.awaitingReply(frame.handle());
        if (call == null) {
            return Verdict.drop("no pending call has this reply handle (unknown or already answered)");
        }
        if (call.stream() == from && call.dst() == frame.src()) {
            String refusal = call.ends(frame) ? null : call.itemRefusal(frame);
            return refusal == null ? Verdict.reply(call) : Verdict.itemRefused(call, refusal);
        }
        if (call.stream() == from && from.block().isParentOf(frame.src(), call.dst())) {
            String report = deadContextMessage(frame);
            if (report != null) {
                return Verdict.contextDead(call, report);
            }
        }
        return Verdict.drop("the reply handle belongs to a call sent to context "
                + Integer.toUnsignedString(call.dst()));
    }

    /** The message of a {@code spindle.DeadContext} ERROR payload, or null for anything else. */
    private static String deadContextMessage(Frame frame) {
        if (!frame.isError() || frame.isRaw()) {
            return null;
        }
        try {
            return frame.json() instanceof JsonObject error && DeadContextException.REMOTE_TYPE.equals(error.getValue("type"))
                    ? String.valueOf(error.getValue("message")) : null;
        } catch (DecodeException e) {
            return null;
        }
    }
}
