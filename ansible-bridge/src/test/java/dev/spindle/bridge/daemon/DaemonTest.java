package dev.spindle.bridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.spindle.bridge.daemon.DaemonClient.DaemonException;
import dev.spindle.controller.RuntimeDir;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The daemon over its real bridge socket, serving a real local agent. */
@Timeout(90)
class DaemonTest {

    @TempDir
    Path dir;
    private Map<String, String> env;
    private Process run;
    private CompletableFuture<Integer> daemon;
    private long requests;

    @BeforeEach
    void startDaemon() throws Exception {
        env = Map.of("SPINDLE_RUNTIME_DIR", dir.resolve("rt").toString(), "SPINDLE_PERSIST", "0");
        run = new ProcessBuilder("sleep", "600").start(); // stands in for ansible-playbook
        daemon = CompletableFuture.supplyAsync(() -> {
            try {
                return Daemon.run(List.of(), env, testLogging -> { });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path info = dir.resolve("rt").resolve(RuntimeDir.INFO_FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(info) && System.nanoTime() < deadline && !daemon.isDone()) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(info), "daemon did not announce itself");
        request("spindle.lease", new JsonObject());
    }

    @AfterEach
    void stop() throws Exception {
        run.destroyForcibly().waitFor();
        daemon.get(30, TimeUnit.SECONDS);
    }

    private JsonObject request(String address, JsonObject body) throws Exception {
        try (DaemonClient client = DaemonClient.connect(env)) {
            return client.request(address, body.put("run", new JsonObject().put("pid", run.pid()).put("persist", 0))
                    .put("task", new JsonObject().put("id", "daemon-test/" + address).put("seq", requests++)));
        }
    }

    private static JsonObject local() {
        return new JsonObject().put("transport", "local");
    }

    @Test
    void announcementIsPrivateToTheUser() throws Exception {
        Path rt = dir.resolve("rt");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(rt)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(rt.resolve(RuntimeDir.INFO_FILE))));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(rt.resolve(RuntimeDir.SOCKET_FILE))));
    }

    @Test
    void runsACommandInALocalAgent() throws Exception {
        JsonObject reply = request("spindle.exec", new JsonObject().put("target", local()).put("cmd", "echo hi; echo err >&2; exit 4"));
        assertEquals(4, reply.getInteger("rc"));
        assertEquals("hi\n", new String(Base64.getDecoder().decode(reply.getString("stdout_b64")), StandardCharsets.UTF_8));
        assertEquals("err\n", new String(Base64.getDecoder().decode(reply.getString("stderr_b64")), StandardCharsets.UTF_8));
        JsonObject status = request("spindle.status", new JsonObject());
        JsonObject fds = status.getJsonObject("fds");
        assertTrue(fds.getLong("open") > 0 && fds.getLong("limit") >= fds.getLong("open"), fds.encode());
        assertEquals(1, status.getJsonArray("contexts").size(), status.encode());
        JsonObject agent = status.getJsonArray("contexts").getJsonObject(0);
        assertTrue(agent.getInteger("pid") > 0 && agent.getInteger("rss_kb") > 0, agent.encode());
        assertTrue(agent.getLong("bytes_in") > 0 && agent.getLong("bytes_out") > 0, agent.encode());
    }

    @Test
    void putsAndFetchesFilesSmallAndChunkedThroughALocalAgent() throws Exception {
        for (int size : List.of(10, 300 * 1024)) { // put_small, then raw put chunks; fetch_stream
            byte[] data = new byte[size];
            new java.util.Random(size).nextBytes(data);
            Path source = Files.write(dir.resolve("in-" + size), data);
            Path remote = dir.resolve("remote-" + size);
            Path back = dir.resolve("back-" + size);

            JsonObject put = request("spindle.put", new JsonObject().put("target", local())
                    .put("src_path", source.toString()).put("dest", remote.toString()));
            JsonObject fetched = request("spindle.fetch", new JsonObject().put("target", local())
                    .put("src", remote.toString()).put("dest_path", back.toString()));

            assertEquals(size, put.getInteger("size"));
            assertEquals(size, fetched.getInteger("size"));
            assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(back)), "the file came back changed");
            assertEquals(Files.getPosixFilePermissions(source), Files.getPosixFilePermissions(remote));
        }
    }

    @Test
    void reportsTheInterpretersAnsiblesDiscoveryWouldFind() throws Exception {
        JsonObject reply = request("spindle.interpreters", new JsonObject().put("target", local()));
        assertEquals("Linux", reply.getString("platform"));
        assertFalse(reply.getJsonArray("found").isEmpty(), reply.encode());
    }

    @Test
    void refusesMessagesWithoutTheSecret() throws Exception {
        String path = new JsonObject(Files.readString(dir.resolve("rt").resolve(RuntimeDir.INFO_FILE))).getString("socket");
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            byte[] frame = new JsonObject().put("type", "send").put("address", "spindle.status").put("replyAddress", "r")
                    .put("headers", new JsonObject().put("secret", "guess")).put("body", new JsonObject())
                    .encode().getBytes(StandardCharsets.UTF_8);
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel));
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            JsonObject reply = new JsonObject(new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8));
            assertEquals("err", reply.getString("type"));
            assertEquals("blocked by bridgeEvent handler", reply.getString("message"));
        }
    }

    @Test
    void aHostRequestWithoutATaskIdIsABadRequest() throws Exception {
        try (DaemonClient client = DaemonClient.connect(env)) {
            JsonObject body = new JsonObject().put("target", local()).put("cmd", "true")
                    .put("run", new JsonObject().put("pid", run.pid()).put("persist", 0));
            DaemonException e = assertThrows(DaemonException.class, () -> client.request("spindle.exec", body));
            assertEquals(3, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("'task'"), e.getMessage());
        }
    }

    @Test
    void unsupportedSshOptionIsABadRequestNamingIt() {
        JsonObject target = new JsonObject().put("transport", "ssh").put("host", "127.0.0.1").put("user", "nobody")
                .put("ssh_args", "-o ProxyCommand=nc");
        DaemonException e = assertThrows(DaemonException.class, () -> request("spindle.exec", new JsonObject().put("target", target).put("cmd", "true")));
        assertEquals(3, e.code());
        assertTrue(e.getMessage().contains("ProxyCommand"), e.getMessage());
    }

    @Test
    void closedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        JsonObject target = new JsonObject().put("transport", "ssh").put("host", "127.0.0.1").put("port", port).put("user", "nobody");
        DaemonException e = assertThrows(DaemonException.class, () -> request("spindle.exec", new JsonObject().put("target", target).put("cmd", "true")));
        assertEquals(1, e.code());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
    }

    @Test
    void aSecondDaemonForTheSameDirectoryStepsAside() throws Exception {
        assertEquals(0, Daemon.run(List.of(), env, testLogging -> { }));
        assertFalse(daemon.isDone());
    }

    @Test
    void exitsOnceTheLastRunEnds() throws Exception {
        run.destroyForcibly().waitFor();
        assertEquals(0, daemon.get(20, TimeUnit.SECONDS));
        assertFalse(Files.exists(dir.resolve("rt").resolve(RuntimeDir.INFO_FILE)));
    }
}
