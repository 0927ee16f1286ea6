package dev.spindle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import dev.spindle.testkit.EmbeddedSshTarget;
import dev.spindle.testkit.OpenSshServer;

/**
 * An SSH server on this machine (OpenSSH or the embedded one) with a {@link CountingTcpProxy} in
 * front of it. Ansible connects to the proxy's port, so the server's known_hosts entry is
 * copied for that port: host keys are checked as usual.
 */
final class LoopbackTarget implements ComparisonTarget {

    /** sshd's log or the embedded server's counter. */
    interface LoginCounter {
        long logins() throws IOException;
    }

    /** The CPU of the server and all it ran, once its sessions ended; empty when it can't be counted. */
    interface CpuCounter {
        Optional<Duration> cpu() throws IOException, InterruptedException;
    }

    /** Stops the server behind the proxy. */
    interface Stopper {
        void stop() throws IOException;
    }

    /** How long sessions may take to end after their client closed them. */
    private static final Duration SESSIONS_END = Duration.ofSeconds(10);

    private final String description;
    private final InventoryHost host;
    private final CountingTcpProxy proxy;
    private final LoginCounter counter;
    private final CpuCounter cpu;
    private final Stopper server;

    private LoopbackTarget(String description, InventoryHost host, CountingTcpProxy proxy, LoginCounter counter,
                           CpuCounter cpu, Stopper server) {
        this.description = description;
        this.host = host;
        this.proxy = proxy;
        this.counter = counter;
        this.cpu = cpu;
        this.server = server;
    }

    /** A private OpenSSH server in {@code dir}, logged into as {@code user}; closed with the target. */
    static LoopbackTarget openSsh(String user, Path dir) throws IOException, InterruptedException {
        OpenSshServer sshd = OpenSshServer.startCountingSessions(dir.resolve("sshd"));
        return start("OpenSSH on 127.0.0.1", user, sshd.port(), sshd.clientKey(), sshd.knownHosts(),
                () -> sshd.publicKeyLogins(user), () -> finishedSessionsCpu(sshd.pid()), sshd::close, dir);
    }

    /** The in-process MINA server, which needs neither root nor sshd; closed with the target. */
    static LoopbackTarget embedded(String user, Path dir) throws IOException, GeneralSecurityException {
        EmbeddedSshTarget target = EmbeddedSshTarget.start(dir.resolve("embedded"));
        // its sessions' processes are this JVM's children, mixed with everything else it runs: not counted
        return start("the embedded SSH target (MINA SSHD on 127.0.0.1)", user, target.port(), target.clientKey(),
                target.knownHosts(), target::logins, Optional::empty, target::close, dir);
    }

    /**
     * The listening sshd's own CPU and that of every session it reaped: each login's processes
     * (privilege-separation monitor, session, shells, sudo, an agent and its forks) descend from
     * it and are waited for up the tree or adopted by it ({@link OpenSshServer#startCountingSessions}),
     * so a session's whole cost lands in sshd's children fields once it has ended. Empty if
     * sessions are still open after {@link #SESSIONS_END}.
     */
    private static Optional<Duration> finishedSessionsCpu(long sshdPid) throws IOException, InterruptedException {
        ProcessHandle sshd = ProcessHandle.of(sshdPid).orElseThrow(() -> new IOException("sshd (pid " + sshdPid + ") is gone"));
        long deadline = System.nanoTime() + SESSIONS_END.toNanos();
        while (sshd.children().findAny().isPresent()) {
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            Thread.sleep(20);
        }
        return Optional.of(ProcessCpu.ofPid(sshdPid));
    }

    private static LoopbackTarget start(String description, String user, int port, Path clientKey, Path knownHosts,
                                        LoginCounter counter, CpuCounter cpu, Stopper server, Path dir) throws IOException {
        CountingTcpProxy proxy = null;
        try {
            proxy = CountingTcpProxy.start("127.0.0.1", port);
            int proxyPort = proxy.port();
            String serverEntry = "[127.0.0.1]:" + port + " ";
            String proxyEntries = Files.readAllLines(knownHosts, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith(serverEntry))
                    .map(line -> "[127.0.0.1]:" + proxyPort + " " + line.substring(serverEntry.length()))
                    .collect(Collectors.joining("\n", "", "\n"));
            Path proxyKnownHosts = Files.writeString(dir.resolve("known_hosts_via_proxy"), proxyEntries, StandardCharsets.UTF_8);
            return new LoopbackTarget(description, new InventoryHost("target", "127.0.0.1", proxyPort, user, clientKey,
                    proxyKnownHosts), proxy, counter, cpu, server);
        } catch (IOException | RuntimeException e) {
            closeBoth(proxy, server);
            throw e;
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public InventoryHost host() {
        return host;
    }

    @Override
    public OptionalLong wireBytes() {
        return OptionalLong.of(proxy.bytes());
    }

    @Override
    public OptionalLong logins() throws IOException {
        return OptionalLong.of(counter.logins());
    }

    @Override
    public Optional<Duration> targetCpu() throws IOException, InterruptedException {
        return cpu.cpu();
    }

    @Override
    public void close() throws IOException {
        closeBoth(proxy, server);
    }

    private static void closeBoth(CountingTcpProxy proxy, Stopper server) throws IOException {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            server.stop();
        }
    }
}
