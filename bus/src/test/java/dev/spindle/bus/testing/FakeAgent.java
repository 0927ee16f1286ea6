package dev.spindle.bus.testing;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.codec.FrameDecoder;
import dev.spindle.bus.codec.FrameEncoder;
import dev.spindle.bus.codec.FrameException;
import dev.spindle.bus.transport.ByteTransport;
import dev.spindle.bus.transport.ReadBacklog;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The agent end of an in-memory {@link ByteTransport}, scripted by the test: it reads what the
 * controller wrote (as bytes or decoded frames) and sends bytes, frames and end-of-pipe back.
 * The controller end is {@link #transport()}. Sends run on the test thread, so they also check
 * that the router hops onto its own context.
 */
public final class FakeAgent {

    private final String description;
    private final BlockingQueue<Buffer> written = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final List<Buffer> heldData = new ArrayList<>(); // sent before the router set its handlers
    private final ReadBacklog backlog = new ReadBacklog(ByteTransport.MAX_UNCONSUMED_BYTES); // counts; never holds back
    private Buffer unread = Buffer.buffer();
    private Handler<Buffer> onData;
    private Handler<String> onClosed;
    private String heldClose;
    private boolean ended;
    private volatile boolean closedByController;
    private volatile boolean pipeBroken;

    public FakeAgent(String description) {
        this.description = description;
    }

    public ByteTransport transport() {
        return new ControllerEnd();
    }

    public boolean closedByController() {
        return closedByController;
    }

    /** Bytes sent that the controller has not yet reported consumed. */
    public long unconsumedBytes() {
        return backlog.unconsumed();
    }

    // ---- agent -> controller

    public void sendReady() {
        sendBytes(Buffer.buffer(Protocol.READY_MARKER));
    }

    public void send(Frame frame) {
        sendBytes(FrameEncoder.encode(frame));
    }

    /** Answers {@code call} with a JSON value, from the context it was sent to. */
    public void reply(Frame call, Object value) {
        send(Frame.json(Protocol.CONTROLLER_ID, call.dst(), call.replyTo(), 0, value));
    }

    /** Sends an item of the stream that answers {@code call}: JSON, or raw for a Buffer. */
    public void sendItem(Frame call, Object value) {
        send(value instanceof Buffer bytes ? Frame.raw(Protocol.CONTROLLER_ID, call.dst(), call.replyTo(), 0, bytes)
                : Frame.json(Protocol.CONTROLLER_ID, call.dst(), call.replyTo(), 0, value));
    }

    /** Ends the stream that answers {@code call} with its last reply, a JSON value. */
    public void sendLast(Frame call, Object value) {
        send(new Frame(Protocol.CONTROLLER_ID, call.dst(), call.replyTo(), 0, Protocol.FLAG_LAST,
                Frame.json(0, 0, 0, 0, value).payload()));
    }

    public void replyError(Frame call, String type, String message, String traceback) {
        replyErrorAs(call.dst(), call, type, message, traceback);
    }

    /** Answers {@code call} with an error claiming to come from {@code src}, e.g. the parent of the context called. */
    public void replyErrorAs(int src, Frame call, String type, String message, String traceback) {
        JsonObject error = new JsonObject().put("type", type).put("message", message).put("traceback", traceback);
        send(new Frame(Protocol.CONTROLLER_ID, src, call.replyTo(), 0, Protocol.FLAG_ERROR, error.toBuffer()));
    }

    public void sendBytes(Buffer bytes) {
        backlog.delivered(bytes.length());
        synchronized (lock) {
            if (onData == null) {
                heldData.add(bytes);
            } else {
                onData.handle(bytes);
            }
        }
    }

    /** The agent process ends: the controller sees the pipe close with {@code reason}. */
    public void exit(String reason) {
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
            if (onClosed == null) {
                heldClose = reason;
            } else {
                onClosed.handle(reason);
            }
        }
    }

    // ---- controller -> agent

    /** The next {@code n} bytes the controller wrote. */
    public Buffer readBytes(int n) {
        while (unread.length() < n) {
            unread.appendBuffer(nextWrite());
        }
        Buffer bytes = unread.getBuffer(0, n);
        unread = unread.getBuffer(n, unread.length());
        return bytes;
    }

    /** The next frame the controller wrote. */
    public Frame nextFrame() {
        Buffer header = readBytes(Protocol.HEADER_SIZE);
        Buffer frame = header.appendBuffer(readBytes(header.getInt(20)));
        List<Frame> frames = new ArrayList<>();
        try {
            new FrameDecoder(Protocol.DEFAULT_MAX_FRAME).feed(frame, frames::add);
        } catch (FrameException e) {
            throw new AssertionError("controller wrote a bad frame: " + e.getMessage(), e);
        }
        return frames.get(0);
    }

    /** The next frame, which must be a CALL of {@code fn}. */
    public Frame nextCall(String fn) {
        Frame frame = nextFrame();
        assertEquals(Protocol.HANDLE_CALL, frame.handle(), "expected a CALL, got " + frame);
        assertEquals(fn, ((JsonObject) frame.json()).getString("fn"));
        return frame;
    }

    /** The next frame, which must be a STREAM_CALL of {@code fn}. */
    public Frame nextStreamCall(String fn) {
        Frame frame = nextFrame();
        assertEquals(Protocol.HANDLE_STREAM_CALL, frame.handle(), "expected a STREAM_CALL, got " + frame);
        assertEquals(fn, ((JsonObject) frame.json()).getString("fn"));
        return frame;
    }

    /** From now on the controller's writes fail, as on a dead SSH channel whose close is not reported yet. */
    public void breakPipe() {
        pipeBroken = true;
    }

    /** True if the controller wrote nothing more for {@code millis} (for things that must not happen). */
    public boolean receivesNothingWithin(long millis) {
        try {
            Buffer more = written.poll(millis, TimeUnit.MILLISECONDS);
            if (more != null) {
                unread.appendBuffer(more);
            }
            return more == null && unread.length() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    private Buffer nextWrite() {
        try {
            Buffer next = written.poll(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (next == null) {
                throw new AssertionError(description + ": the controller wrote nothing within " + Await.TIMEOUT);
            }
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    private final class ControllerEnd implements ByteTransport {

        @Override
        public Future<Void> write(Buffer data) {
            synchronized (lock) {
                if (ended || pipeBroken) {
                    return Future.failedFuture("broken pipe");
                }
                written.add(data.copy());
                return Future.succeededFuture();
            }
        }

        @Override
        public void handlers(Handler<Buffer> data, Handler<String> closed) {
            synchronized (lock) {
                onData = data;
                onClosed = closed;
                heldData.forEach(data::handle);
                heldData.clear();
                if (heldClose != null) {
                    closed.handle(heldClose);
                }
            }
        }

        @Override
        public void consumed(long bytes) {
            backlog.consumed(bytes);
        }

        @Override
        public Future<Void> close() {
            closedByController = true;
            exit("closed by the controller");
            return Future.succeededFuture();
        }

        @Override
        public String describe() {
            return description;
        }
    }
}
