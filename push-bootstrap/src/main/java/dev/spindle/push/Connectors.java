package dev.spindle.push;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.spindle.bus.transport.ByteTransport;
import io.vertx.core.Future;

/** The registry that picks the {@link Connector} for a login by its kind. */
public final class Connectors implements AutoCloseable {

    private final Map<Class<? extends Login>, Connector<?>> byLoginType = new LinkedHashMap<>();

    public Connectors(List<Connector<?>> connectors) {
        for (Connector<?> connector : connectors) {
            if (byLoginType.putIfAbsent(connector.loginType(), connector) != null) {
                throw new IllegalArgumentException("two connectors for " + connector.loginType().getSimpleName());
            }
        }
    }

    public Future<? extends ByteTransport> open(Login login, String command) {
        return connectorFor(login).open(login, command);
    }

    public void forget(Login login) {
        connectorFor(login).forget(login);
    }

    @SuppressWarnings("unchecked") // registered under its own loginType(), so the cast holds
    private <L extends Login> Connector<L> connectorFor(L login) {
        Connector<?> connector = byLoginType.get(login.getClass());
        if (connector == null) {
            throw new IllegalArgumentException("no connector for " + login.getClass().getSimpleName() + " logins");
        }
        return (Connector<L>) connector;
    }

    @Override
    public void close() {
        byLoginType.values().forEach(Connector::close);
    }
}
