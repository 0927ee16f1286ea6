package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spindle.bus.router.AgentLog;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RecentAgentLogsTest {

    private static final int WEB = 1000;
    private static final int DB = 2000;

    private final RecentAgentLogs logs = new RecentAgentLogs();

    @Test
    void aFloodingHostCannotPushOutAnotherHostsRecords() {
        long mark = logs.mark();
        logs.handle(new AgentLog(WEB, "web1", "spindle_agent.exec", AgentLog.INFO, "ran the task"));

        for (int i = 0; i < 10_000; i++) {
            logs.handle(new AgentLog(DB, "db1", "spam", AgentLog.INFO, "again " + i));
        }

        assertEquals(new JsonArray().add(new JsonObject().put("name", "spindle_agent.exec").put("stream", "web1")
                .put("level", AgentLog.INFO).put("msg", "ran the task")), logs.since(mark, "web1", WEB));
    }

    @Test
    void eachHostKeepsOnlyItsLatestRecords() {
        long mark = logs.mark();
        for (int i = 0; i < 10_000; i++) {
            logs.handle(new AgentLog(DB, "db1", "spam", AgentLog.INFO, "again " + i));
        }

        JsonArray kept = logs.since(mark, "db1", DB);
        assertEquals(RecentAgentLogs.KEPT_PER_STREAM, kept.size());
        assertEquals("again 9999", kept.getJsonObject(kept.size() - 1).getString("msg"));
    }

    @Test
    void onlyRecordsOfTheAskedContextAfterTheMarkAreReturned() {
        logs.handle(new AgentLog(WEB, "web1", "a", AgentLog.INFO, "before"));
        long mark = logs.mark();
        logs.handle(new AgentLog(WEB + 1, "web1", "a", AgentLog.INFO, "become child"));
        logs.handle(new AgentLog(WEB, "web1", "a", AgentLog.INFO, "after"));

        assertEquals(1, logs.since(mark, "web1", WEB).size());
        assertEquals("after", logs.since(mark, "web1", WEB).getJsonObject(0).getString("msg"));
    }
}
