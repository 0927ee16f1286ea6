package dev.spindle.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.spindle.bus.transport.ByteTransport;
import dev.spindle.push.local.LocalProcessTransport;
import dev.spindle.push.ssh.SshConnector;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.EmbeddedSshTarget;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer far faster than its receiver, over real pipes and a real SSH channel: the transport
 * stops reading once the receiver is {@link ByteTransport#MAX_UNCONSUMED_BYTES} behind, and
 * reads on when it catches up, to the end, without losing or reordering a byte.
 */
@Timeout(120)
class TransportBackPressureTest {

    /** Far more than the backlog limit, a pipe's buffer and MINA's 2 MiB channel window together. */
    private static final int TOTAL = 16 * 1024 * 1024;
    private static final byte[] LINE = "0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII);
    private static final String PRODUCER = "yes 0123456789abcdef | head -c " + TOTAL;

    @Test
    void localProcessStopsReadingWhileTheReceiverIsBehind() throws Exception {
        check(LocalProcessTransport.start(PRODUCER));
    }

    @Test
    void sshChannelStopsReadingWhileTheReceiverIsBehind(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (EmbeddedSshTarget target = EmbeddedSshTarget.start(dir); SshConnector connector = new SshConnector(vertx, 4)) {
            SshOptions options = SshOptions.builder("127.0.0.1", System.getProperty("user.name")).port(target.port())
                    .identityFile(target.clientKey()).knownHostsFile(target.knownHosts()).build();
            check(connector.exec(options, PRODUCER).await());
        } finally {
            vertx.close().await();
        }
    }

    private static void check(ByteTransport transport) throws InterruptedException {
        SlowReceiver receiver = new SlowReceiver(transport);
        transport.handlers(receiver::take, receiver.end::complete);

        receiver.awaitBacklogOver(ByteTransport.MAX_UNCONSUMED_BYTES);
        assertTrue(receiver.receivesNothingWithin(500), "the transport read on: " + receiver.unconsumed + " bytes held");

        receiver.consumeToTheEnd();
        assertEquals(TOTAL, receiver.verified);
        assertTrue(receiver.mostUnconsumed.get() <= ByteTransport.MAX_UNCONSUMED_BYTES + ByteTransport.READ_CHUNK,
                "backlog reached " + receiver.mostUnconsumed.get());
    }

    /** Holds what it is given until told to consume; then consumes on the test thread, checking every byte. */
    private static final class SlowReceiver {

        private final ByteTransport transport;
        private final BlockingQueue<Buffer> held = new LinkedBlockingQueue<>();
        private final AtomicLong unconsumed = new AtomicLong();
        private final AtomicLong mostUnconsumed = new AtomicLong();
        private final CompletableFuture<String> end = new CompletableFuture<>();
        private long verified;

        SlowReceiver(ByteTransport transport) {
            this.transport = transport;
        }

        void take(Buffer chunk) {
            mostUnconsumed.accumulateAndGet(unconsumed.addAndGet(chunk.length()), Math::max);
            held.add(chunk);
        }

        void awaitBacklogOver(long bytes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (unconsumed.get() <= bytes) {
                assertNull(end.getNow(null), "the pipe ended before the backlog filled");
                if (System.nanoTime() > deadline) {
                    fail("backlog still " + unconsumed.get() + " bytes after 30 s");
                }
                Thread.sleep(5);
            }
        }

        /** For what must not happen: no chunk arrives within {@code millis}. */
        boolean receivesNothingWithin(long millis) throws InterruptedException {
            long before = unconsumed.get();
            Thread.sleep(millis);
            return unconsumed.get() == before;
        }

        void consumeToTheEnd() throws InterruptedException {
            while (!(end.isDone() && held.isEmpty())) {
                Buffer chunk = held.poll(100, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    verify(chunk);
                    unconsumed.addAndGet(-chunk.length()); // before the transport learns it, so never below its count
                    transport.consumed(chunk.length());
                }
            }
        }

        private void verify(Buffer chunk) {
            for (int i = 0; i < chunk.length(); i++, verified++) {
                if (chunk.getByte(i) != LINE[(int) (verified % LINE.length)]) {
                    fail("byte " + verified + " is wrong: lost or reordered bytes");
                }
            }
        }
    }
}
