package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.calls.AgentErrors;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The agent's report of a become tool that exited is taken only when it is well formed: the target wrote it. */
class BecomeExitTest {

    private static final JsonObject EXITED = new JsonObject().put("rc", 1).put("stdout_b64", "bm9sb2dpbgo=")
            .put("tty_b64", "DQo=").put("prompted", true);

    @Test
    void aBecomeErrorWithItsToolsExitIsThatExit() {
        assertEquals(Optional.of(EXITED), BecomeExit.of(error(AgentErrors.BECOME_ERROR, EXITED.copy().put("extra", "dropped"))));
    }

    @Test
    void anythingElseStaysAFailure() {
        assertTrue(BecomeExit.of(error(AgentErrors.BECOME_ERROR, null)).isEmpty());
        assertTrue(BecomeExit.of(error("ValueError", EXITED)).isEmpty());
        assertTrue(BecomeExit.of(new IllegalStateException("x")).isEmpty());
        for (JsonObject bad : new JsonObject[] {EXITED.copy().put("rc", -9), EXITED.copy().put("rc", 256),
                EXITED.copy().put("rc", "1"), EXITED.copy().put("stdout_b64", "not base64!"),
                EXITED.copy().put("tty_b64", 3), EXITED.copy().put("prompted", "yes")}) {
            assertTrue(BecomeExit.of(error(AgentErrors.BECOME_ERROR, bad)).isEmpty(), bad.encode());
        }
    }

    private static RemoteException error(String type, JsonObject exited) {
        JsonObject payload = new JsonObject().put("type", type).put("message", "su exited").put("traceback", "");
        if (exited != null) {
            payload.put("exited", exited);
        }
        return RemoteException.fromPayload(payload, 1000);
    }
}
