package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.Call;
import dev.spindle.bus.call.CallTimeoutException;
import dev.spindle.bus.testing.Await;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static dev.spindle.bus.testing.RouterHarness.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What agents may send the controller: one test per forbidden case. A dropped frame must change
 * nothing but the stream's drop counter, and the honest traffic after it must still work.
 */
class RoutingPolicyTest {

    @RegisterExtension
    final RouterHarness harness = new RouterHarness();

    @Test
    void callFromAnAgentToTheControllerIsDropped() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_CALL, 5000, new JsonObject().put("fn", "exec")));

        assertDropped(db1, 1);
        assertTrue(db1.agent().receivesNothingWithin(100), "no answer to a CALL from below");
    }

    @Test
    void cancelFromAnAgentIsDropped() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_CANCEL, 0, new JsonObject().put("reply_to", 1000)));

        assertDropped(db1, 1);
    }

    @Test
    void frameForAnotherContextIsDropped() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");

        db1.agent().send(Frame.json(db2.id(), db1.id(), Protocol.HANDLE_CALL, 5000, new JsonObject().put("fn", "exec")));

        assertDropped(db1, 1);
        assertTrue(db2.agent().receivesNothingWithin(100), "nothing relayed to the other agent");
    }

    @Test
    void replyWithASrcOutsideTheStreamsBlockIsDropped() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");
        Call onDb2 = harness.router.call(db2.id(), "ping", null, DEADLINE);
        Frame sent = db2.agent().nextCall("ping");

        db1.agent().reply(sent, "forged by db1"); // src = db2's id, but through db1's stream

        assertDropped(db1, 1);
        db2.agent().reply(sent, "pong");
        assertEquals("pong", Await.result(onDb2.result()));
    }

    @Test
    void replyFromAContextTheCallWasNotSentToIsDropped() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        Call onChild = harness.router.call(child, "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");

        db1.agent().send(Frame.json(0, db1.id(), sent.replyTo(), 0, "forged by the login agent"));

        assertDropped(db1, 1);
        db1.agent().reply(sent, "pong from the child");
        assertEquals("pong from the child", Await.result(onChild.result()));
    }

    @Test
    void siblingCannotReportAChildDead() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        Call onChild = harness.router.call(child, "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");

        db1.agent().replyErrorAs(child + 1, sent, "spindle.DeadContext", "forged by a sibling", "");

        assertDropped(db1, 1);
        db1.agent().reply(sent, "pong from the child");
        assertEquals("pong from the child", Await.result(onChild.result()));
    }

    @Test
    void childCannotReportItsParentDead() {
        Connection db1 = harness.connect("db1");
        Call onLogin = harness.router.call(db1.id(), "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");

        db1.agent().replyErrorAs(db1.id() + 1, sent, "spindle.DeadContext", "forged by a child", "");

        assertDropped(db1, 1);
        db1.agent().reply(sent, "pong");
        assertEquals("pong", Await.result(onLogin.result()));
    }

    @Test
    void anotherHostsAgentCannotReportAChildDead() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");
        int child = db1.id() + 1;
        Call onChild = harness.router.call(child, "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");

        db2.agent().replyErrorAs(db2.id(), sent, "spindle.DeadContext", "forged by db2", "");
        db2.agent().replyErrorAs(db1.id(), sent, "spindle.DeadContext", "forged by db2 as db1", "");

        assertDropped(db2, 2);
        db1.agent().reply(sent, "pong from the child");
        assertEquals("pong from the child", Await.result(onChild.result()));
    }

    @Test
    void parentMayOnlyReportItsChildDeadNotAnswerForIt() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        Call onChild = harness.router.call(child, "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");
        JsonObject otherError = new JsonObject().put("type", "ValueError").put("message", "forged").put("traceback", "");

        db1.agent().send(new Frame(0, db1.id(), sent.replyTo(), 0, Protocol.FLAG_ERROR, otherError.toBuffer()));
        db1.agent().send(new Frame(0, db1.id(), sent.replyTo(), 0, Protocol.FLAG_ERROR, Buffer.buffer("{not json")));

        assertDropped(db1, 2);
        db1.agent().reply(sent, "pong from the child");
        assertEquals("pong from the child", Await.result(onChild.result()));
    }

    @Test
    void replyToAnUnknownHandleIsDropped() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id(), 123_456, 0, "nobody asked"));

        assertDropped(db1, 1);
    }

    @Test
    void replyAfterTheDeadlineIsDropped() {
        Connection db1 = harness.connect("db1");
        Call call = harness.router.call(db1.id(), "sleep", null, Duration.ofMillis(50));
        Frame sent = db1.agent().nextCall("sleep");
        Await.failure(call.result(), CallTimeoutException.class);

        db1.agent().reply(sent, "too late");

        assertDropped(db1, 1);
    }

    @Test
    void secondReplyToTheSameCallIsDropped() {
        Connection db1 = harness.connect("db1");
        Call call = harness.router.call(db1.id(), "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");
        db1.agent().reply(sent, "first");
        db1.agent().reply(sent, "second");

        assertDropped(db1, 1);
        assertEquals("first", Await.result(call.result()));
    }

    @Test
    void logFromABecomeChildIsDelivered() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id() + 1, Protocol.HANDLE_LOG, 0,
                new JsonObject().put("name", "stderr").put("level", 30).put("msg", "sudo: warning")));

        assertEquals(new AgentLog(db1.id() + 1, "db1", "stderr", 30, "sudo: warning"), harness.nextLog());
        assertEquals(0, db1.stream().stats().framesDropped());
    }

    @Test
    void logThatIsNotAJsonObjectIsDropped() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.raw(0, db1.id(), Protocol.HANDLE_LOG, 0, Buffer.buffer("raw text")));
        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_LOG, 0, "a bare string"));

        assertDropped(db1, 2);
    }

    @Test
    void getSourceWithoutReplyToIsDropped() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_GET_SOURCE, 0, new JsonObject().put("fullname", "a")));

        assertDropped(db1, 1);
        assertTrue(db1.agent().receivesNothingWithin(100));
    }

    private static void assertDropped(Connection connection, long frames) {
        Await.until(() -> connection.stream().stats().framesDropped() == frames, frames + " frame(s) dropped");
        assertFalse(connection.stream().closed().isComplete(), "a dropped frame does not close the stream");
    }
}
