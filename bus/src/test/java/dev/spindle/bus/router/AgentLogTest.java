package dev.spindle.bus.router;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AgentLogTest {

    @Test
    void logPayloadFieldsBecomeTheRecord() {
        JsonObject payload = new JsonObject().put("name", "spindle_agent.exec").put("level", 40).put("msg", "boom");

        assertEquals(new AgentLog(1001, "db1", "spindle_agent.exec", 40, "boom"),
                AgentLog.fromPayload(1001, "db1", payload));
    }

    @Test
    void fieldsOfTheWrongTypeOrMissingFallBack() {
        JsonObject payload = new JsonObject().put("name", new JsonArray().add(1)).put("level", "loud");

        assertEquals(new AgentLog(1000, "db1", "[1]", AgentLog.INFO, ""), AgentLog.fromPayload(1000, "db1", payload));
    }

    @Test
    void pythonLevelsMapToSlf4jLevels() {
        assertEquals(Level.TRACE, Slf4jAgentLogs.levelOf(5));
        assertEquals(Level.DEBUG, Slf4jAgentLogs.levelOf(10));
        assertEquals(Level.INFO, Slf4jAgentLogs.levelOf(20));
        assertEquals(Level.WARN, Slf4jAgentLogs.levelOf(30));
        assertEquals(Level.ERROR, Slf4jAgentLogs.levelOf(40));
        assertEquals(Level.ERROR, Slf4jAgentLogs.levelOf(50));
    }
}
