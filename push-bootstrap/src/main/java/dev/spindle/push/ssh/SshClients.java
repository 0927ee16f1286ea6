package dev.spindle.push.ssh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Duration;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * One started MINA {@link SshClient} per key-exchange preference, compression choice and
 * keepalive: all are fixed when a session is created (MINA's connection service reads the
 * keepalive from its client then, before anything of the session can be set), so sessions
 * wanting others need their own client.
 *
 * <p>Why a default order at all: with BouncyCastle on the class path (needed for ed25519 keys)
 * MINA puts sntrup761x25519-sha512 first, which costs about 250 ms per handshake here; OpenSSH
 * accepts curve25519-sha256 just as well. Users who set {@code -o KexAlgorithms=} get exactly
 * their list.
 */
final class SshClients implements AutoCloseable {

    static final List<String> DEFAULT_KEX_PREFERENCE = List.of("curve25519-sha256", "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521");

    /**
     * Why a session failed (an unanswered keepalive, a read error), kept on the session so a
     * channel that closes with it can say so ({@link SshChannelTransport}).
     */
    static final AttributeRepository.AttributeKey<Throwable> FAILURE = new AttributeRepository.AttributeKey<>();

    /** The verifier of one connection, passed in its connect context (SshConnector). */
    static final AttributeRepository.AttributeKey<ServerKeyVerifier> HOST_KEY_VERIFIER = new AttributeRepository.AttributeKey<>();

    private final Map<Settings, SshClient> clients = new ConcurrentHashMap<>();

    /** What is fixed per client: the KEX proposal, whether to offer compression, and the keepalive. */
    private record Settings(List<String> kex, boolean compression, Duration keepaliveInterval, int keepaliveCountMax) {
    }

    SshClient forOptions(SshOptions options) {
        return clients.computeIfAbsent(new Settings(options.kexAlgorithms(), options.compression(),
                options.keepaliveInterval(), options.keepaliveCountMax()), SshClients::start);
    }

    private static SshClient start(Settings settings) {
        SshClient client = SshClient.setUpDefaultClient();
        client.setKeyExchangeFactories(order(client.getKeyExchangeFactories(), settings.kex()));
        // -C: zlib@openssh.com (after auth, as OpenSSH does); without it, none, as OpenSSH's default
        client.setCompressionFactories(settings.compression()
                ? List.of(BuiltinCompressions.delayedZlib, BuiltinCompressions.zlib, BuiltinCompressions.none)
                : List.of(BuiltinCompressions.none));
        // never fall back to ~/.ssh keys or accept-all host keys behind the user's back: every
        // connection brings its own verifier (rejecting when it has none) and identities
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setServerKeyVerifier(SshClients::verifyWithConnectionsOwn);
        configureKeepalive(client, settings);
        client.addSessionListener(new SessionListener() {
            @Override
            public void sessionException(Session session, Throwable failure) {
                session.setAttribute(FAILURE, failure);
            }
        });
        client.start();
        return client;
    }

    /**
     * OpenSSH's ServerAliveInterval: a global request that wants a reply (OpenSSH answers even
     * one it does not know), and the session closed, with its channels and so every call on
     * them, once more than the count go unanswered. A reset connection is noticed without it;
     * this is for a host that keeps the TCP connection but stops answering.
     */
    private static void configureKeepalive(SshClient client, Settings settings) {
        if (!settings.keepaliveInterval().isZero()) {
            CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, settings.keepaliveInterval());
            CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, settings.keepaliveCountMax());
        }
    }

    private static boolean verifyWithConnectionsOwn(ClientSession session, SocketAddress remote, PublicKey key) {
        AttributeRepository context = session.getConnectionContext();
        ServerKeyVerifier own = context == null ? null : context.getAttribute(HOST_KEY_VERIFIER);
        return own != null && own.verifyServerKey(session, remote, key);
    }

    static List<KeyExchangeFactory> order(List<KeyExchangeFactory> available, List<String> requested) {
        if (!requested.isEmpty()) {
            List<KeyExchangeFactory> chosen = new ArrayList<>();
            for (String name : requested) {
                KeyExchangeFactory factory = available.stream().filter(f -> f.getName().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("KexAlgorithms: '" + name
                                + "' is not supported; available: " + available.stream().map(KeyExchangeFactory::getName).toList()));
                chosen.add(factory);
            }
            return chosen;
        }
        List<KeyExchangeFactory> sorted = new ArrayList<>(available);
        sorted.sort(Comparator.comparingInt(f -> {
            int rank = DEFAULT_KEX_PREFERENCE.indexOf(f.getName());
            return rank < 0 ? DEFAULT_KEX_PREFERENCE.size() : rank;
        }));
        return sorted;
    }

    @Override
    public void close() {
        clients.values().forEach(SshClient::stop);
        clients.clear();
    }
}
