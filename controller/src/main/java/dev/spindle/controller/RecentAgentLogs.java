package dev.spindle.controller;

import java.util.ArrayDeque;
import java.util.Deque;

import dev.spindle.bus.router.AgentLog;
import dev.spindle.bus.router.Slf4jAgentLogs;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Keeps the last few hundred agent log records (and still writes every one to the daemon log),
 * so a request asked for at {@code -vvv} can carry back what its agent logged while it ran and
 * Ansible shows it through its own display. Confined to the router's context.
 */
public final class RecentAgentLogs implements Handler<AgentLog> {

    private static final int KEPT = 500;

    private final Handler<AgentLog> daemonLog = new Slf4jAgentLogs();
    private final Deque<Entry> recent = new ArrayDeque<>();
    private long sequence;

    private record Entry(long sequence, AgentLog record) {
    }

    @Override
    public synchronized void handle(AgentLog record) {
        daemonLog.handle(record);
        recent.addLast(new Entry(++sequence, record));
        if (recent.size() > KEPT) {
            recent.removeFirst();
        }
    }

    /** A bookmark: records logged after it are "since". */
    public synchronized long mark() {
        return sequence;
    }

    /** What {@code context} logged after {@code mark}, oldest first. */
    public synchronized JsonArray since(long mark, int context) {
        JsonArray records = new JsonArray();
        for (Entry e : recent) {
            if (e.sequence() > mark && e.record().context() == context) {
                records.add(new JsonObject().put("name", e.record().name()).put("stream", e.record().stream())
                        .put("level", e.record().level()).put("msg", e.record().message()));
            }
        }
        return records;
    }
}
