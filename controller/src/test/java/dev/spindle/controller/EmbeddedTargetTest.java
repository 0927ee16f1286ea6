package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import dev.spindle.bus.call.DeadContextException;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.ssh.SshConnectException;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.EmbeddedSshTarget;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The SSH layer and the bootstrap against the embedded MINA server: no root, no system sshd. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class EmbeddedTargetTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private EmbeddedSshTarget target;
    private Controller controller;

    @BeforeAll
    void start() throws Exception {
        target = EmbeddedSshTarget.start(dir.resolve("target"));
        controller = Controller.start();
    }

    @AfterAll
    void stop() throws Exception {
        controller.close();
        target.close();
    }

    private SshOptions.Builder options() {
        return SshOptions.builder("127.0.0.1", System.getProperty("user.name")).port(target.port())
                .identityFile(target.clientKey()).knownHostsFile(target.knownHosts());
    }

    private JsonObject exec(SshOptions options, Optional<String> python, List<String> argv) {
        return controller.contexts().get(ContextSpec.of(new Login.Ssh(options, python)))
                .compose(ctx -> ctx.callForObject(AgentCall.Exec.of(argv), DEADLINE))
                .await();
    }

    private static String decode(JsonObject reply, String key) {
        return new String(Base64.getDecoder().decode(reply.getString(key)), StandardCharsets.UTF_8);
    }

    private static Throwable failureOf(Runnable action) {
        Throwable t = assertThrows(Exception.class, action::run);
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void execPassesRcStdoutAndStderrThrough() {
        JsonObject reply = exec(options().build(), Optional.empty(), List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, reply.getInteger("rc"));
        assertEquals("out\n", decode(reply, "stdout_b64"));
        assertEquals("err\n", decode(reply, "stderr_b64"));
    }

    @Test
    void manyCallsUseOneLogin() {
        SshOptions options = options().build();
        exec(options, Optional.empty(), List.of("true"));
        int before = target.logins();
        for (int i = 0; i < 20; i++) {
            exec(options, Optional.empty(), List.of("true"));
        }
        assertEquals(before, target.logins());
    }

    @Test
    void unknownHostKeyIsRefusedNamingTheFile() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty_known_hosts"), "");
        Throwable e = failureOf(() -> exec(options().knownHostsFile(empty).user("unknown-key-test").build(), Optional.empty(), List.of("true")));
        SshConnectException error = assertInstanceOf(SshConnectException.class, e);
        assertEquals(SshConnectException.Kind.HOST_KEY, error.kind());
        assertTrue(error.getMessage().contains("not known") && error.getMessage().contains(empty.toString()), error.getMessage());
    }

    @Test
    void changedHostKeyIsRefusedNamingFileAndLine() throws Exception {
        Path other = dir.resolve("other");
        try (EmbeddedSshTarget impostor = EmbeddedSshTarget.start(other)) {
            String wrongKey = Files.readString(impostor.knownHosts()).replace("]:" + impostor.port() + " ", "]:" + target.port() + " ");
            Path knownHosts = Files.writeString(dir.resolve("mismatch_known_hosts"), "# comment line\n" + wrongKey);
            Throwable e = failureOf(() -> exec(options().knownHostsFile(knownHosts).user("mismatch-test").build(), Optional.empty(), List.of("true")));
            SshConnectException error = assertInstanceOf(SshConnectException.class, e);
            assertEquals(SshConnectException.Kind.HOST_KEY, error.kind());
            assertTrue(error.getMessage().contains("MISMATCH") && error.getMessage().contains(knownHosts + " line 2"), error.getMessage());
        }
    }

    @Test
    void hostKeyCheckingCanBeTurnedOffExplicitly() throws Exception {
        Path empty = Files.writeString(dir.resolve("unused_known_hosts"), "");
        JsonObject reply = exec(options().knownHostsFile(empty).checkHostKey(false).user("nocheck-test")
                .connectTimeout(Duration.ofSeconds(5)).build(), Optional.empty(), List.of("echo", "ok"));
        assertEquals("ok\n", decode(reply, "stdout_b64"));
    }

    @Test
    void refusedConnectionSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        int port = closedPort;
        Throwable e = failureOf(() -> exec(options().port(port).build(), Optional.empty(), List.of("true")));
        SshConnectException error = assertInstanceOf(SshConnectException.class, e);
        assertEquals(SshConnectException.Kind.REFUSED, error.kind());
        assertTrue(error.getMessage().contains("Connection refused"), error.getMessage());
    }

    @Test
    void authenticationFailureNamesTheMethodsTried() throws Exception {
        Path otherKeyDir = dir.resolve("otherkey");
        try (EmbeddedSshTarget other = EmbeddedSshTarget.start(otherKeyDir)) {
            SshOptions wrongKey = SshOptions.builder("127.0.0.1", "auth-test").port(target.port())
                    .identityFile(other.clientKey()).knownHostsFile(target.knownHosts()).build();
            Throwable e = failureOf(() -> exec(wrongKey, Optional.empty(), List.of("true")));
            SshConnectException error = assertInstanceOf(SshConnectException.class, e);
            assertEquals(SshConnectException.Kind.AUTH, error.kind(), error.getMessage());
            assertTrue(error.getMessage().contains("publickey") && error.getMessage().contains(other.clientKey().toString()),
                    error.getMessage());
        }
    }

    @Test
    void missingInterpreterIsNamed() {
        Throwable e = failureOf(() -> exec(options().user(System.getProperty("user.name")).build(),
                Optional.of("/nonexistent/python3"), List.of("true")));
        assertInstanceOf(DeadContextException.class, e);
        assertTrue(e.getMessage().contains("/nonexistent/python3") && e.getMessage().contains("127"), e.getMessage());
    }

    @Test
    void localAgentRunsCommandsWithoutSsh() {
        JsonObject reply = controller.contexts().get(ContextSpec.of(new Login.Local(Optional.empty())))
                .compose(ctx -> ctx.callForObject(AgentCall.Exec.of(List.of("echo", "local")), DEADLINE))
                .await();
        assertEquals("local\n", decode(reply, "stdout_b64"));
    }
}
