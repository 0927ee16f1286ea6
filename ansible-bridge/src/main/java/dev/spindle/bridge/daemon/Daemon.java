package dev.spindle.bridge.daemon;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileLock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.spindle.bus.router.RouterOptions;
import dev.spindle.push.Controller;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spindle daemon}: the controller Ansible's plugins talk to. It takes the per-user lock,
 * listens on loopback with the TCP event-bus bridge, announces port and secret in the runtime
 * directory, serves {@link TaskApi}, and exits when the last run that used it is over (plus
 * {@code persist}).
 */
public final class Daemon {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    public static final String VERSION = "0.1.0";

    private Daemon() {
    }

    public static int run(List<String> args) throws IOException, InterruptedException {
        return run(args, System.getenv());
    }

    /** Runs until idle; {@code env} supplies SPINDLE_RUNTIME_DIR, XDG_RUNTIME_DIR and SPINDLE_PERSIST. */
    public static int run(List<String> args, Map<String, String> env) throws IOException, InterruptedException {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("usage: spindle daemon (configured by SPINDLE_RUNTIME_DIR and SPINDLE_PERSIST)");
        }
        RuntimeDir dir = RuntimeDir.resolve(env);
        FileLock lock = dir.lockForDaemon();
        if (lock == null) {
            System.err.println("spindle daemon: another daemon already serves " + dir.path());
            return 0;
        }
        Duration persist = Durations.parse(env.getOrDefault("SPINDLE_PERSIST", "0"));
        CountDownLatch idle = new CountDownLatch(1);
        try (Controller controller = Controller.start(RouterOptions.defaults(), List.of())) {
            RunLeases leases = new RunLeases(controller.vertx(), persist, idle::countDown);
            new TaskApi(controller, leases).register(controller.vertx().eventBus());
            BridgeAccess access = BridgeAccess.withNewSecret();
            int port = listen(controller, access);
            dir.publish(new JsonObject().put("port", port).put("secret", access.secret())
                    .put("pid", ProcessHandle.current().pid()).put("version", VERSION));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> dir.withdraw(ProcessHandle.current().pid())));
            leases.start();
            LOG.info("spindle daemon {} listening on 127.0.0.1:{} (runtime dir {})", ProcessHandle.current().pid(), port, dir.path());
            idle.await();
            dir.withdraw(ProcessHandle.current().pid());
        } finally {
            lock.release();
        }
        return 0;
    }

    /** The bridge API can't report an ephemeral port, so pick a free one and retry if it was taken meanwhile. */
    private static int listen(Controller controller, BridgeAccess access) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            try {
                TcpEventBusBridge.create(controller.vertx(), BridgeAccess.permitted(TaskApi.ADDRESSES),
                        new NetServerOptions().setTcpNoDelay(true), access).listen(port, "127.0.0.1").await();
                return port;
            } catch (RuntimeException e) {
                last = new IOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
            }
        }
        throw last;
    }
}
