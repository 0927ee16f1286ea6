package dev.spindle.bus.router;

/**
 * What the {@link RoutingPolicy} decided about one inbound frame.
 *
 * @param kind       where the frame goes
 * @param call   for {@link Kind#REPLY}, {@link Kind#CONTEXT_DEAD} and {@link Kind#ITEM_REFUSED}: the call
 * @param reason for {@link Kind#DROP} and {@link Kind#ITEM_REFUSED}: why, for the log line (for ITEM_REFUSED it
 *               continues "context N ..."); for {@link Kind#CONTEXT_DEAD}: the parent's words for why the context is gone
 */
record Verdict(Kind kind, PendingCall call, String reason) {

    /**
     * CONTEXT_DEAD: the parent hop of the call's context reports that context gone.
     * ITEM_REFUSED: an item of a stream beyond the agent's credit or larger than the caller takes;
     * dropped, and the call fails.
     */
    enum Kind { LOG, GET_SOURCE, REPLY, CONTEXT_DEAD, ITEM_REFUSED, DROP }

    static final Verdict LOG = new Verdict(Kind.LOG, null, null);
    static final Verdict GET_SOURCE = new Verdict(Kind.GET_SOURCE, null, null);

    static Verdict reply(PendingCall call) {
        return new Verdict(Kind.REPLY, call, null);
    }

    static Verdict contextDead(PendingCall call, String report) {
        return new Verdict(Kind.CONTEXT_DEAD, call, report);
    }

    static Verdict itemRefused(PendingCall call, String reason) {
        return new Verdict(Kind.ITEM_REFUSED, call, reason);
    }

    static Verdict drop(String reason) {
        return new Verdict(Kind.DROP, null, reason);
    }
}
