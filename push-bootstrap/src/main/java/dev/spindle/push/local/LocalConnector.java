package dev.spindle.push.local;

import dev.spindle.push.Connector;
import dev.spindle.push.Login;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Login agents as child processes of the controller, as the user running it (no SSH). */
public final class LocalConnector implements Connector<Login.Local> {

    private final Vertx vertx;

    public LocalConnector(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Class<Login.Local> loginType() {
        return Login.Local.class;
    }

    @Override
    public Future<LocalProcessTransport> open(Login.Local login, String command) {
        // process start forks: off the event loop
        return vertx.executeBlocking(() -> LocalProcessTransport.start(command), false);
    }

    @Override
    public void forget(Login.Local login) {
        // nothing is shared between local agents
    }

    @Override
    public void close() {
        // each agent's process ends with its stream
    }
}
