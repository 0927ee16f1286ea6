package dev.spindle.bus.router;

/**
 * What the {@link RoutingPolicy} decided about one inbound frame.
 *
 * @param kind       where the frame goes
 * @param call   for {@link Kind#REPLY}, {@link Kind#CONTEXT_DEAD} and {@link Kind#BEYOND_CREDIT}: the call
 * @param reason for {@link Kind#DROP} and {@link Kind#BEYOND_CREDIT}: why, for the log line; for {@link Kind#CONTEXT_DEAD}: the
 *               parent's words for why the context is gone
 */
record Verdict(Kind kind, PendingCall call, String reason) {

    /**
     * CONTEXT_DEAD: the parent hop of the call's context reports that context gone.
     * BEYOND_CREDIT: an item of a stream the agent had no credit for; dropped, and the call fails.
     */
    enum Kind { LOG, GET_SOURCE, REPLY, CONTEXT_DEAD, BEYOND_CREDIT, DROP }

    static final Verdict LOG = new Verdict(Kind.LOG, null, null);
    static final Verdict GET_SOURCE = new Verdict(Kind.GET_SOURCE, null, null);

    static Verdict reply(PendingCall call) {
        return new Verdict(Kind.REPLY, call, null);
    }

    static Verdict contextDead(PendingCall call, String report) {
        return new Verdict(Kind.CONTEXT_DEAD, call, report);
    }

    static Verdict beyondCredit(PendingCall call, String reason) {
        return new Verdict(Kind.BEYOND_CREDIT, call, reason);
    }

    static Verdict drop(String reason) {
        return new Verdict(Kind.DROP, null, reason);
    }
}
