package dev.spindle.bus.router;

/**
 * What the {@link RoutingPolicy} decided about one inbound frame.
 *
 * @param kind       where the frame goes
 * @param call   for {@link Kind#REPLY} and {@link Kind#CONTEXT_DEAD}: the call it ends
 * @param reason for {@link Kind#DROP}: why, for the log line; for {@link Kind#CONTEXT_DEAD}: the
 *               parent's words for why the context is gone
 */
record Verdict(Kind kind, PendingCall call, String reason) {

    /** CONTEXT_DEAD: the parent hop of the call's context reports that context gone. */
    enum Kind { LOG, GET_SOURCE, REPLY, CONTEXT_DEAD, DROP }

    static final Verdict LOG = new Verdict(Kind.LOG, null, null);
    static final Verdict GET_SOURCE = new Verdict(Kind.GET_SOURCE, null, null);

    static Verdict reply(PendingCall call) {
        return new Verdict(Kind.REPLY, call, null);
    }

    static Verdict contextDead(PendingCall call, String report) {
        return new Verdict(Kind.CONTEXT_DEAD, call, report);
    }

    static Verdict drop(String reason) {
        return new Verdict(Kind.DROP, null, reason);
    }
}
