package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.spindle.bus.call.DeadContextException;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.OpenSshServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target that stops answering without closing anything (its sshd session and agent get
 * SIGSTOP: TCP still acknowledges, nothing replies): the keepalive gives the login up within
 * about interval x (count + 1), the call in flight fails as a dead context instead of waiting
 * for its own deadline, and once the target runs again the next call logs in afresh by itself.
 */
@Timeout(120)
class StoppedTargetTest {

    private static final Duration KEEPALIVE = Duration.ofSeconds(1);
    private static final int UNANSWERED = 2;
    /** interval x (count + 1), with room for a loaded machine; far below the call's deadline. */
    private static final Duration NOTICED_WITHIN = Duration.ofSeconds(15);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(90);
    private static final String USER = System.getProperty("user.name");

    @TempDir
    Path dir;

    @Test
    void aStoppedTargetIsGivenUpByTheKeepaliveAndTheNextCallRecovers() throws Exception {
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd (apt-get install openssh-server)");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd")); Controller controller = Controller.start()) {
            SshOptions options = SshOptions.builder("127.0.0.1", USER).port(sshd.port())
                    .identityFile(sshd.clientKey()).knownHostsFile(sshd.knownHosts())
                    .keepaliveInterval(KEEPALIVE).keepaliveCountMax(UNANSWERED).build();
            ContextSpec spec = ContextSpec.of(new Login.Ssh(options, Optional.empty()));
            long firstAgent = info(controller, spec).await().getLong("pid");

            List<ProcessHandle> stopped = ProcessHandle.of(sshd.pid()).orElseThrow().descendants().toList();
            signal("STOP", stopped);
            try {
                long start = System.nanoTime();
                Future<JsonObject> call = controller.contexts().get(spec)
                        .compose(ctx -> ctx.callForObject(AgentCall.Exec.of(List.of("true")), CALL_DEADLINE));
                Throwable failure = failureOf(call);
                Duration noticed = Duration.ofNanos(System.nanoTime() - start);
                System.out.printf("stopped target: given up after %d ms: %s%n", noticed.toMillis(), Failure.inWords(failure));
                assertInstanceOf(DeadContextException.class, failure);
                assertTrue(failure.getMessage().contains("lost its SSH connection (Got " + UNANSWERED
                        + " heartbeat requests without reply)"), failure.getMessage());
                assertTrue(noticed.compareTo(NOTICED_WITHIN) < 0, "noticed after " + noticed.toMillis() + " ms");
                assertEquals(Failure.DISCONNECTED, Failure.of(failure, true));
            } finally {
                signal("CONT", stopped);
            }

            long nextAgent = info(controller, spec).await().getLong("pid");
            assertNotEquals(firstAgent, nextAgent, "a new agent on a new login");
            assertEquals(2, sshd.publicKeyLogins(USER), sshd.log());
        }
    }

    private static Future<JsonObject> info(Controller controller, ContextSpec spec) {
        return controller.contexts().get(spec).compose(ctx -> ctx.callForObject(new AgentCall.Info(), CALL_DEADLINE));
    }

    private static Throwable failureOf(Future<?> future) {
        try {
            future.await();
        } catch (Throwable expected) {
            return future.cause() != null ? future.cause() : expected;
        }
        throw new AssertionError("the call to a stopped target succeeded: " + future.result());
    }

    private static void signal(String signal, List<ProcessHandle> processes) throws IOException, InterruptedException {
        for (ProcessHandle process : processes) {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
        }
    }
}
