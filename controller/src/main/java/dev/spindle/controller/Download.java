package dev.spindle.controller;

import static dev.spindle.controller.FileTransfers.CHUNK;
import static dev.spindle.controller.FileTransfers.DEADLINE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

import dev.spindle.bus.call.ReplyStream;
import dev.spindle.push.AgentContext;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One fetch: a {@code fetch_stream} call whose raw items are written in order, on a worker
 * thread, to a temp file beside the destination, the SHA-1 computed as they go. The next item is
 * taken from the stream only once the last one is written, and the stream grants the agent credit
 * only for items taken, so the agent sends as fast as the disk takes the bytes, and at most a
 * window of items, each no larger than a chunk (a larger one fails the call), wait in memory.
 * The temp file is renamed into place only if the agent's last reply names the size and SHA-1 of
 * what arrived; any failure removes it.
 */
final class Download {

    /** Items the agent may send ahead: 8 MiB, and at least half of it in flight (40 MiB/s over a 100 ms round trip). */
    static final int WINDOW = 64;

    /** How the file is cut: item size and window; tests use small ones to see a fetch mid-way. */
    record Sizes(int chunk, int window) {
        static final Sizes DEFAULT = new Sizes(CHUNK, WINDOW);
    }

    private final Vertx vertx;
    private final AgentContext agent;
    private final String source;
    private final Path dest;
    private final Sizes sizes;
    private final MessageDigest digest = FileTransfers.sha1();
    private long received;       // written to the temp file, on the worker thread
    private Future<Void> written = Future.succeededFuture(); // the latest write; on the router's context
    private Path temp;
    private FileChannel channel;

    Download(Vertx vertx, AgentContext agent, String source, Path dest, Sizes sizes) {
        this.vertx = vertx;
        this.sizes = sizes;
        this.agent = agent;
        this.source = source;
        this.dest = dest;
    }

    Future<JsonObject> start() {
        return vertx.executeBlocking(this::openTemp, false)
                .compose(v -> receive())
                .compose(end -> vertx.executeBlocking(() -> commit(end), false))
                .eventually(() -> vertx.executeBlocking(this::discardTemp, false));
    }

    private Void openTemp() throws IOException {
        Path dir = dest.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        temp = Files.createTempFile(dir, "." + dest.getFileName(), ".spindle-part");
        channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        return null;
    }

    /** The agent's last reply, once every item before it is written; a failed write fails it. */
    private Future<Object> receive() {
        ReplyStream stream = agent.stream(new AgentCall.FetchStream(source, sizes.chunk()), sizes.window(),
                sizes.chunk(), DEADLINE);
        stream.pause();
        stream.handler(item -> {
            written = written.compose(v -> write(item)).onComplete(done -> {
                if (done.succeeded()) {
                    stream.fetch(1);
                } else {
                    stream.cancel();
                }
            });
        });
        stream.fetch(1);
        // the handler has run for every item before the end, so `written` is the last write:
        // wait for it either way, so nothing writes once the temp file is discarded
        Future<Object> end = stream.result();
        return end.transform(ended -> written.transform(write -> write.failed() ? Future.failedFuture(write.cause()) : end));
    }

    private Future<Void> write(Object item) {
        if (!(item instanceof Buffer chunk)) {
            return Future.failedFuture(new IOException(failure("the agent sent JSON instead of bytes")));
        }
        return vertx.executeBlocking(() -> {
            ByteBuffer bytes = ByteBuffer.wrap(chunk.getBytes());
            digest.update(bytes.duplicate());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            received += chunk.length();
            return null;
        }, true);
    }

    private JsonObject commit(Object end) throws IOException {
        String sha1 = HexFormat.of().formatHex(digest.digest());
        if (!(end instanceof JsonObject last) || !(last.getValue("size") instanceof Number size)
                || size.longValue() != received || !sha1.equals(last.getValue("sha1"))) {
            throw new IOException(failure("received " + received + " bytes with sha1 " + sha1
                    + ", but the agent reports it sent " + brief(end)));
        }
        channel.close();
        Files.move(temp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new JsonObject().put("size", received).put("sha1", sha1);
    }

    private String failure(String what) {
        return "fetch of " + source + " from " + agent.name() + ": " + what + "; " + dest + " not written";
    }

    /** What the agent said, cut short: a hostile one could send megabytes. */
    private static String brief(Object reply) {
        String text = String.valueOf(reply);
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }

    private Void discardTemp() throws IOException {
        if (channel != null) {
            channel.close();
        }
        if (temp != null) {
            Files.deleteIfExists(temp);
        }
        return null;
    }
}
