package dev.spindle.bus.router;

import dev.spindle.bus.Frame;

/** What an {@link AttachedStream} reports to its router; always called on the router's context. */
interface StreamEvents {

    void frameArrived(AttachedStream from, Frame frame);

    void agentLogged(AttachedStream from, AgentLog log);

    void streamClosed(AttachedStream stream, String reason);
}
