package dev.spindle.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

import dev.spindle.push.AgentContext;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * {@code put_file} and {@code fetch_file} (DESIGN.md §9): files travel as raw bytes in 128 KiB
 * chunks, never base64, and memory is bounded by a window, never by the file size. A put sends
 * its chunks as calls that carry bytes ({@link Upload}; a small file goes in one call); a fetch
 * is one streamed call ({@link Download}). Both sides write a temp file beside the destination
 * and rename it into place once size and SHA-1 check out. Local file I/O runs on worker threads.
 */
public final class FileTransfers {

    static final int CHUNK = 128 * 1024;
    static final Duration DEADLINE = Duration.ofMinutes(10);

    private final Vertx vertx;
    private final Download.Sizes fetchSizes;

    public FileTransfers(Vertx vertx) {
        this(vertx, Download.Sizes.DEFAULT);
    }

    FileTransfers(Vertx vertx, Download.Sizes fetchSizes) {
        this.vertx = vertx;
        this.fetchSizes = fetchSizes;
    }

    public Future<JsonObject> put(AgentContext agent, Path source, String dest) {
        return vertx.executeBlocking(() -> {
            if (!Files.isRegularFile(source)) {
                throw new BadRequestException("file to put does not exist: " + source);
            }
            return Files.size(source);
        }, false).compose(size -> size <= CHUNK ? putInline(agent, source, dest)
                : new Upload(vertx, agent, source, dest, size).start());
    }

    private Future<JsonObject> putInline(AgentContext agent, Path source, String dest) {
        return vertx.executeBlocking(() -> new AgentCall.PutSmall(dest, modeOf(source),
                        Buffer.buffer(Files.readAllBytes(source))), false)
                .compose(put -> agent.callForObject(put, DEADLINE));
    }

    /** Fetches {@code source} from the agent into {@code dest}: {@code {"size", "sha1"}} once it is in place. */
    public Future<JsonObject> fetch(AgentContext agent, String source, Path dest) {
        return new Download(vertx, agent, source, dest, fetchSizes).start();
    }

    static int modeOf(Path file) throws IOException {
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 and bit 0400
        }
        return mode;
    }

    static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
