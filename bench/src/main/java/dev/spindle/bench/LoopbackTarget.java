package dev.spindle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
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

    /** Stops the server behind the proxy. */
    interface Stopper {
        void stop() throws IOException;
    }

    private final String description;
    private final InventoryHost host;
    private final CountingTcpProxy proxy;
    private final LoginCounter counter;
    private final Stopper server;

    private LoopbackTarget(String description, InventoryHost host, CountingTcpProxy proxy, LoginCounter counter,
                           Stopper server) {
        this.description = description;
        this.host = host;
        this.proxy = proxy;
        this.counter = counter;
        this.server = server;
    }

    /** A private OpenSSH server in {@code dir}, logged into as {@code user}; closed with the target. */
    static LoopbackTarget openSsh(String user, Path dir) throws IOException, InterruptedException {
        OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
        return start("OpenSSH on 127.0.0.1", user, sshd.port(), sshd.clientKey(), sshd.knownHosts(),
                () -> sshd.publicKeyLogins(user), sshd::close, dir);
    }

    /** The in-process MINA server, which needs neither root nor sshd; closed with the target. */
    static LoopbackTarget embedded(String user, Path dir) throws IOException, GeneralSecurityException {
        EmbeddedSshTarget target = EmbeddedSshTarget.start(dir.resolve("embedded"));
        return start("the embedded SSH target (MINA SSHD on 127.0.0.1)", user, target.port(), target.clientKey(),
                target.knownHosts(), target::logins, target::close, dir);
    }

    private static LoopbackTarget start(String description, String user, int port, Path clientKey, Path knownHosts,
                                        LoginCounter counter, Stopper server, Path dir) throws IOException {
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
                    proxyKnownHosts), proxy, counter, server);
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
