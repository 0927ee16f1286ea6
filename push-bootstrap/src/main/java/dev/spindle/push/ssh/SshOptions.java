package dev.spindle.push.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything needed to open one SSH login: where, as whom, how to authenticate and how to trust
 * the server. Immutable; build with {@link SshOptionsParser} or {@link Builder}.
 *
 * @param host               name or address to connect to
 * @param port               TCP port (22 unless told otherwise)
 * @param user               login user
 * @param identityFiles      private keys to offer, in order; empty = the OpenSSH defaults that exist
 * @param password           password for password/keyboard-interactive auth, if any
 * @param knownHostsFile     file host keys are checked against ({@code ~/.ssh/known_hosts} by default)
 * @param checkHostKey       false only when the user turned checking off explicitly
 * @param connectTimeout     TCP connect plus SSH handshake and authentication
 * @param kexAlgorithms      key exchanges in order of preference; empty = Spindle's default order
 * @param publicKeyAuth      whether to offer keys at all ({@code PubkeyAuthentication})
 * @param passwordAuth       whether to offer the password ({@code PasswordAuthentication})
 * @param compression        zlib compression of the SSH stream ({@code -C}, {@code Compression})
 * @param keepaliveInterval  how often an idle login asks the server for a reply
 *                           ({@code ServerAliveInterval}); zero turns keepalives off
 * @param keepaliveCountMax  keepalives left unanswered before the login is given up for dead
 *                           ({@code ServerAliveCountMax}): a host that stops answering (stopped,
 *                           frozen, cut off without a reset) is noticed within about
 *                           interval x (count + 1), and its calls fail instead of hanging
 */
public record SshOptions(
        String host,
        int port,
        String user,
        List<Path> identityFiles,
        Optional<String> password,
        Path knownHostsFile,
        boolean checkHostKey,
        Duration connectTimeout,
        List<String> kexAlgorithms,
        boolean publicKeyAuth,
        boolean passwordAuth,
        boolean compression,
        Duration keepaliveInterval,
        int keepaliveCountMax) {

    public static final int DEFAULT_PORT = 22;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * OpenSSH's client sends none by default; a login Spindle keeps for a whole run (and
     * longer, with persist) must notice a dead host by itself, so it asks every 15 s.
     */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(15);
    /** OpenSSH's ServerAliveCountMax default. */
    public static final int DEFAULT_KEEPALIVE_COUNT_MAX = 3;

    public SshOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("no host given");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("no login user given for " + host);
        }
        identityFiles = List.copyOf(identityFiles);
        kexAlgorithms = List.copyOf(kexAlgorithms);
        if (keepaliveInterval.isNegative()) {
            throw new IllegalArgumentException("keepalive interval must not be negative: " + keepaliveInterval);
        }
        if (keepaliveCountMax < 1) {
            throw new IllegalArgumentException("keepalive count must be at least 1: " + keepaliveCountMax);
        }
    }

    /** The key sessions are shared by: one SSH login per (host, port, user). */
    public String loginKey() {
        return user + "@" + host + ":" + port;
    }


    @Override
    public String toString() {
        // never print the password
        return "ssh " + loginKey();
    }

    public static Builder builder(String host, String user) {
        return new Builder(host, user);
    }

    /** Mutable builder used by the parsers; defaults match the OpenSSH client's. */
    public static final class Builder {
        String host;
        int port = DEFAULT_PORT;
        String user;
        final java.util.ArrayList<Path> identityFiles = new java.util.ArrayList<>();
        String password;
        Path knownHostsFile = defaultKnownHosts();
        boolean checkHostKey = true;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        List<String> kexAlgorithms = List.of();
        boolean publicKeyAuth = true;
        boolean passwordAuth = true;
        boolean compression;
        Duration keepaliveInterval = DEFAULT_KEEPALIVE_INTERVAL;
        int keepaliveCountMax = DEFAULT_KEEPALIVE_COUNT_MAX;

        Builder(String host, String user) {
            this.host = host;
            this.user = user;
        }

        public Builder host(String value) { host = value; return this; }
        public Builder port(int value) { port = value; return this; }
        public Builder user(String value) { user = value; return this; }
        public Builder identityFile(Path value) { identityFiles.add(value); return this; }
        public Builder password(String value) { password = value; return this; }
        public Builder knownHostsFile(Path value) { knownHostsFile = value; return this; }
        public Builder checkHostKey(boolean value) { checkHostKey = value; return this; }
        public Builder connectTimeout(Duration value) { connectTimeout = value; return this; }
        public Builder kexAlgorithms(List<String> value) { kexAlgorithms = value; return this; }
        public Builder publicKeyAuth(boolean value) { publicKeyAuth = value; return this; }
        public Builder passwordAuth(boolean value) { passwordAuth = value; return this; }
        public Builder compression(boolean value) { compression = value; return this; }
        public Builder keepaliveInterval(Duration value) { keepaliveInterval = value; return this; }
        public Builder keepaliveCountMax(int value) { keepaliveCountMax = value; return this; }

        public SshOptions build() {
            return new SshOptions(host, port, user, identityFiles, Optional.ofNullable(password), knownHostsFile,
                    checkHostKey, connectTimeout, kexAlgorithms, publicKeyAuth, passwordAuth, compression,
                    keepaliveInterval, keepaliveCountMax);
        }
    }

    static Path defaultKnownHosts() {
        return Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    }
}
