package dev.spindle.bus.router;

import io.vertx.core.Future;

/** A byte transport attached to the {@link Router}: the route to one login agent and its become children. */
public interface AgentStream {

    /** The name given at attach, e.g. {@code "alice@db1"}. */
    String name();

    /** The context ids routed through this stream. */
    IdBlock block();

    /** Completes when the agent's ready marker arrived; fails, with the close reason, if the stream closed first. */
    Future<Void> readyMarkerSeen();

    /** Completes with the reason once the stream is gone (never fails). */
    Future<String> closed();

    long bytesIn();

    long bytesOut();

    /** A snapshot of the counters; readable from any thread. */
    Stats stats();
}
