package dev.spindle.controller;

import java.util.List;

import dev.spindle.bus.router.Router;
import dev.spindle.bus.router.RouterOptions;
import dev.spindle.push.Connectors;
import dev.spindle.push.local.LocalConnector;
import dev.spindle.push.ssh.SshConnector;
import io.vertx.core.Vertx;

/**
 * The pieces of a controller wired together once: Vert.x, the router, one connector per login
 * kind and the context registry. The CLI, the benchmarks, the tests and the daemon all start
 * from here, so there is one place that says how they fit.
 */
public final class Controller implements AutoCloseable {

    private final Vertx vertx;
    private final Router router;
    private final SshConnector ssh;
    private final Connectors connectors;
    private final Contexts contexts;

    private Controller(Vertx vertx, Router router, SshConnector ssh, Connectors connectors, Contexts contexts) {
        this.vertx = vertx;
        this.router = router;
        this.ssh = ssh;
        this.connectors = connectors;
        this.contexts = contexts;
    }

    /** A controller with no module sources to serve (the spine: exec, become). */
    public static Controller start() {
        return start(RouterOptions.defaults(), List.of());
    }

    public static Controller start(RouterOptions options, List<String> sourceRoots) {
        return start(options, ControllerLimits.defaults(), sourceRoots);
    }

    public static Controller start(RouterOptions options, ControllerLimits limits, List<String> sourceRoots) {
        Vertx vertx = Vertx.vertx();
        Router router = Router.create(vertx, options);
        SshConnector ssh = new SshConnector(vertx, limits.connectingAtOnce());
        Connectors connectors = new Connectors(List.of(ssh, new LocalConnector(vertx)));
        return new Controller(vertx, router, ssh, connectors, new Contexts(router, connectors, sourceRoots, limits));
    }

    public Vertx vertx() {
        return vertx;
    }

    public Router router() {
        return router;
    }

    /** The SSH connector itself, for what only SSH has (the spine benchmark times a bare login). */
    public SshConnector ssh() {
        return ssh;
    }

    public Contexts contexts() {
        return contexts;
    }

    @Override
    public void close() {
        contexts.close();
        connectors.close();
        vertx.close().await();
    }
}
