package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.CallCancelledException;
import dev.spindle.bus.call.CallException;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.call.RemoteException;
import dev.spindle.bus.call.ReplyStream;
import dev.spindle.bus.testing.Await;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.spindle.bus.testing.RouterHarness.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls answered by a stream of items: order, credit, ends, and agents that ignore their credit. */
class StreamedCallTest {

    @RegisterExtension
    final RouterHarness harness = new RouterHarness();

    private final List<Object> received = new CopyOnWriteArrayList<>();

    @Test
    void itemsArriveInOrderThenTheLastReplyIsTheResult() {
        Connection db1 = harness.connect("db1");
        Promise<Void> ended = Promise.promise();

        ReplyStream stream = harness.router.stream(db1.id(), "fetch", new JsonObject().put("src", "/x"), 4, DEADLINE)
                .handler(received::add).endHandler(ended::complete);
        Frame sent = db1.agent().nextStreamCall("fetch");
        db1.agent().sendItem(sent, new JsonObject().put("task", 1));
        db1.agent().sendItem(sent, Buffer.buffer(new byte[]{0, (byte) 0xff}));
        db1.agent().sendLast(sent, new JsonObject().put("size", 2));

        assertEquals(new JsonObject().put("size", 2), Await.result(stream.result()));
        Await.result(ended.future());
        assertEquals(List.of(new JsonObject().put("task", 1), Buffer.buffer(new byte[]{0, (byte) 0xff})), received);
        assertEquals(new JsonObject().put("fn", "fetch").put("kw", new JsonObject().put("src", "/x")).put("window", 4),
                sent.json());
        assertEquals(0, db1.stream().stats().callsInFlight());
    }

    @Test
    void creditIsGrantedAsItemsAreConsumedHalfAWindowAtATime() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "run", null, 4, DEADLINE).pause().handler(received::add);
        Frame sent = db1.agent().nextStreamCall("run");
        for (int i = 0; i < 4; i++) {
            db1.agent().sendItem(sent, i);
        }
        assertTrue(db1.agent().receivesNothingWithin(100), "no credit while nothing was consumed");

        stream.fetch(1);
        Await.until(() -> received.size() == 1, "one item handed over");
        assertTrue(db1.agent().receivesNothingWithin(100), "no credit for less than half a window");
        stream.fetch(1);

        assertCredit(sent, 2, db1.agent().nextFrame());
        assertEquals(List.of(0, 1), received);
        db1.agent().sendItem(sent, 4);
        db1.agent().sendItem(sent, 5); // within the credit: 4 + 2
        stream.resume();
        db1.agent().sendLast(sent, null);
        Await.result(stream.result());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), received);
        assertEquals(0, db1.stream().stats().framesDropped());
    }

    @Test
    void itemsWaitForAHandlerAndTheEndWaitsForTheItems() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "run", null, 2, DEADLINE);
        Frame sent = db1.agent().nextStreamCall("run");
        db1.agent().sendItem(sent, "a");
        db1.agent().sendLast(sent, "done");
        assertTrue(db1.agent().receivesNothingWithin(100));
        assertFalse(stream.result().isComplete(), "not ended before its items were handed over");

        stream.handler(received::add);

        assertEquals("done", Await.result(stream.result()));
        assertEquals(List.of("a"), received);
    }

    @Test
    void itemLargerThanTheCallerTakesIsDroppedAndTheCallFailsSoTheWindowBoundsBytesToo() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "fetch_stream", null, 64, 1024, DEADLINE)
                .pause().handler(received::add);
        Frame sent = db1.agent().nextStreamCall("fetch_stream");

        db1.agent().sendItem(sent, Buffer.buffer(new byte[1024]));    // as large as it may be
        db1.agent().sendItem(sent, Buffer.buffer(new byte[1024 * 1024])); // a hostile agent's megabyte

        CallException e = Await.failure(stream.result(), CallException.class);
        assertEquals("streamed call 'fetch_stream' to context " + db1.id() + " failed: context " + db1.id()
                + " sent an item of 1048576 bytes, more than the 1024 its caller takes", e.getMessage());
        assertCancel(sent, db1.agent().nextFrame());
        assertEquals(1, db1.stream().stats().framesDropped());
        stream.resume();
        assertTrue(received.isEmpty(), "what was queued is dropped with the failed call");
    }

    @Test
    void agentIgnoringItsCreditIsDroppedAndTheCallFailsAndIsCancelled() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "flood", null, 2, DEADLINE).pause().handler(received::add);
        Frame sent = db1.agent().nextStreamCall("flood");

        for (int i = 0; i < 1000; i++) {
            db1.agent().sendItem(sent, i);
        }

        CallException e = Await.failure(stream.result(), CallException.class);
        assertEquals("streamed call 'flood' to context " + db1.id() + " failed: context " + db1.id()
                + " sent more items than the credit it was granted", e.getMessage());
        assertCancel(sent, db1.agent().nextFrame());
        Await.until(() -> db1.stream().stats().framesDropped() == 998, "every item beyond the window dropped");
        stream.resume();
        assertTrue(received.isEmpty(), "what was queued is dropped with the failed call");
        assertFalse(db1.stream().closed().isComplete());
    }

    @Test
    void errorMidStreamFailsTheCallAfterTheItemsBeforeIt() {
        Connection db1 = harness.connect("db1");
        Promise<Throwable> reported = Promise.promise();
        ReplyStream stream = harness.router.stream(db1.id(), "run", null, 4, DEADLINE)
                .handler(received::add).exceptionHandler(reported::complete);
        Frame sent = db1.agent().nextStreamCall("run");
        db1.agent().sendItem(sent, 1);
        db1.agent().replyError(sent, "OSError", "disk gone", "Traceback...");

        RemoteException e = Await.failure(stream.result(), RemoteException.class);
        assertEquals("disk gone", e.remoteMessage());
        assertEquals(e, Await.result(reported.future()));
        assertEquals(List.of(1), received);
    }

    @Test
    void repliesAfterTheEndAreDropped() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "run", null, 4, DEADLINE).handler(received::add);
        Frame sent = db1.agent().nextStreamCall("run");
        db1.agent().sendLast(sent, "done");
        Await.result(stream.result());

        db1.agent().sendItem(sent, "late item");
        db1.agent().sendLast(sent, "late end");

        Await.until(() -> db1.stream().stats().framesDropped() == 2, "both dropped");
        assertTrue(received.isEmpty());
    }

    @Test
    void anotherContextCannotSendItemsIntoTheStream() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        ReplyStream stream = harness.router.stream(child, "run", null, 4, DEADLINE).handler(received::add);
        Frame sent = db1.agent().nextStreamCall("run");

        db1.agent().send(Frame.json(0, db1.id(), sent.replyTo(), 0, "forged by the parent"));
        db1.agent().send(Frame.json(0, child + 1, sent.replyTo(), 0, "forged by a sibling"));

        Await.until(() -> db1.stream().stats().framesDropped() == 2, "both dropped");
        db1.agent().sendItem(sent, "genuine");
        db1.agent().sendLast(sent, null);
        Await.result(stream.result());
        assertEquals(List.of("genuine"), received);
    }

    @Test
    void cancelEndsTheStreamAndTellsTheAgent() {
        Connection db1 = harness.connect("db1");
        ReplyStream stream = harness.router.stream(db1.id(), "run", null, 4, DEADLINE).handler(received::add);
        Frame sent = db1.agent().nextStreamCall("run");
        db1.agent().sendItem(sent, 1);
        Await.until(() -> received.size() == 1, "the first item");

        stream.cancel();

        Await.failure(stream.result(), CallCancelledException.class);
        assertCancel(sent, db1.agent().nextFrame());
    }

    @Test
    void parentReportingItsChildDeadEndsTheChildsStream() {
        Connection db1 = harness.connect("db1");
        int child = db1.id() + 1;
        ReplyStream stream = harness.router.stream(child, "run", null, 4, DEADLINE).handler(received::add);
        Frame sent = db1.agent().nextStreamCall("run");
        db1.agent().sendItem(sent, 1);

        db1.agent().replyErrorAs(db1.id(), sent, "spindle.DeadContext", "context " + child + " is gone: its channel closed", "");

        DeadContextException e = Await.failure(stream.result(), DeadContextException.class);
        assertTrue(e.getMessage().contains("is gone: its channel closed"), e.getMessage());
    }

    @Test
    void windowOutsideTheProtocolsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> harness.router.stream(1000, "run", null, 0, DEADLINE));
        assertThrows(IllegalArgumentException.class,
                () -> harness.router.stream(1000, "run", null, Protocol.MAX_WINDOW + 1, DEADLINE));
    }

    private static void assertCredit(Frame call, int credit, Frame frame) {
        assertEquals(Protocol.HANDLE_CREDIT, frame.handle());
        assertEquals(call.dst(), frame.dst());
        assertEquals(new JsonObject().put("reply_to", Integer.toUnsignedLong(call.replyTo())).put("credit", credit),
                frame.json());
    }

    private static void assertCancel(Frame call, Frame frame) {
        assertEquals(Protocol.HANDLE_CANCEL, frame.handle());
        assertEquals(new JsonObject().put("reply_to", Integer.toUnsignedLong(call.replyTo())), frame.json());
    }
}
