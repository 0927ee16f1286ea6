package dev.spindle.bridge.daemon;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import dev.spindle.controller.RuntimeDir;
import io.vertx.core.json.JsonObject;

/**
 * A blocking client of the daemon's bridge (docs/daemon-api.md §2) for the CLI and tests; the
 * Ansible plugins have their Python twin. One request at a time.
 */
public final class DaemonClient implements AutoCloseable {

    private static final int MAX_REPLY = 64 * 1024 * 1024;

    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String secret;

    private DaemonClient(SocketChannel channel, String secret) {
        this.channel = channel;
        this.secret = secret;
        this.in = new DataInputStream(Channels.newInputStream(channel));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
    }

    /** Connects to the daemon announced in the runtime dir; fails if none runs. */
    public static DaemonClient connect(Map<String, String> env) throws IOException {
        RuntimeDir dir = RuntimeDir.resolve(env);
        JsonObject info;
        try {
            info = dir.readInfo();
        } catch (IOException e) {
            throw new IOException("no spindle daemon runs for this user (no " + dir.path().resolve(RuntimeDir.INFO_FILE) + ")", e);
        }
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(info.getString("socket")));
        return new DaemonClient(channel, info.getString("secret"));
    }

    /** Sends one request and returns the reply body; a failure reply is a {@link DaemonException}. */
    public JsonObject request(String address, JsonObject body) throws IOException {
        String replyAddress = "reply." + UUID.randomUUID();
        JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
                .put("headers", new JsonObject().put(BridgeAccess.SECRET_HEADER, secret).put("timeout", 86_400_000L))
                .put("body", body);
        byte[] bytes = frame.encode().getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
        int length = in.readInt();
        if (length < 0 || length > MAX_REPLY) {
            throw new IOException("daemon sent a frame of " + length + " bytes");
        }
        JsonObject reply = new JsonObject(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        if ("err".equals(reply.getString("type"))) {
            throw new DaemonException(reply.getInteger("failureCode", 0), reply.getString("message"));
        }
        return reply.getJsonObject("body", new JsonObject());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** A failure answered by the daemon, with its code from docs/daemon-api.md §3. */
    public static final class DaemonException extends IOException {
        private final int code;

        DaemonException(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }
}
