package dev.spindle.push.ssh;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;

import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Checks a server's host key against an OpenSSH known_hosts file, the way {@code
 * StrictHostKeyChecking=yes} does: unknown hosts and changed keys are refused. The reason is
 * kept so the caller can say which file and which line disagreed, instead of MINA's generic
 * "server key did not validate" (the session may be gone before connect() returns). Revoked
 * ({@code @revoked}) entries refuse too.
 */
final class KnownHostsVerifier implements ServerKeyVerifier {

    private final Path file;
    private final String host;
    private final int port;
    /** Why this connection's key was refused, for the error; one verifier serves one connection. */
    private volatile String rejection;

    KnownHostsVerifier(Path file, String host, int port) {
        this.file = file;
        this.host = host;
        this.port = port;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey serverKey) {
        rejection = check(serverKey);
        return rejection == null;
    }

    /** The reason the server's key was refused, or null. */
    String rejection() {
        return rejection;
    }

    /** @return null when the key is known for this host, else the reason it is refused */
    String check(PublicKey serverKey) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return unknownHost(serverKey, "the file does not exist");
        } catch (IOException e) {
            return "cannot read known hosts file " + file + ": " + e.getMessage();
        }
        String mismatch = null;
        for (int i = 0; i < lines.size(); i++) {
            KnownHostEntry entry = parse(lines.get(i));
            if (entry == null || !entry.isHostMatch(host, port)) {
                continue;
            }
            PublicKey known = resolve(entry);
            if (known == null || !KeyUtils.getKeyType(known).equals(KeyUtils.getKeyType(serverKey))) {
                continue; // OpenSSH also skips entries of other key types
            }
            boolean same = KeyUtils.compareKeys(known, serverKey);
            if ("revoked".equals(entry.getMarker()) && same) {
                return "host key of " + hostLabel() + " is marked @revoked in " + file + " line " + (i + 1);
            }
            if (same) {
                return null;
            }
            mismatch = "HOST KEY MISMATCH for " + hostLabel() + ": the server offered " + KeyUtils.getKeyType(serverKey)
                    + " " + KeyUtils.getFingerPrint(serverKey) + " but " + file + " line " + (i + 1) + " has "
                    + KeyUtils.getFingerPrint(known) + " (possible man-in-the-middle; if the host was reinstalled,"
                    + " remove that line with: ssh-keygen -R '" + hostPattern() + "')";
        }
        return mismatch != null ? mismatch : unknownHost(serverKey, "no entry matches");
    }

    private String unknownHost(PublicKey serverKey, String why) {
        return "host key of " + hostLabel() + " is not known (" + KeyUtils.getKeyType(serverKey) + " "
                + KeyUtils.getFingerPrint(serverKey) + "; " + why + " in " + file + "). Add it with 'ssh-keyscan -p "
                + port + " " + host + " >> " + file + "' after checking the fingerprint, or turn host key checking off"
                + " explicitly (host_key_checking=False / --no-host-key-check)";
    }

    private String hostLabel() {
        return host + " port " + port;
    }

    private String hostPattern() {
        return port == SshOptions.DEFAULT_PORT ? host : "[" + host + "]:" + port;
    }

    private static KnownHostEntry parse(String line) {
        String trimmed = line.trim();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return null;
        }
        try {
            return KnownHostEntry.parseKnownHostEntry(trimmed);
        } catch (RuntimeException malformed) {
            return null; // OpenSSH skips lines it cannot parse, and so do we
        }
    }

    private static PublicKey resolve(KnownHostEntry entry) {
        try {
            return entry.getKeyEntry() == null ? null
                    : entry.getKeyEntry().resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
        } catch (IOException | GeneralSecurityException | RuntimeException unsupported) {
            return null;
        }
    }
}
