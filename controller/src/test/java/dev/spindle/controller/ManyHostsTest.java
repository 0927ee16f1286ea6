package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.spindle.bus.router.RouterOptions;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.ssh.SshConnectException;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.OpenSshServer;
import dev.spindle.testkit.OpenSshServers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many hosts at once against real OpenSSH servers, one of them a black hole (it accepts TCP
 * and never says a word of SSH): logins run side by side, bounded by
 * {@link ControllerLimits#connectingAtOnce()}, and the context limits refuse in words.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ManyHostsTest {

    private static final int HOSTS = 6;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(4);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String USER = System.getProperty("user.name");

    @TempDir
    static Path dir;
    private OpenSshServers servers;
    private BlackHole blackHole;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd (apt-get install openssh-server)");
        servers = OpenSshServers.start(dir.resolve("sshd"), HOSTS);
        blackHole = new BlackHole();
    }

    @AfterAll
    void stop() throws IOException {
        if (servers != null) {
            servers.close();
        }
        if (blackHole != null) {
            blackHole.close();
        }
    }

    @Test
    void aHostThatNeverAnswersSshDelaysNoOtherLogin() {
        try (Controller controller = Controller.start()) {
            List<Long> healthyDone = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            // the black hole first: were logins serialised, every other one would wait behind it
            Future<JsonObject> dead = info(controller, blackHole.spec());
            List<Future<JsonObject>> healthy = new ArrayList<>();
            for (OpenSshServer server : servers.all()) {
                healthy.add(info(controller, spec(server, Optional.empty()))
                        .onSuccess(reply -> healthyDone.add(System.nanoTime())));
            }
            healthy.forEach(f -> f.await());
            Throwable failure = assertThrowsFrom(dead);
            long deadFailedAt = System.nanoTime();
            assertEquals(HOSTS, healthyDone.size());
            assertTrue(healthyDone.stream().allMatch(done -> done < deadFailedAt),
                    "every healthy host was up before the black hole's login gave up");
            assertTrue(Duration.ofNanos(deadFailedAt - start).compareTo(CONNECT_TIMEOUT) >= 0,
                    "the black hole failed by its connect timeout, not before");
            assertInstanceOf(SshConnectException.class, failure);
            assertTrue(failure.getMessage().contains("timed out"), failure.getMessage());
            assertEquals(Failure.UNREACHABLE, Failure.of(failure, false));
        }
    }

    @Test
    void loginsBeyondTheBoundWaitTheirTurn() {
        ControllerLimits oneAtATime = ControllerLimits.defaults().withConnectingAtOnce(1);
        try (Controller controller = Controller.start(RouterOptions.defaults(), oneAtATime, List.of())) {
            Future<JsonObject> dead = info(controller, blackHole.spec());
            Future<JsonObject> queued = info(controller, spec(servers.get(0), Optional.empty()));
            long[] deadFailedAt = new long[1];
            dead.onFailure(e -> deadFailedAt[0] = System.nanoTime());
            queued.await();
            long queuedDoneAt = System.nanoTime();
            assertTrue(dead.failed(), "with one login at a time, the second waited for the first to give up");
            assertTrue(deadFailedAt[0] <= queuedDoneAt);
        }
    }

    @Test
    void contextLimitsRefuseInWordsPerHostAndOverall() {
        ControllerLimits tight = ControllerLimits.defaults().withContexts(2, 1);
        try (Controller controller = Controller.start(RouterOptions.defaults(), tight, List.of())) {
            OpenSshServer first = servers.get(0);
            info(controller, spec(first, Optional.empty())).await();
            // another interpreter is another agent on the same machine
            Throwable perHost = assertThrowsFrom(controller.contexts().get(spec(first, Optional.of("/usr/bin/python3"))));
            assertInstanceOf(ContextLimitException.class, perHost);
            assertTrue(perHost.getMessage().contains(ControllerLimits.MAX_CONTEXTS_PER_HOST), perHost.getMessage());

            info(controller, spec(servers.get(1), Optional.empty())).await();
            Throwable overall = assertThrowsFrom(controller.contexts().get(spec(servers.get(2), Optional.empty())));
            assertInstanceOf(ContextLimitException.class, overall);
            assertTrue(overall.getMessage().contains(ControllerLimits.MAX_CONTEXTS + ")"), overall.getMessage());
        }
    }

    private static Future<JsonObject> info(Controller controller, ContextSpec spec) {
        return controller.contexts().get(spec).compose((AgentContext ctx) -> ctx.callForObject(new AgentCall.Info(), DEADLINE));
    }

    private static ContextSpec spec(OpenSshServer server, Optional<String> python) {
        SshOptions options = SshOptions.builder("127.0.0.1", USER).port(server.port()).connectTimeout(CONNECT_TIMEOUT)
                .identityFile(server.clientKey()).knownHostsFile(server.knownHosts()).build();
        return ContextSpec.of(new Login.Ssh(options, python));
    }

    private static Throwable assertThrowsFrom(Future<?> future) {
        try {
            future.await();
        } catch (Throwable expected) {
            return future.cause() != null ? future.cause() : expected;
        }
        throw new AssertionError("expected a failure, got " + future.result());
    }

    /** Accepts connections and holds them open without a byte: a host whose sshd hangs. */
    private final class BlackHole implements AutoCloseable {

        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final Thread acceptor = new Thread(this::accept, "black-hole");

        BlackHole() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            try {
                while (true) {
                    held.add(socket.accept());
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        ContextSpec spec() {
            SshOptions options = SshOptions.builder("127.0.0.1", USER).port(socket.getLocalPort())
                    .connectTimeout(CONNECT_TIMEOUT).identityFile(servers.clientKey())
                    .knownHostsFile(servers.get(0).knownHosts()).build();
            return ContextSpec.of(new Login.Ssh(options, Optional.empty()));
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
