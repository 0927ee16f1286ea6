package dev.spindle.bus.router;

/**
 * A snapshot of one stream's counters.
 *
 * @param bytesIn       bytes received from the agent, ready-marker noise included
 * @param bytesOut      bytes of frames written to the agent
 * @param callsInFlight calls sent through the stream still waiting for their reply
 * @param framesDropped frames the routing policy refused
 */
public record Stats(long bytesIn, long bytesOut, int callsInFlight, long framesDropped) {
}
