package dev.spindle.bench;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A real host given as {@code user@host[:port]}. Vanilla Ansible reaches it with the user's own
 * ssh configuration (keys, known_hosts), so no proxy or server log is available: bytes and
 * logins are not counted.
 */
final class RemoteTarget implements ComparisonTarget {

    private static final int SSH_PORT = 22;

    private final InventoryHost host;

    private RemoteTarget(InventoryHost host) {
        this.host = host;
    }

    /** Parses {@code user@host[:port]}; IllegalArgumentException names what is wrong. */
    static RemoteTarget parse(String spec) {
        int at = spec.indexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw new IllegalArgumentException("--target wants USER@HOST[:PORT], not '" + spec + "'");
        }
        String user = spec.substring(0, at);
        String hostAndPort = spec.substring(at + 1);
        int colon = hostAndPort.lastIndexOf(':');
        int port = SSH_PORT;
        String address = hostAndPort;
        if (colon >= 0) {
            address = hostAndPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostAndPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--target port must be a number: '" + spec + "'");
            }
        }
        return new RemoteTarget(new InventoryHost("target", address, port, user, null, null));
    }

    @Override
    public String description() {
        return host.user() + "@" + host.address() + ":" + host.port();
    }

    @Override
    public InventoryHost host() {
        return host;
    }

    @Override
    public OptionalLong wireBytes() {
        return OptionalLong.empty();
    }

    @Override
    public OptionalLong logins() {
        return OptionalLong.empty();
    }

    @Override
    public Optional<Duration> targetCpu() {
        return Optional.empty();
    }

    @Override
    public void close() {
        // nothing was started for a real host
    }
}
