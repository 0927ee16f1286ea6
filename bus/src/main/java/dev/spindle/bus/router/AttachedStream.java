package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.codec.FrameDecoder;
import dev.spindle.bus.codec.FrameEncoder;
import dev.spindle.bus.codec.FrameException;
import dev.spindle.bus.codec.ReadyMarkerScanner;
import dev.spindle.bus.transport.ByteTransport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * One attached transport: reads login noise up to the ready marker, then frames, and writes
 * frames. A protocol error closes this stream only, with the error as the reason.
 *
 * <p>State is confined to the router's context; transport callbacks hop onto it. The counters are
 * volatile so {@link #stats()} can be read from any thread; only the context writes them.
 *
 * <p>Memory: a chunk counts against the transport's {@link ByteTransport#MAX_UNCONSUMED_BYTES}
 * from its arrival until it is decoded and its frames dispatched, so a stream whose context is
 * behind stops being read; the decoder holds at most one frame of {@code maxFrame}.
 */
final class AttachedStream implements AgentStream {

    private final ByteTransport transport;
    private final IdBlock block;
    private final String name;
    private final int maxFrame;
    private final ContextHop hop;
    private final StreamEvents events;
    private final LogGate logGate;
    private final ReadyMarkerScanner scanner = new ReadyMarkerScanner(Protocol.MAX_PREAMBLE);
    private final FrameDecoder decoder;
    private final Promise<Void> ready = Promise.promise();
    private final Promise<String> closed = Promise.promise();
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile int callsInFlight;
    private volatile long framesDropped;
    private boolean open = true;
    private Future<Void> transportClosed; // set once, when the stream closes

    AttachedStream(ByteTransport transport, IdBlock block, String name, RouterOptions options, ContextHop hop,
                   StreamEvents events) {
        this.transport = transport;
        this.block = block;
        this.name = name;
        this.maxFrame = options.maxFrame();
        this.hop = hop;
        this.events = events;
        this.decoder = new FrameDecoder(maxFrame);
        this.logGate = new LogGate(this, options.logLimits(), hop);
    }

    /**
     * Starts reading; called once, on the context, after the stream is in the route table. Chunks
     * always queue as tasks, even when they arrive on the context (a transport resuming its reads
     * from within {@link ByteTransport#consumed}): processed inline they would overtake chunks
     * still queued, and the end of the pipe queues behind its last chunk the same way.
     */
    void start() {
        transport.handlers(chunk -> hop.runLater(() -> received(chunk)),
                reason -> hop.runLater(() -> transportEnded(reason)));
    }

    /**
     * Writes {@code frame} to the agent; silently does nothing once the stream is closed, because
     * whatever waited on this stream has already been failed by the close.
     *
     * @throws IllegalArgumentException if the payload is over the maximum frame size
     */
    void send(Frame frame) {
        if (frame.payload().length() > maxFrame) {
            throw new IllegalArgumentException("frame of " + frame.payload().length()
                    + " bytes exceeds the maximum of " + maxFrame);
        }
        if (isClosed()) {
            return;
        }
        Buffer bytes = FrameEncoder.encode(frame);
        bytesOut += bytes.length();
        // always a later task: the write may fail at once, and the caller is still mid-operation
        transport.write(bytes).onFailure(e -> hop.runLater(() ->
                close("write to " + transport.describe() + " failed: " + e.getMessage())));
    }

    /** Closes the stream and its transport; later calls return the same future. */
    Future<Void> close(String reason) {
        if (!open) {
            return transportClosed;
        }
        open = false; // first: closing the transport may report back into this stream
        transportClosed = transport.close();
        logGate.summarise(); // before the line saying the stream closed, which may be why
        events.streamClosed(this, reason);
        ready.tryFail(new DeadContextException("stream '" + name + "' closed before the agent was ready: " + reason));
        closed.complete(reason);
        return transportClosed;
    }

    boolean isClosed() {
        return !open;
    }

    void callStarted() {
        callsInFlight++;
    }

    void callFinished() {
        callsInFlight--;
    }

    void frameDropped() {
        framesDropped++;
    }

    /** Decides which of the log lines this stream's target causes are written. */
    LogGate logGate() {
        return logGate;
    }

    /** Takes one chunk, then tells the transport it may read that much more, closed stream or not. */
    private void received(Buffer chunk) {
        try {
            decode(chunk);
        } finally {
            transport.consumed(chunk.length());
        }
    }

    private void decode(Buffer chunk) {
        if (isClosed()) {
            return;
        }
        bytesIn += chunk.length();
        try {
            Buffer frames = scanner.feed(chunk, this::preambleLine);
            if (scanner.markerSeen()) {
                ready.tryComplete();
                decoder.feed(frames, this::frameDecoded);
            }
        } catch (FrameException e) {
            close(e.getMessage());
        }
    }

    private void frameDecoded(Frame frame) {
        if (!isClosed()) {
            events.frameArrived(this, frame);
        }
    }

    private void preambleLine(String line) {
        events.agentLogged(this, new AgentLog(block.base(), name, "preamble", AgentLog.INFO, line));
    }

    /** The pipe is gone; say so if it cut a frame short, since that often explains the reason. */
    private void transportEnded(String reason) {
        if (isClosed()) {
            return;
        }
        try {
            decoder.endOfStream();
            close(reason);
        } catch (FrameException e) {
            close(reason + " (" + e.getMessage() + ")");
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public IdBlock block() {
        return block;
    }

    @Override
    public Future<Void> readyMarkerSeen() {
        return ready.future();
    }

    @Override
    public Future<String> closed() {
        return closed.future();
    }

    @Override
    public long bytesIn() {
        return bytesIn;
    }

    @Override
    public long bytesOut() {
        return bytesOut;
    }

    @Override
    public Stats stats() {
        return new Stats(bytesIn, bytesOut, callsInFlight, framesDropped);
    }

    @Override
    public String toString() {
        return "stream '" + name + "' " + block + " via " + transport.describe();
    }
}
