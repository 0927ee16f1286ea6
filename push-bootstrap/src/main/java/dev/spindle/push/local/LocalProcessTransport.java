package dev.spindle.push.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import dev.spindle.bus.transport.ByteTransport;
import dev.spindle.bus.transport.ReadBacklog;
import dev.spindle.push.StderrTail;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * The byte pipe to an agent running as a local child process ({@code spindle_local},
 * {@code ./spindle exec --local}). Process pipes only offer blocking streams, so each agent gets
 * one reader thread and one writer thread; nothing here ever blocks an event loop. The stdout
 * reader waits while the receiver is {@link #MAX_UNCONSUMED_BYTES} behind; the agent then blocks
 * on its full pipe.
 */
public final class LocalProcessTransport implements ByteTransport {

    private static final int CLOSE_GRACE_SECONDS = 5;

    private final Process process;
    private final String description;
    private final ExecutorService writer;
    private final StderrTail stderrTail = new StderrTail();
    private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
    private final ReadBacklog backlog = new ReadBacklog(MAX_UNCONSUMED_BYTES);

    private LocalProcessTransport(Process process, String description) {
        this.process = process;
        this.description = description;
        this.writer = Executors.newSingleThreadExecutor(r -> daemon(r, "spindle-local-writer-" + process.pid()));
    }

    /** Starts {@code /bin/sh -c command} with piped stdio. */
    public static LocalProcessTransport start(String command) throws IOException {
        Process process = new ProcessBuilder(List.of("/bin/sh", "-c", command)).start();
        return new LocalProcessTransport(process, "local pid " + process.pid());
    }

    @Override
    public Future<Void> write(Buffer data) {
        Promise<Void> done = Promise.promise();
        if (queuedBytes.addAndGet(data.length()) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-data.length());
            return Future.failedFuture(new IOException(description + ": the agent is not reading its input"));
        }
        try {
            writer.execute(() -> {
                try {
                    OutputStream stdin = process.getOutputStream();
                    stdin.write(data.getBytes());
                    stdin.flush();
                    done.complete();
                } catch (IOException e) {
                    done.fail(e);
                } finally {
                    queuedBytes.addAndGet(-data.length());
                }
            });
        } catch (RejectedExecutionException closed) {
            done.fail(new IOException(description + " is closed"));
        }
        return done.future();
    }

    @Override
    public void handlers(Handler<Buffer> onData, Handler<String> onClosed) {
        Thread stderr = daemon(() -> copy(process.getErrorStream(), () -> { }, stderrTail::append),
                "spindle-local-stderr-" + process.pid());
        Thread stdout = daemon(() -> {
            copy(process.getInputStream(), this::awaitRoom, bytes -> {
                backlog.delivered(bytes.length);
                onData.handle(Buffer.buffer(bytes));
            });
            onClosed.handle(closeReason(stderr));
        }, "spindle-local-stdout-" + process.pid());
        stderr.start();
        stdout.start();
    }

    @Override
    public void consumed(long bytes) {
        backlog.consumed(bytes);
    }

    /** Blocks the stdout reader (its own thread) until the receiver has caught up. */
    private void awaitRoom() {
        CompletableFuture<Void> room = new CompletableFuture<>();
        if (!backlog.mayRead(() -> room.complete(null))) {
            room.join();
        }
    }

    private static void copy(InputStream in, Runnable beforeRead, java.util.function.Consumer<byte[]> sink) {
        byte[] chunk = new byte[READ_CHUNK];
        try {
            while (true) {
                beforeRead.run();
                int n = in.read(chunk);
                if (n < 0) {
                    return;
                }
                sink.accept(Arrays.copyOf(chunk, n));
            }
        } catch (IOException closed) {
            // the process is gone; closeReason says how
        }
    }


    private String closeReason(Thread stderrReader) {
        int status;
        try {
            status = process.waitFor();
            stderrReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "agent " + description + " was abandoned";
        }
        writer.shutdownNow();
        String how = status > 128 ? "was killed by signal " + (status - 128) : "exited with status " + status;
        return "agent " + description + " " + how + stderrTail.asReasonSuffix();
    }

    /**
     * Closes stdin (EOF: the agent exits on its own and kills its children) on a thread of its
     * own: closing waits for the writer, which may be stuck on an agent that stopped reading,
     * and this is called from event loops. An agent still there after the grace is killed.
     */
    @Override
    public Future<Void> close() {
        writer.shutdownNow();
        daemon(() -> {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(CLOSE_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException | InterruptedException gone) {
                process.destroyForcibly();
            }
        }, "spindle-local-close-" + process.pid()).start();
        return Future.succeededFuture();
    }

    @Override
    public String describe() {
        return description;
    }

    private static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
