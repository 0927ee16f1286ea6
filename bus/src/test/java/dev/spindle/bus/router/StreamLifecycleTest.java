package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.Call;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.testing.Await;
import dev.spindle.bus.testing.FakeAgent;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.spindle.bus.testing.RouterHarness.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream from attach to close: login noise, the ready marker, protocol errors, the pipe ending, detach. */
class StreamLifecycleTest {

    @RegisterExtension
    final RouterHarness harness = new RouterHarness();

    @Test
    void loginNoiseBeforeTheMarkerBecomesPreambleLogLines() {
        Connection db1 = harness.attach("db1");

        db1.agent().sendBytes(Buffer.buffer("Last login: Mon from 10.0.0.1\nwelcome to db1\n" + Protocol.READY_MARKER));

        Await.result(db1.stream().readyMarkerSeen());
        assertEquals(new AgentLog(db1.id(), "db1", "preamble", AgentLog.INFO, "Last login: Mon from 10.0.0.1"),
                harness.nextLog());
        assertEquals("welcome to db1", harness.nextLog().message());
    }

    @Test
    void noReadyMarkerWithin64KiBClosesTheStream() {
        Connection db1 = harness.attach("db1");

        db1.agent().sendBytes(Buffer.buffer("motd line\n".repeat(7000)));

        String reason = Await.result(db1.stream().closed());
        assertTrue(reason.startsWith("no agent ready marker within 65536 bytes; the target printed: \"motd line\\n"),
                reason);
        assertTrue(Await.failure(db1.stream().readyMarkerSeen(), DeadContextException.class).getMessage()
                .contains(reason));
        assertTrue(db1.agent().closedByController());
    }

    @Test
    void readyMarkerSeenFailsWithTheReasonWhenTheAgentDiesFirst() {
        Connection db1 = harness.attach("db1");

        db1.agent().exit("agent exited with status 127: spindle: no usable python found");

        DeadContextException e = Await.failure(db1.stream().readyMarkerSeen(), DeadContextException.class);
        assertEquals("stream 'db1' closed before the agent was ready: "
                + "agent exited with status 127: spindle: no usable python found", e.getMessage());
    }

    @Test
    void garbageClosesOnlyThatStream() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");
        Call onDb1 = harness.router.call(db1.id(), "sleep", null, DEADLINE);
        byte[] garbage = new byte[4096];
        new Random(5).nextBytes(garbage);
        garbage[0] = 'X';

        db1.agent().sendBytes(Buffer.buffer(garbage));

        String reason = Await.result(db1.stream().closed());
        assertTrue(reason.startsWith("bad magic at stream offset 0"), reason);
        assertTrue(Await.failure(onDb1.result(), DeadContextException.class).getMessage().contains(reason));
        assertTrue(db1.agent().closedByController());
        assertCallsStillWork(db2);
    }

    @Test
    void oversizedLengthClosesOnlyThatStream() {
        Connection db1 = harness.connect("db1");
        Connection db2 = harness.connect("db2");

        db1.agent().sendBytes(Buffer.buffer().appendString("SP").appendByte((byte) 1).appendByte((byte) 0)
                .appendInt(0).appendInt(db1.id()).appendInt(Protocol.HANDLE_LOG).appendInt(0).appendInt(-1));

        assertEquals("frame of 4294967295 bytes exceeds the maximum of 33554432 (at stream offset 0)",
                Await.result(db1.stream().closed()));
        assertCallsStillWork(db2);
    }

    @Test
    void pipeEndingInsideAFrameSaysSoInTheReason() {
        Connection db1 = harness.connect("db1");

        db1.agent().sendBytes(Buffer.buffer("SP\1\0\0\0\0\0"));
        db1.agent().exit("agent exited with status 1");

        assertEquals("agent exited with status 1 (stream ended inside a frame (8 of 24 header bytes))",
                Await.result(db1.stream().closed()));
    }

    @Test
    void everyChunkIsReportedConsumedAlsoAfterTheStreamClosed() {
        Connection db1 = harness.connect("db1");

        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_LOG, 0,
                new JsonObject().put("name", "x").put("level", 20).put("msg", "hello")));
        db1.agent().sendBytes(Buffer.buffer("XX"));
        db1.agent().sendBytes(Buffer.buffer("bytes after the protocol error"));

        assertTrue(Await.result(db1.stream().closed()).startsWith("bad magic"));
        // a transport waiting for room would otherwise never read again, nor see its pipe end
        Await.until(() -> db1.agent().unconsumedBytes() == 0, "all bytes sent reported consumed");
    }

    @Test
    void failedWriteClosesTheStreamAndFailsTheCall() {
        Connection db1 = harness.connect("db1");
        db1.agent().breakPipe();

        Call call = harness.router.call(db1.id(), "ping", null, DEADLINE);

        assertEquals("write to memory db1 failed: broken pipe", Await.result(db1.stream().closed()));
        assertTrue(Await.failure(call.result(), DeadContextException.class).getMessage()
                .endsWith("closed: write to memory db1 failed: broken pipe"));
    }

    @Test
    void detachClosesTheTransportAndFailsPendingCalls() {
        Connection db1 = harness.connect("db1");
        Call call = harness.router.call(db1.id(), "sleep", null, DEADLINE);
        db1.agent().nextCall("sleep");

        Await.result(harness.router.detach(db1.stream()));

        assertTrue(db1.agent().closedByController());
        assertEquals("detached by the controller", Await.result(db1.stream().closed()));
        assertTrue(Await.failure(call.result(), DeadContextException.class).getMessage()
                .endsWith("stream 'db1' closed: detached by the controller"));
    }

    @Test
    void blockOfAnAttachedStreamCannotBeAttachedAgain() {
        Connection db1 = harness.connect("db1");
        FakeAgent impostor = new FakeAgent("memory impostor");

        IllegalArgumentException e = Await.failure(harness.router.attach(impostor.transport(),
                new IdBlock(db1.id() + 500, Protocol.ID_BLOCK), "impostor"), IllegalArgumentException.class);
        assertTrue(e.getMessage().startsWith("block [1500, 2500) overlaps stream 'db1' [1000, 2000)"), e.getMessage());

        Await.result(harness.router.detach(db1.stream()));
        Await.result(harness.router.attach(impostor.transport(), db1.stream().block(), "successor"));
    }

    @Test
    void allocatedBlocksAreDistinctAndLeaveOutTheController() {
        IdBlock first = harness.router.allocateBlock();
        IdBlock second = harness.router.allocateBlock();

        assertEquals(new IdBlock(Protocol.ID_BLOCK, Protocol.ID_BLOCK), first);
        assertEquals(new IdBlock(2 * Protocol.ID_BLOCK, Protocol.ID_BLOCK), second);
    }

    @Test
    void failingLogHandlerDoesNotBreakTheStream() {
        Connection db1 = harness.connect("db1");
        AtomicInteger handled = new AtomicInteger();
        harness.router.logHandler(record -> {
            handled.incrementAndGet();
            throw new IllegalStateException("log sink is broken");
        });

        db1.agent().send(Frame.json(0, db1.id(), Protocol.HANDLE_LOG, 0,
                new JsonObject().put("name", "x").put("level", 20).put("msg", "hello")));

        Await.until(() -> handled.get() == 1, "log handler called");
        assertCallsStillWork(db1);
    }

    @Test
    void closedRouterRefusesNewStreams() {
        Await.result(harness.router.close());

        IllegalStateException e = Await.failure(harness.router.attach(new FakeAgent("late").transport(),
                harness.router.allocateBlock(), "late"), IllegalStateException.class);
        assertEquals("router is closed", e.getMessage());
    }

    private void assertCallsStillWork(Connection other) {
        Call call = harness.router.call(other.id(), "ping", null, DEADLINE);
        other.agent().reply(other.agent().nextCall("ping"), "pong");
        assertEquals("pong", Await.result(call.result()));
    }
}
