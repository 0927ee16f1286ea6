package dev.spindle.controller;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.spindle.bus.router.AgentLog;
import dev.spindle.bus.router.Slf4jAgentLogs;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Keeps the last agent log records of each stream (and still writes every one the router lets
 * through to the daemon log), so a request asked for at {@code -vvv} can carry back what its agent
 * logged while it ran and Ansible shows it through its own display. One buffer per stream, i.e.
 * per host connection: a host that logs a lot pushes out only its own records. The records come
 * escaped ({@link AgentLog}). Confined to the router's context.
 */
public final class RecentAgentLogs implements Handler<AgentLog> {

    static final int KEPT_PER_STREAM = 200;
    /** Streams remembered; the one that logged least recently is forgotten first. */
    private static final int STREAMS = 1024;

    private final Handler<AgentLog> daemonLog = new Slf4jAgentLogs();
    private final Map<String, Deque<Entry>> byStream = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Entry>> eldest) {
            return size() > STREAMS;
        }
    };
    private long sequence;

    private record Entry(long sequence, AgentLog record) {
    }

    @Override
    public synchronized void handle(AgentLog record) {
        daemonLog.handle(record);
        Deque<Entry> recent = byStream.computeIfAbsent(record.stream(), stream -> new ArrayDeque<>());
        recent.addLast(new Entry(++sequence, record));
        if (recent.size() > KEPT_PER_STREAM) {
            recent.removeFirst();
        }
    }

    /** A bookmark: records logged after it are "since". */
    public synchronized long mark() {
        return sequence;
    }

    /** What {@code context}, reached through {@code stream}, logged after {@code mark}, oldest first. */
    public synchronized JsonArray since(long mark, String stream, int context) {
        JsonArray records = new JsonArray();
        for (Entry e : byStream.getOrDefault(stream, new ArrayDeque<>())) {
            if (e.sequence() > mark && e.record().context() == context) {
                records.add(new JsonObject().put("name", e.record().name()).put("stream", e.record().stream())
                        .put("level", e.record().level()).put("msg", e.record().message()));
            }
        }
        return records;
    }
}
