package dev.spindle.controller;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

import dev.spindle.push.AgentContext;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * {@code put_file} and {@code fetch_file} (DESIGN.md §9): files travel in 128 KiB chunks with at
 * most {@link #WINDOW} bytes in flight per transfer, so memory is bounded by the window, never
 * by the file size. Small files go inline in one call. The agent writes to a temp file in the
 * destination directory and renames it into place; chunks carry their offset, so the agent may
 * write them in any order. Local file I/O runs on worker threads.
 */
public final class FileTransfers {

    static final int CHUNK = 128 * 1024;
    static final int WINDOW = 4 * 1024 * 1024;
    private static final Duration DEADLINE = Duration.ofMinutes(10);

    private final Vertx vertx;

    public FileTransfers(Vertx vertx) {
        this.vertx = vertx;
    }

    public Future<JsonObject> put(AgentContext agent, Path source, String dest) {
        return vertx.executeBlocking(() -> {
            if (!Files.isRegularFile(source)) {
                throw new BadRequestException("file to put does not exist: " + source);
            }
            return Files.size(source);
        }, false).compose(size -> size <= CHUNK ? putInline(agent, source, dest) : new Upload(agent, source, dest, size).start());
    }

    private Future<JsonObject> putInline(AgentContext agent, Path source, String dest) {
        return vertx.executeBlocking(() -> new AgentCall.PutSmall(dest, modeOf(source),
                        Base64.getEncoder().encodeToString(Files.readAllBytes(source))), false)
                .compose(put -> agent.callForObject(put, DEADLINE));
    }

    public Future<JsonObject> fetch(AgentContext agent, String source, Path dest) {
        return agent.callForObject(new AgentCall.FetchOpen(source), DEADLINE)
                .compose(opened -> new Download(agent, opened.getString("transfer"), opened.getLong("size"), dest).start());
    }

    private static int modeOf(Path file) throws IOException {
        Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        int mode = 0;
        for (var p : perms) {
            mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 and bit 0400
        }
        return mode;
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * Keeps up to {@code WINDOW / CHUNK} chunk calls in flight; {@code sendNext} reads the
     * next chunk and returns the call carrying it (or null when everything was sent).
     */
    private abstract static class Window {
        private final Promise<Void> allAcked = Promise.promise();
        private int inFlight;
        private boolean sending;
        protected long nextOffset;
        protected final long size;

        Window(long size) {
            this.size = size;
        }

        abstract Future<?> send(long offset, int length);

        synchronized void pump() {
            if (sending || allAcked.future().isComplete()) {
                return;
            }
            if (nextOffset >= size && inFlight == 0) {
                allAcked.tryComplete();
                return;
            }
            if (nextOffset < size && (long) inFlight * CHUNK < WINDOW) {
                long offset = nextOffset;
                int length = (int) Math.min(CHUNK, size - offset);
                nextOffset += length;
                inFlight++;
                sending = true;
                Future<?> call = send(offset, length);
                sending = false;
                call.onComplete(done -> {
                    synchronized (this) {
                        inFlight--;
                    }
                    if (done.failed()) {
                        allAcked.tryFail(done.cause());
                    }
                    pump();
                });
                pump();
            }
        }

        Future<Void> finished() {
            pump();
            return allAcked.future();
        }
    }

    /** One put: open, windowed chunks read in order (so the digest is computed on the fly), close. */
    private final class Upload extends Window {
        private final AgentContext agent;
        private final Path source;
        private final String dest;
        private final MessageDigest digest = sha1();
        private FileChannel channel;
        private String transfer;
        private Future<Void> lastRead = Future.succeededFuture();

        Upload(AgentContext agent, Path source, String dest, long size) {
            super(size);
            this.agent = agent;
            this.source = source;
            this.dest = dest;
        }

        Future<JsonObject> start() {
            return vertx.executeBlocking(() -> {
                channel = FileChannel.open(source, StandardOpenOption.READ);
                return modeOf(source);
            }, false).compose(mode -> agent.callForObject(new AgentCall.PutOpen(dest, size, mode), DEADLINE))
                    .compose(opened -> {
                        transfer = opened.getString("transfer");
                        return finished();
                    })
                    .compose(v -> agent.callForObject(
                            new AgentCall.PutClose(transfer, HexFormat.of().formatHex(digest.digest())), DEADLINE))
                    .onFailure(e -> {
                        if (transfer != null) {
                            agent.call(new AgentCall.PutAbort(transfer), DEADLINE);
                        }
                    })
                    .eventually(() -> vertx.executeBlocking(() -> {
                        channel.close();
                        return null;
                    }, false));
        }

        @Override
        Future<?> send(long offset, int length) {
            // ordered reads keep the digest in file order even though acks come back in any order
            Future<byte[]> read = lastRead.compose(v -> vertx.executeBlocking(() -> readAt(offset, length), true));
            lastRead = read.mapEmpty();
            return read.compose(bytes -> agent.call(
                    new AgentCall.PutChunk(transfer, offset, Base64.getEncoder().encodeToString(bytes)), DEADLINE));
        }

        private byte[] readAt(long offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException(source + " shrank while it was being sent");
                }
            }
            digest.update(buffer.array());
            return buffer.array();
        }
    }

    /** One fetch: windowed chunk reads written at their offsets into a temp file, then renamed. */
    private final class Download extends Window {
        private final AgentContext agent;
        private final String transfer;
        private final Path dest;
        private Path temp;
        private FileChannel channel;

        Download(AgentContext agent, String transfer, long size, Path dest) {
            super(size);
            this.agent = agent;
            this.transfer = transfer;
            this.dest = dest;
        }

        Future<JsonObject> start() {
            return vertx.executeBlocking(() -> {
                Path dir = dest.toAbsolutePath().getParent();
                Files.createDirectories(dir);
                temp = Files.createTempFile(dir, "." + dest.getFileName(), ".spindle-part");
                channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                return null;
            }, false).compose(v -> finished())
                    .compose(v -> vertx.executeBlocking(this::commit, false))
                    .eventually(() -> agent.call(new AgentCall.FetchClose(transfer), DEADLINE)
                            .recover(e -> Future.succeededFuture())
                            .compose(v -> vertx.executeBlocking(this::discardTemp, false)));
        }

        @Override
        Future<?> send(long offset, int length) {
            return agent.call(new AgentCall.FetchChunk(transfer, offset, length), DEADLINE)
                    .compose(reply -> {
                        // the agent decides what it sends: take exactly the bytes asked for, or fail
                        if (!(reply instanceof Buffer chunk) || chunk.length() != length) {
                            return Future.failedFuture(new IOException("fetch of " + dest + ": the target sent "
                                    + (reply instanceof Buffer b ? b.length() + " bytes" : "no bytes") + " for the "
                                    + length + " at offset " + offset + " (did the file change while it was read?)"));
                        }
                        return vertx.executeBlocking(() -> writeAt(offset, chunk.getBytes()), false);
                    });
        }

        private Void writeAt(long offset, byte[] bytes) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position());
            }
            return null;
        }

        /**
         * Checks the size and renames the temp file into place. No digest: nothing here could
         * check one (the agent reads chunks in any order), and Ansible's fetch compares the
         * remote and local checksums itself.
         */
        private JsonObject commit() throws IOException {
            if (channel.size() != size) {
                throw new IOException("fetch of " + dest + ": received " + channel.size() + " bytes, expected " + size);
            }
            channel.close();
            Files.move(temp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new JsonObject().put("size", size);
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

}
