package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.Call;
import dev.spindle.bus.call.CallCancelledException;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.CallTimeoutException;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.call.RemoteException;
import dev.spindle.bus.testing.Await;
import dev.spindle.bus.testing.FakeAgent;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import dev.spindle.bus.transport.ByteTransport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static dev.spindle.bus.testing.RouterHarness.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request and reply through the router: results, remote errors, deadlines, cancellation, dead streams. */
class CallTest {

    @RegisterExtension
    final RouterHarness harness = new RouterHarness();

    @Test
    void replyCompletesTheCallWithItsJsonValue() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "ping", new JsonObject(), DEADLINE);
        Frame sent = db1.agent().nextCall("ping");
        db1.agent().reply(sent, new JsonObject().put("pid", 4242));

        assertEquals(new JsonObject().put("pid", 4242), Await.result(call.result()));
        assertEquals(new JsonObject().put("fn", "ping").put("kw", new JsonObject()), sent.json());
        assertEquals(db1.id(), sent.dst());
        assertEquals(Protocol.CONTROLLER_ID, sent.src());
        assertTrue(Integer.toUnsignedLong(sent.replyTo()) >= Protocol.FIRST_REPLY_HANDLE);
    }

    @Test
    void rawReplyCompletesTheCallWithItsBytes() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "read", null, DEADLINE);
        Frame sent = db1.agent().nextCall("read");
        db1.agent().send(Frame.raw(0, db1.id(), sent.replyTo(), 0, Buffer.buffer(new byte[]{0, (byte) 0xff})));

        assertEquals(Buffer.buffer(new byte[]{0, (byte) 0xff}), Await.result(call.result()));
    }

    @Test
    void callWithBytesIsRawTheLengthOfItsRequestThenTheRequestThenTheBytes() {
        Connection db1 = harness.connect("db1");
        Buffer data = Buffer.buffer(new byte[]{0, (byte) 0xff, '{'});

        Call call = harness.router.call(db1.id(), "put_chunk", new JsonObject().put("offset", 5), data, DEADLINE);
        Frame sent = db1.agent().nextFrame();
        db1.agent().reply(sent, new JsonObject());

        assertEquals(new JsonObject(), Await.result(call.result()));
        assertEquals(Protocol.HANDLE_CALL, sent.handle());
        assertEquals(Protocol.FLAG_RAW, sent.flags());
        Buffer request = new JsonObject().put("fn", "put_chunk").put("kw", new JsonObject().put("offset", 5)).toBuffer();
        assertEquals(Buffer.buffer().appendInt(request.length()).appendBuffer(request).appendBuffer(data), sent.payload());
    }

    @Test
    void repliesArrivingOutOfOrderFindTheirCalls() {
        Connection db1 = harness.connect("db1");

        Call first = harness.router.call(db1.id(), "first", null, DEADLINE);
        Call second = harness.router.call(db1.id(), "second", null, DEADLINE);
        Frame firstSent = db1.agent().nextCall("first");
        Frame secondSent = db1.agent().nextCall("second");
        db1.agent().reply(secondSent, 2);
        db1.agent().reply(firstSent, 1);

        assertEquals(1, Await.result(first.result()));
        assertEquals(2, Await.result(second.result()));
    }

    @Test
    void errorReplyFailsTheCallWithTheRemoteFields() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "explode", null, DEADLINE);
        db1.agent().replyError(db1.agent().nextCall("explode"), "ValueError", "bad", "Traceback...");

        RemoteException e = Await.failure(call.result(), RemoteException.class);
        assertEquals("ValueError", e.type());
        assertEquals("bad", e.remoteMessage());
        assertEquals("Traceback...", e.remoteTraceback());
        assertEquals(db1.id(), e.context());
        assertEquals("ValueError: bad (in context " + db1.id() + ")", e.getMessage());
    }

    @Test
    void errorReplyFromAHostileAgentCannotForgeLinesOrDriveTheTerminal() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "explode", null, DEADLINE);
        db1.agent().replyError(db1.agent().nextCall("explode"), "Error\u001b[2J", "bad\nforged", "Traceback\n  line\u009b");

        RemoteException e = Await.failure(call.result(), RemoteException.class);
        assertEquals("Error\\x1b[2J", e.type());
        assertEquals("bad\\nforged", e.remoteMessage());
        assertEquals("Traceback\\n  line\\x9b", e.remoteTraceback());
    }

    @Test
    void replyThatIsNotJsonFailsOnlyThatCall() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");
        db1.agent().send(new Frame(0, db1.id(), sent.replyTo(), 0, 0, Buffer.buffer("{not json")));

        CallException e = Await.failure(call.result(), CallException.class);
        assertTrue(e.getMessage().startsWith("call 'ping' to context " + db1.id() + " got a malformed reply"),
                e.getMessage());
        Call next = harness.router.call(db1.id(), "ping", null, DEADLINE);
        db1.agent().reply(db1.agent().nextCall("ping"), "pong");
        assertEquals("pong", Await.result(next.result()));
    }

    @Test
    void deadlineFailsTheCallAndCancelsItOnTheAgent() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "sleep", null, Duration.ofMillis(100));
        Frame sent = db1.agent().nextCall("sleep");

        CallTimeoutException e = Await.failure(call.result(), CallTimeoutException.class);
        assertEquals("call 'sleep' to context " + db1.id() + " got no reply within 100 ms", e.getMessage());
        assertCancelFor(sent, db1.agent().nextFrame());
    }

    @Test
    void cancelFailsTheCallAndSendsCancelToTheAgent() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "sleep", null, DEADLINE);
        Frame sent = db1.agent().nextCall("sleep");
        call.cancel();

        Await.failure(call.result(), CallCancelledException.class);
        assertCancelFor(sent, db1.agent().nextFrame());
    }

    @Test
    void cancelAfterTheReplyChangesNothing() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "ping", null, DEADLINE);
        db1.agent().reply(db1.agent().nextCall("ping"), "pong");
        Await.result(call.result());
        call.cancel();

        assertEquals("pong", Await.result(call.result()));
        assertTrue(db1.agent().receivesNothingWithin(100), "no CANCEL for a finished call");
    }

    @Test
    void callToAnIdWithoutStreamFailsFast() {
        Call call = harness.router.call(7000, "ping", null, DEADLINE);

        DeadContextException e = Await.failure(call.result(), DeadContextException.class);
        assertEquals("no route to context 7000", e.getMessage());
    }

    @Test
    void streamDeathFailsItsPendingCallsWithTheReason() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");

        Call onDb1 = harness.router.call(db1.id(), "sleep", null, DEADLINE);
        Call onDb2 = harness.router.call(db2.id(), "ping", null, DEADLINE);
        db1.agent().nextCall("sleep");
        db1.agent().exit("agent exited with status 1: Killed");

        DeadContextException e = Await.failure(onDb1.result(), DeadContextException.class);
        assertTrue(e.getMessage().contains("agent exited with status 1: Killed"), e.getMessage());
        db2.agent().reply(db2.agent().nextCall("ping"), "pong");
        assertEquals("pong", Await.result(onDb2.result()));
        assertEquals("no route to context " + db1.id(), Await.failure(
                harness.router.call(db1.id(), "ping", null, DEADLINE).result(), DeadContextException.class).getMessage());
    }

    @Test
    void parentReportingItsChildDeadFailsTheCallAtOnceWithTheCause() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        Call call = harness.router.call(child, "sleep", null, Duration.ofHours(12));
        Frame sent = db1.agent().nextCall("sleep");

        db1.agent().replyErrorAs(db1.id(), sent, "spindle.DeadContext", "context " + child + " is gone: its channel closed", "");

        DeadContextException e = Await.failure(call.result(), DeadContextException.class);
        assertEquals("call 'sleep' to context " + child + " failed: context " + child
                + " is gone: its channel closed (reported by its parent, context " + db1.id() + ")", e.getMessage());
        assertEquals(0, db1.stream().stats().callsInFlight());
        assertEquals(0, db1.stream().stats().framesDropped());
    }

    @Test
    void callsArePipelinedBehindBytesWrittenBeforeAttach() {
        FakeAgent agent = new FakeAgent("memory db1");
        ByteTransport transport = agent.transport();
        Buffer stage2 = Buffer.buffer("zlib-compressed stage 2");
        transport.write(stage2);

        IdBlock block = harness.router.allocateBlock();
        harness.router.attach(transport, block, "db1");
        Call call = harness.router.call(block.base(), "ping", null, DEADLINE);

        assertEquals(stage2, agent.readBytes(stage2.length()));
        Frame sent = agent.nextCall("ping"); // written before the agent said it is ready
        agent.sendReady();
        agent.reply(sent, "pong");
        assertEquals("pong", Await.result(call.result()));
    }

    @Test
    void callsToABecomeChildGoThroughItsLoginStream() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;

        Call call = harness.router.call(child, "info", null, DEADLINE);
        Frame sent = db1.agent().nextCall("info");
        db1.agent().reply(sent, new JsonObject().put("context_id", child));

        assertEquals(child, sent.dst());
        assertEquals(new JsonObject().put("context_id", child), Await.result(call.result()));
    }

    @Test
    void callTooLargeForAFrameFailsWithoutBeingSent() {
        try (RouterHarness small = new RouterHarness(RouterOptions.defaults().withMaxFrame(100))) {
            Connection db1 = small.connect("db1");

            Call call = small.router.call(db1.id(), "exec", new JsonObject().put("stdin", "x".repeat(100)), DEADLINE);

            CallException e = Await.failure(call.result(), CallException.class);
            assertTrue(e.getMessage().contains("exceeds the maximum of 100"), e.getMessage());
            assertTrue(db1.agent().receivesNothingWithin(100));
        }
    }

    @Test
    void statsCountBytesAndCallsInFlight() {
        Connection db1 = harness.connect("db1");

        Call call = harness.router.call(db1.id(), "ping", null, DEADLINE);
        Frame sent = db1.agent().nextCall("ping");
        Await.until(() -> db1.stream().stats().callsInFlight() == 1, "one call in flight");
        db1.agent().reply(sent, "pong");
        Await.result(call.result());

        Stats stats = db1.stream().stats();
        assertEquals(0, stats.callsInFlight());
        assertEquals(Protocol.HEADER_SIZE + sent.payload().length(), stats.bytesOut());
        assertEquals(Protocol.READY_MARKER.length() + Protocol.HEADER_SIZE + "\"pong\"".length(), stats.bytesIn());
        assertEquals(stats.bytesIn(), db1.stream().bytesIn());
        assertEquals(stats.bytesOut(), db1.stream().bytesOut());
    }

    private static void assertCancelFor(Frame call, Frame cancel) {
        assertEquals(Protocol.HANDLE_CANCEL, cancel.handle());
        assertEquals(call.dst(), cancel.dst());
        assertEquals(0, cancel.replyTo());
        assertEquals(new JsonObject().put("reply_to", Integer.toUnsignedLong(call.replyTo())), cancel.json());
    }
}
