package dev.spindle.push.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.spindle.bus.transport.ByteTransport;
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
 */
public final class SshChannelTransport implements ByteTransport {

    private static final int READ_CHUNK = 64 * 1024;

    private final ChannelExec channel;
    private final String description;
    private final Queue<PendingWrite> writes = new ArrayDeque<>();
    private final StderrTail stderrTail = new StderrTail();
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
        CompletableFuture<Void> stderrDrained = new CompletableFuture<>();
        // the close event can overtake stderr still buffered in MINA: report once it is read
        channel.addCloseFutureListener(f -> stderrDrained.completeOnTimeout(null, 1, TimeUnit.SECONDS)
                .thenRun(() -> onClosed.handle(closeReason())));
        pump(channel.getAsyncOut(), bytes -> onData.handle(Buffer.buffer(bytes)), () -> { });
        pump(channel.getAsyncErr(), stderrTail::append, () -> stderrDrained.complete(null));
    }

    /**
     * Reads until EOF. Loops while reads complete synchronously (data already buffered) so a
     * burst can't grow the stack; otherwise continues from the completion listener.
     */
    private void pump(IoInputStream in, Consumer<byte[]> sink, Runnable onEof) {
        pump(in, new ByteArrayBuffer(READ_CHUNK, false), sink, onEof);
    }

    private void pump(IoInputStream in, ByteArrayBuffer buffer, Consumer<byte[]> sink, Runnable onEof) {
        while (true) {
            buffer.clear(); // one read is pending at a time and its bytes are copied out, so reuse
            IoReadFuture read = in.read(buffer);
            if (!read.isDone()) {
                read.addListener(f -> {
                    if (deliver(f, sink)) {
                        pump(in, buffer, sink, onEof);
                    } else {
                        onEof.run();
                    }
                });
                return;
            }
            if (!deliver(read, sink)) {
                onEof.run();
                return;
            }
        }
    }

    private static boolean deliver(IoReadFuture read, Consumer<byte[]> sink) {
        if (read.getException() != null) {
            return false; // EOF or a closed channel: the close listener reports why
        }
        var buffer = read.getBuffer();
        sink.accept(Arrays.copyOfRange(buffer.array(), buffer.rpos(), buffer.wpos()));
        return true;
    }


    private String closeReason() {
        Integer status = channel.getExitStatus();
        String signal = channel.getExitSignal();
        String how = status != null ? "exited with status " + status
                : signal != null ? "was killed by signal " + signal
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
