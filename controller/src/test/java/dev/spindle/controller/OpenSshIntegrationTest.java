package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.AgentContext;
import dev.spindle.push.Become;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.OpenSshServer;
import dev.spindle.testkit.TestAccounts;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spine against a real OpenSSH server on loopback, with real users, real sudo and real
 * Python agents. Needs root (to create the test users) and sshd; skipped with a reason otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class OpenSshIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private OpenSshServer sshd;
    private Controller controller;

    @BeforeAll
    void startServer() throws Exception {
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd (apt-get install openssh-server)");
        assumeTrue(TestAccounts.canCreate(), "needs root and sudo to create the become test users");
        TestAccounts.ensure();
        sshd = OpenSshServer.start(dir.resolve("sshd"));
        controller = Controller.start();
    }

    @AfterAll
    void stopServer() {
        if (controller != null) {
            controller.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    private ContextSpec login(String user) {
        SshOptions options = SshOptions.builder("127.0.0.1", user).port(sshd.port())
                .identityFile(sshd.clientKey()).knownHostsFile(sshd.knownHosts()).build();
        return ContextSpec.of(new Login.Ssh(options, Optional.empty()));
    }

    private ContextSpec become(String user, String password) {
        return new ContextSpec(login(TestAccounts.LOGIN).login(), Optional.of(Become.of("sudo", user, password)));
    }

    private JsonObject exec(ContextSpec spec, String... argv) {
        return controller.contexts().get(spec)
                .compose(ctx -> ctx.callForObject(AgentCall.Exec.of(java.util.List.of(argv)), DEADLINE))
                .await();
    }

    private static String stdout(JsonObject reply) {
        return new String(Base64.getDecoder().decode(reply.getString("stdout_b64")), StandardCharsets.UTF_8).strip();
    }

    @Test
    void hundredExecCallsShareOneSshLogin() throws IOException {
        ContextSpec spec = login("root");
        long before = sshd.publicKeyLogins("root");
        for (int i = 0; i < 100; i++) {
            JsonObject reply = exec(spec, "echo", "call-" + i);
            assertEquals(0, reply.getInteger("rc"));
            assertEquals("call-" + i, stdout(reply));
        }
        assertEquals(1, sshd.publicKeyLogins("root") - before, sshd.log());
    }

    @Test
    void concurrentFirstCallsShareOneLoginAndOneAgent() throws IOException {
        ContextSpec spec = login(TestAccounts.OTHER);
        controller.contexts().reset(spec).await(); // start from no login, whatever ran before
        long before = sshd.publicKeyLogins(TestAccounts.OTHER);
        var calls = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> controller.contexts().get(spec).compose(ctx -> ctx.callForObject(new AgentCall.Info(), DEADLINE)))
                .toList();
        java.util.Set<Integer> pids = new java.util.HashSet<>();
        calls.forEach(call -> pids.add(call.await().getInteger("pid")));
        assertEquals(1, pids.size(), "agents: " + pids);
        assertEquals(1, sshd.publicKeyLogins(TestAccounts.OTHER) - before, sshd.log());
    }

    @Test
    void becomesRootWithPasswordlessSudo() {
        assertEquals("0", stdout(exec(become("root", null), "id", "-u")));
    }

    @Test
    void becomesAnotherUserWithSudoPassword() {
        assertEquals(TestAccounts.OTHER, stdout(exec(become(TestAccounts.OTHER, TestAccounts.loginPassword()), "id", "-un")));
        assertEquals(TestAccounts.LOGIN, stdout(exec(login(TestAccounts.LOGIN), "id", "-un")));
    }

    @Test
    void wrongSudoPasswordIsAClearErrorWellWithinTheTimeout() {
        long start = System.nanoTime();
        Throwable failure = assertThrows(Exception.class, () -> exec(become(TestAccounts.OTHER, "not-the-password"), "true"));
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        RemoteException remote = assertInstanceOf(RemoteException.class, unwrap(failure));
        assertEquals("spindle.BecomeError", remote.type());
        assertTrue(remote.remoteMessage().contains("incorrect sudo password"), remote.remoteMessage());
        assertTrue(seconds < Contexts.BECOME_TIMEOUT.toSeconds(), "took " + seconds + " s");
        // the login agent survives a failed become
        assertEquals(TestAccounts.LOGIN, stdout(exec(login(TestAccounts.LOGIN), "id", "-un")));
    }

    @Test
    void aWrongPasswordFailsEvenAfterTheRightOneOpenedAChild() {
        assertEquals(TestAccounts.OTHER, stdout(exec(become(TestAccounts.OTHER, TestAccounts.loginPassword()), "id", "-un")));
        Throwable failure = assertThrows(Exception.class, () -> exec(become(TestAccounts.OTHER, "wrong"), "id", "-un"));
        RemoteException remote = assertInstanceOf(RemoteException.class, unwrap(failure));
        assertTrue(remote.remoteMessage().contains("incorrect sudo password"), remote.remoteMessage());
    }

    @Test
    void writesNothingInTheLoginUsersHomeOrTmp() throws IOException {
        Set<String> before = footprint();
        exec(login(TestAccounts.LOGIN), "true");
        exec(become("root", null), "true");
        exec(become(TestAccounts.OTHER, TestAccounts.loginPassword()), "true");
        controller.contexts().reset(login(TestAccounts.LOGIN)).await();
        assertEquals(before, footprint());
    }

    /** Every file in the test users' homes, and every file in /tmp they own (path, size, mtime). */
    private static Set<String> footprint() throws IOException {
        Set<String> files = new TreeSet<>();
        for (Path root : java.util.List.of(TestAccounts.home(TestAccounts.LOGIN), TestAccounts.home(TestAccounts.OTHER), Path.of("/tmp"))) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.forEach(p -> {
                    try {
                        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        String owner = a.owner().getName();
                        if (!root.equals(Path.of("/tmp")) || owner.startsWith("spindle-")) {
                            files.add(p + " " + a.size() + " " + a.lastModifiedTime());
                        }
                    } catch (IOException vanished) {
                        // another process's temp file went away while we walked
                    }
                });
            } catch (java.io.UncheckedIOException unreadable) {
                // part of /tmp belongs to someone else and is not readable: not ours
            }
        }
        return files;
    }

    @Test
    void killingTheAgentMidCallFailsThatCallAndTheNextCallReconnects() throws Exception {
        ContextSpec spec = login(TestAccounts.LOGIN);
        AgentContext first = controller.contexts().get(spec).await();
        int pid = ((JsonObject) first.call(new AgentCall.Info(), DEADLINE).await()).getInteger("pid");
        var sleeping = first.call(AgentCall.Exec.of(java.util.List.of("sleep", "20")), DEADLINE);
        Thread.sleep(300);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
        Throwable failure = assertThrows(Exception.class, sleeping::await);
        DeadContextException dead = assertInstanceOf(DeadContextException.class, unwrap(failure));
        assertTrue(dead.getMessage().contains("KILL") || dead.getMessage().contains("signal"), dead.getMessage());
        JsonObject again = exec(spec, "id", "-un");
        assertEquals(TestAccounts.LOGIN, stdout(again));
        int newPid = ((JsonObject) controller.contexts().get(spec).await().call(new AgentCall.Info(), DEADLINE).await()).getInteger("pid");
        assertNotEquals(pid, newPid);
    }

    @Test
    void aDroppedSshConnectionIsReopenedByTheNextCall() throws Exception {
        ContextSpec spec = login(TestAccounts.OTHER);
        assertEquals(TestAccounts.OTHER, stdout(exec(spec, "id", "-un")));
        long before = sshd.publicKeyLogins(TestAccounts.OTHER);
        // what a reboot or a network cut looks like from here: sshd's side of the connection dies
        ProcessHandle.allProcesses()
                .filter(p -> p.info().user().filter(TestAccounts.OTHER::equals).isPresent())
                .filter(p -> p.info().command().filter(c -> c.endsWith("/sshd")).isPresent())
                .forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (controller.contexts().live().stream().anyMatch(ctx -> ctx.key().equals(spec.key()))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(TestAccounts.OTHER, stdout(exec(spec, "id", "-un")));
        assertEquals(1, sshd.publicKeyLogins(TestAccounts.OTHER) - before, sshd.log());
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t.getClass() == RuntimeException.class) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
