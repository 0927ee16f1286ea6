package dev.spindle.bus.router;

/**
 * What the {@link RoutingPolicy} decided about one inbound frame.
 *
 * @param kind       where the frame goes
 * @param call       for {@link Kind#REPLY}: the call it answers
 * @param dropReason for {@link Kind#DROP}: why, for the log line
 */
record Verdict(Kind kind, PendingCall call, String dropReason) {

    enum Kind { LOG, GET_SOURCE, REPLY, DROP }

    static final Verdict LOG = new Verdict(Kind.LOG, null, null);
    static final Verdict GET_SOURCE = new Verdict(Kind.GET_SOURCE, null, null);

    static Verdict reply(PendingCall call) {
        return new Verdict(Kind.REPLY, call, null);
    }

    static Verdict drop(String reason) {
        return new Verdict(Kind.DROP, null, reason);
    }
}
