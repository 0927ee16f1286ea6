package dev.spindle.push.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.spindle.push.Connector;
import dev.spindle.push.Login;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens SSH logins with MINA and hands out exec channels on them: one session per (host, port,
 * login user), shared by every caller, including callers that ask while the first attempt is
 * still connecting. The handshake uses MINA's blocking API on a worker pool of its own;
 * channel data then flows asynchronously ({@link SshChannelTransport}).
 */
public final class SshConnector implements Connector<Login.Ssh> {

    private static final Logger LOG = LoggerFactory.getLogger(SshConnector.class);
    private static final List<String> DEFAULT_IDENTITIES = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final WorkerExecutor logins;
    private final SshClients clients = new SshClients();
    private final Map<String, Future<ClientSession>> sessions = new ConcurrentHashMap<>();

    /**
     * Logins block a thread for up to their connect timeout (MINA's verify()); they get a pool
     * of their own, {@code atOnce} threads, so a crowd of unreachable hosts can't hold up file
     * I/O on Vert.x's shared worker pool, and logins beyond {@code atOnce} wait in order (the
     * pool's queue) rather than opening sockets without bound.
     */
    public SshConnector(Vertx vertx, int atOnce) {
        this.logins = vertx.createSharedWorkerExecutor("spindle-ssh-login", atOnce);
    }

    /** The live session for this login, opening it once if needed. */
    public Future<ClientSession> session(SshOptions options) {
        String key = options.loginKey();
        Future<ClientSession> session = sessions.compute(key, (k, existing) -> {
            if (existing != null && !(existing.failed() || existing.succeeded() && !existing.result().isOpen())) {
                return existing;
            }
            return logins.executeBlocking(() -> login(options), false);
        });
        // forget a failed attempt so the next caller tries again, but never a newer one
        return session.onFailure(e -> sessions.remove(key, session));
    }

    @Override
    public Class<Login.Ssh> loginType() {
        return Login.Ssh.class;
    }

    @Override
    public Future<SshChannelTransport> open(Login.Ssh login, String command) {
        return exec(login.options(), command);
    }

    @Override
    public void forget(Login.Ssh login) {
        forget(login.options());
    }

    /** Opens an exec channel running {@code command} with asynchronous streams. */
    public Future<SshChannelTransport> exec(SshOptions options, String command) {
        return session(options).compose(session -> logins.executeBlocking(() -> {
            ChannelExec channel = session.createExecChannel(command);
            channel.setStreaming(ClientChannel.Streaming.Async);
            try {
                channel.open().verify(options.connectTimeout());
            } catch (IOException | RuntimeException e) {
                channel.close(true); // else it stays registered on the shared session
                throw e;
            }
            return new SshChannelTransport(channel, "ssh " + options.loginKey());
        }, false));
    }

    /** Closes the login (and every channel on it), e.g. after the target rebooted. */
    public void forget(SshOptions options) {
        Future<ClientSession> session = sessions.remove(options.loginKey());
        if (session != null && session.succeeded()) {
            session.result().close(true);
        }
    }

    private ClientSession login(SshOptions options) throws SshConnectException {
        SshClient client = clients.forOptions(options);
        ClientSession session = null;
        KnownHostsVerifier knownHosts = options.checkHostKey()
                ? new KnownHostsVerifier(options.knownHostsFile(), options.host(), options.port())
                : null;
        try {
            ServerKeyVerifier verifier = knownHosts != null ? knownHosts : (s, remote, key) -> true;
            // handed over with the connection, not set afterwards: the key exchange may reach
            // the host key check before connect() even returns
            session = client.connect(options.user(), options.host(), options.port(),
                            AttributeRepository.ofKeyValuePair(SshClients.HOST_KEY_VERIFIER, verifier))
                    .verify(options.connectTimeout())
                    .getSession();
            List<Path> keys = configureIdentities(session, options);
            session.auth().verify(options.connectTimeout());
            LOG.debug("logged in as {} with {}", options.loginKey(), keys);
            return session;
        } catch (IOException | RuntimeException e) {
            SshConnectException error = SshConnectException.explain(options, session,
                    knownHosts == null ? null : knownHosts.rejection(), describeMethods(options), e);
            if (session != null) {
                session.close(true);
            }
            throw error;
        }
    }

    private static List<Path> configureIdentities(ClientSession session, SshOptions options) throws IOException {
        List<Path> keyFiles = options.publicKeyAuth() ? keyFiles(options) : List.of();
        if (!keyFiles.isEmpty()) {
            List<KeyPair> pairs = new ArrayList<>();
            for (KeyPair pair : new FileKeyPairProvider(keyFiles).loadKeys(session)) {
                pairs.add(pair);
            }
            session.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(pairs));
        }
        if (options.passwordAuth()) {
            options.password().ifPresent(session::addPasswordIdentity);
        }
        return keyFiles;
    }

    private static List<Path> keyFiles(SshOptions options) throws IOException {
        if (!options.identityFiles().isEmpty()) {
            for (Path file : options.identityFiles()) {
                if (!Files.isReadable(file)) {
                    throw new IOException("identity file " + file + " does not exist or is not readable");
                }
            }
            return options.identityFiles();
        }
        Path sshDir = Path.of(System.getProperty("user.home"), ".ssh");
        return DEFAULT_IDENTITIES.stream().map(sshDir::resolve).filter(Files::isReadable).toList();
    }

    private static String describeMethods(SshOptions options) {
        List<String> tried = new ArrayList<>();
        if (options.publicKeyAuth()) {
            try {
                List<Path> files = keyFiles(options);
                tried.add(files.isEmpty() ? "publickey (no key files found)" : "publickey " + files);
            } catch (IOException e) {
                tried.add("publickey (" + e.getMessage() + ")");
            }
        }
        if (options.passwordAuth() && options.password().isPresent()) {
            tried.add("password");
        }
        return tried.isEmpty() ? "no methods (no key and no password)" : String.join(", ", tried);
    }

    @Override
    public void close() {
        sessions.values().forEach(f -> {
            if (f.succeeded()) {
                f.result().close(true);
            }
        });
        sessions.clear();
        clients.close();
        logins.close();
    }
}
