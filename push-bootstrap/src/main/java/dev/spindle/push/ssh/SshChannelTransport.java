package dev.spindle.push.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.spindle.bus.transport.ByteTransport;
import dev.spindle.bus.transport.ReadBacklog;
import dev.spindle.push.StderrTail;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * The byte pipe to an agent over one SSH exec channel, non-blocking both ways: reads are a
 * chain of MINA async reads, writes a queue drained one MINA write at a time (MINA allows
 * only one pending write per stream). The channel's stderr is kept (last few KiB) so that a
 * target that fails before the agent runs — no Python, a shell error — is reported in words.
 *
 * <p>Back-pressure: MINA widens the channel's window only as we read, so when the receiver falls
 * {@link #MAX_UNCONSUMED_BYTES} behind, stdout reads stop and the target can send at most one
 * window more (MINA's buffer, 2 MiB by default) before it has to wait. Stderr is always read: it
 * shares the window, and only its tail is kept.
 */
public final class SshChannelTransport implements ByteTransport {

    private final ChannelExec channel;
    private final String description;
    private final Queue<PendingWrite> writes = new ArrayDeque<>();
    private final StderrTail stderrTail = new StderrTail();
    private final ReadBacklog backlog = new ReadBacklog(MAX_UNCONSUMED_BYTES);
    private boolean writing;
    private long queuedBytes;

    SshChannelTransport(ChannelExec channel, String description) {
        this.channel = channel;
        this.description = description;
    }

    private record PendingWrite(Buffer data, Promise<Void> done) {
    }

    @Override
    public Future<Void> write(Buffer data) {
        Promise<Void> done = Promise.promise();
        synchronized (writes) {
            if (queuedBytes + data.length() > MAX_QUEUED_BYTES) {
                return Future.failedFuture(new IOException(description + ": the agent is not reading its input ("
                        + queuedBytes + " bytes waiting)"));
            }
            queuedBytes += data.length();
            writes.add(new PendingWrite(data, done));
            if (writing) {
                return done.future();
            }
            writing = true;
        }
        drainWrites();
        return done.future();
    }

    /** Sends everything queued so far as one MINA write; re-arms itself while more is queued. */
    private void drainWrites() {
        Buffer batch = Buffer.buffer();
        Queue<Promise<Void>> completions = new ArrayDeque<>();
        synchronized (writes) {
            if (writes.isEmpty()) {
                writing = false;
                return;
            }
            for (PendingWrite w; (w = writes.poll()) != null; ) {
                batch.appendBuffer(w.data());
                completions.add(w.done());
            }
        }
        try {
            channel.getAsyncIn().writeBuffer(new ByteArrayBuffer(batch.getBytes())).addListener(f -> {
                synchronized (writes) {
                    queuedBytes -= batch.length();
                }
                Throwable failure = f.getException();
                completions.forEach(p -> {
                    if (failure == null) {
                        p.tryComplete();
                    } else {
                        p.tryFail(failure);
                    }
                });
                drainWrites();
            });
        } catch (IOException | RuntimeException e) {
            completions.forEach(p -> p.tryFail(e));
            synchronized (writes) {
                writes.forEach(w -> w.done().tryFail(e));
                writes.clear();
                writing = false;
            }
        }
    }

    @Override
    public void handlers(Handler<Buffer> onData, Handler<String> onClosed) {
        CompletableFuture<Void> stdoutDrained = new CompletableFuture<>();
        CompletableFuture<Void> stderrDrained = new CompletableFuture<>();
        // the close event can overtake output still buffered in MINA, stdout for as long as the
        // receiver is behind: report once stdout is read to its end and stderr (briefly) too
        channel.addCloseFutureListener(f -> CompletableFuture.allOf(stdoutDrained,
                        stderrDrained.completeOnTimeout(null, 1, TimeUnit.SECONDS))
                .thenRun(() -> onClosed.handle(closeReason())));
        new Pump(channel.getAsyncOut(), backlog::mayRead, bytes -> {
            backlog.delivered(bytes.length);
            onData.handle(Buffer.buffer(bytes));
        }, () -> stdoutDrained.complete(null)).run();
        new Pump(channel.getAsyncErr(), resume -> true, stderrTail::append, () -> stderrDrained.complete(null)).run();
    }

    @Override
    public void consumed(long bytes) {
        backlog.consumed(bytes);
    }

    /** Whether a pump may read now; if not, it stops and {@code resume} restarts it later. */
    private interface ReadGate {
        boolean mayRead(Runnable resume);
    }

    /**
     * Reads one stream until EOF, while its gate allows. Loops while reads complete synchronously
     * (data already buffered) so a burst can't grow the stack; otherwise continues from the
     * completion listener. One read is pending at a time and its bytes are copied out, so the
     * buffer is reused.
     */
    private record Pump(IoInputStream in, ReadGate gate, Consumer<byte[]> sink, Runnable onEof,
                        ByteArrayBuffer buffer) implements Runnable {

        Pump(IoInputStream in, ReadGate gate, Consumer<byte[]> sink, Runnable onEof) {
            this(in, gate, sink, onEof, new ByteArrayBuffer(READ_CHUNK, false));
        }

        @Override
        public void run() {
            while (gate.mayRead(this)) {
                buffer.clear();
                IoReadFuture read = in.read(buffer);
                if (!read.isDone()) {
                    read.addListener(f -> {
                        if (deliver(f)) {
                            run();
                        } else {
                            onEof.run();
                        }
                    });
                    return;
                }
                if (!deliver(read)) {
                    onEof.run();
                    return;
                }
            }
        }

        private boolean deliver(IoReadFuture read) {
            if (read.getException() != null) {
                return false; // EOF or a closed channel: the close listener reports why
            }
            var bytes = read.getBuffer();
            sink.accept(Arrays.copyOfRange(bytes.array(), bytes.rpos(), bytes.wpos()));
            return true;
        }
    }

    private String closeReason() {
        Integer status = channel.getExitStatus();
        String signal = channel.getExitSignal();
        Throwable sessionFailure = channel.getSession().getAttribute(SshClients.FAILURE);
        String how = status != null ? "exited with status " + status
                : signal != null ? "was killed by signal " + signal
                : sessionFailure != null ? "lost its SSH connection (" + sessionFailure.getMessage() + ")"
                : "lost its SSH channel";
        return "agent on " + description + " " + how + stderrTail.asReasonSuffix();
    }

    @Override
    public Future<Void> close() {
        Promise<Void> closed = Promise.promise();
        channel.close(false).addListener(f -> closed.tryComplete());
        return closed.future();
    }

    @Override
    public String describe() {
        return description;
    }
}
