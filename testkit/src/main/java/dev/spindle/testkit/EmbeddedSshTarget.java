package dev.spindle.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;

/**
 * A real SSH target in-process: a MINA SSHD server on a free loopback port that runs exec
 * requests as real processes of the current user. It lets the demo and the SSH unit tests run
 * without root or a system sshd. Keys are made fresh per start and written to {@code dir}:
 * {@code client_key} (OpenSSH format) and {@code known_hosts} with this server's host key.
 */
public final class EmbeddedSshTarget implements AutoCloseable {

    private final SshServer server;
    private final Path clientKey;
    private final Path knownHosts;
    private final AtomicInteger logins = new AtomicInteger();

    private EmbeddedSshTarget(SshServer server, Path clientKey, Path knownHosts) {
        this.server = server;
        this.clientKey = clientKey;
        this.knownHosts = knownHosts;
    }

    public static EmbeddedSshTarget start(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        KeyPair hostKey = newKey();
        KeyPair client = newKey();
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, client.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setCommandFactory((channel, command) -> new ProcessCommand(command));
        server.setChannelFactories(java.util.List.of(ExitStatusFirstChannelSession.FACTORY));
        EmbeddedSshTarget target = new EmbeddedSshTarget(server, dir.resolve("client_key"), dir.resolve("known_hosts"));
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    target.logins.incrementAndGet();
                }
            }
        });
        server.start();
        target.writeClientKey(client);
        Files.writeString(target.knownHosts, "[127.0.0.1]:" + server.getPort() + " "
                + PublicKeyEntry.toString(hostKey.getPublic()) + "\n", StandardCharsets.UTF_8);
        return target;
    }

    private void writeClientKey(KeyPair client) throws IOException, GeneralSecurityException {
        Files.deleteIfExists(clientKey);
        Files.createFile(clientKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(clientKey)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(client, "spindle-embedded-target", null, out);
        }
    }

    private static KeyPair newKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    public int port() {
        return server.getPort();
    }

    public Path clientKey() {
        return clientKey;
    }

    public Path knownHosts() {
        return knownHosts;
    }

    /** Successful SSH authentications since start: the "SSH logins" column of the demo. */
    public int logins() {
        return logins.get();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
