package dev.spindle.push;

import java.util.List;

import dev.spindle.bus.router.Router;
import dev.spindle.bus.router.RouterOptions;
import dev.spindle.push.ssh.SshConnector;
import io.vertx.core.Vertx;

/**
 * The pieces of a controller wired together once: Vert.x, the router, the SSH connector and
 * the context registry. The CLI, the benchmarks, the tests and (later) the daemon all start
 * from here, so there is one place that says how they fit.
 */
public final class Controller implements AutoCloseable {

    private final Vertx vertx;
    private final Router router;
    private final SshConnector ssh;
    private final Contexts contexts;

    private Controller(Vertx vertx, Router router, SshConnector ssh, Contexts contexts) {
        this.vertx = vertx;
        this.router = router;
        this.ssh = ssh;
        this.contexts = contexts;
    }

    /** A controller with no module sources to serve (the spine: exec, become). */
    public static Controller start() {
        return start(RouterOptions.defaults(), List.of());
    }

    public static Controller start(RouterOptions options, List<String> sourceRoots) {
        Vertx vertx = Vertx.vertx();
        Router router = Router.create(vertx, options);
        SshConnector ssh = new SshConnector(vertx);
        return new Controller(vertx, router, ssh, new Contexts(vertx, router, ssh, sourceRoots));
    }

    public Vertx vertx() {
        return vertx;
    }

    public Router router() {
        return router;
    }

    public SshConnector ssh() {
        return ssh;
    }

    public Contexts contexts() {
        return contexts;
    }

    @Override
    public void close() {
        contexts.close();
        ssh.close();
        vertx.close().await();
    }
}
