package dev.spindle.bus.router;

import io.vertx.core.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The default {@link AgentLog} handler: one slf4j logger, {@code spindle.agent}, at the level the
 * agent gave. The agent's logger name goes into the message, not the logger name, because agents
 * choose it and slf4j keeps every logger it has ever made.
 */
public final class Slf4jAgentLogs implements Handler<AgentLog> {

    private static final Logger log = LoggerFactory.getLogger("spindle.agent");

    @Override
    public void handle(AgentLog record) {
        log.atLevel(levelOf(record.level())).log("{} [context {}] {}: {}", record.stream(),
                Integer.toUnsignedString(record.context()), record.name(), record.message());
    }

    static Level levelOf(int pythonLevel) {
        if (pythonLevel >= AgentLog.ERROR) {
            return Level.ERROR;
        }
        if (pythonLevel >= AgentLog.WARNING) {
            return Level.WARN;
        }
        if (pythonLevel >= AgentLog.INFO) {
            return Level.INFO;
        }
        return pythonLevel >= AgentLog.DEBUG ? Level.DEBUG : Level.TRACE;
    }
}
