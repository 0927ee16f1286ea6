package dev.spindle.controller;

import static dev.spindle.controller.FileTransfers.CHUNK;
import static dev.spindle.controller.FileTransfers.DEADLINE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

import dev.spindle.push.AgentContext;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One chunked put: {@code put_open}, the file's bytes in raw {@code put_chunk} calls, then
 * {@code put_close} with the SHA-1. Up to {@link #WINDOW} bytes of chunk calls are in flight, and
 * the next chunk is read only when one completes, so the file is read as fast as the agent takes
 * it. Chunks are read in order (the digest is computed on the fly) though the agent acks them in
 * any order; on a failure the transfer is aborted, so the agent drops its temp file.
 */
final class Upload {

    /** Bytes in flight: 32 chunks, 40 MiB/s over a 100 ms round trip. */
    static final int WINDOW = 4 * 1024 * 1024;

    private final Vertx vertx;
    private final AgentContext agent;
    private final Path source;
    private final String dest;
    private final long size;
    private final MessageDigest digest = FileTransfers.sha1();
    private final Promise<Void> allAcked = Promise.promise();
    private FileChannel channel;
    private String transfer;
    private Future<Void> lastRead = Future.succeededFuture();
    private long nextOffset;
    private int inFlight;
    private boolean sending;

    Upload(Vertx vertx, AgentContext agent, Path source, String dest, long size) {
        this.vertx = vertx;
        this.agent = agent;
        this.source = source;
        this.dest = dest;
        this.size = size;
    }

    Future<JsonObject> start() {
        return vertx.executeBlocking(() -> {
                    channel = FileChannel.open(source, StandardOpenOption.READ);
                    return FileTransfers.modeOf(source);
                }, false)
                .compose(mode -> agent.callForObject(new AgentCall.PutOpen(dest, size, mode), DEADLINE))
                .compose(opened -> {
                    transfer = opened.getString("transfer");
                    pump();
                    return allAcked.future();
                })
                .compose(v -> agent.callForObject(
                        new AgentCall.PutClose(transfer, HexFormat.of().formatHex(digest.digest())), DEADLINE))
                .onFailure(e -> {
                    if (transfer != null) {
                        agent.call(new AgentCall.PutAbort(transfer), DEADLINE);
                    }
                })
                .eventually(() -> vertx.executeBlocking(() -> {
                    if (channel != null) {
                        channel.close();
                    }
                    return null;
                }, false));
    }

    /** Sends chunks while the window has room; runs again as each chunk call completes. */
    private synchronized void pump() {
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

    private Future<?> send(long offset, int length) {
        // ordered reads keep the digest in file order even though acks come back in any order
        Future<byte[]> read = lastRead.compose(v -> vertx.executeBlocking(() -> readAt(offset, length), true));
        lastRead = read.mapEmpty();
        return read.compose(bytes -> agent.call(new AgentCall.PutChunk(transfer, offset, Buffer.buffer(bytes)), DEADLINE));
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
