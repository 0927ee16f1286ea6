package dev.spindle.bridge.daemon;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import dev.spindle.bus.router.RouterOptions;
import dev.spindle.controller.Controller;
import dev.spindle.controller.ControllerLimits;
import dev.spindle.controller.Durations;
import dev.spindle.controller.RunLeases;
import dev.spindle.controller.RuntimeDir;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spindle daemon}: the controller Ansible's plugins talk to. It takes the per-user lock,
 * serves the TCP event-bus bridge protocol on a Unix socket, announces socket and secret in the runtime
 * directory, serves {@link TaskApi}, and exits when the last run that used it is over (plus
 * {@code persist}).
 */
public final class Daemon {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    public static final String VERSION = "0.1.0";
    /** sun_path holds 108 bytes on Linux, terminator included. */
    private static final int MAX_SOCKET_PATH = 107;

    private Daemon() {
    }

    /** The {@code spindle daemon} command: logs to a rolling daemon.log in its runtime directory. */
    public static int run(List<String> args) throws IOException, InterruptedException {
        return run(args, System.getenv(), DaemonLog::rollIn);
    }

    /**
     * Runs until idle; {@code env} supplies SPINDLE_RUNTIME_DIR, XDG_RUNTIME_DIR, SPINDLE_PERSIST and
     * the limits of {@link ControllerLimits}.
     * Once this process holds the lock it calls {@code logIn} with the runtime directory, so only
     * the daemon that serves the directory writes (and rolls) the log there.
     */
    static int run(List<String> args, Map<String, String> env, Consumer<Path> logIn) throws IOException, InterruptedException {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("usage: spindle daemon (configured by SPINDLE_RUNTIME_DIR and SPINDLE_PERSIST)");
        }
        RuntimeDir dir = RuntimeDir.resolve(env);
        FileLock lock = dir.lockForDaemon();
        if (lock == null) {
            System.err.println("spindle daemon: another daemon already serves " + dir.path());
            return 0;
        }
        logIn.accept(dir.path());
        Duration persist = Durations.parse(env.getOrDefault("SPINDLE_PERSIST", "0"));
        CountDownLatch idle = new CountDownLatch(1);
        ControllerLimits limits = ControllerLimits.fromEnvironment(env);
        try (Controller controller = Controller.start(RouterOptions.defaults(), limits, List.of())) {
            RunLeases leases = new RunLeases(controller.vertx(), persist, idle::countDown);
            new TaskApi(controller, leases).register(controller.vertx().eventBus());
            BridgeAccess access = BridgeAccess.withNewSecret();
            Path socket = listen(controller, access, dir);
            dir.publish(new JsonObject().put("socket", socket.toString()).put("secret", access.secret())
                    .put("pid", ProcessHandle.current().pid()).put("version", VERSION));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> dir.withdraw(ProcessHandle.current().pid())));
            leases.start();
            LOG.info("spindle daemon {} listening on {}; {}; {}", ProcessHandle.current().pid(), socket, limits,
                    FileDescriptors.now().inWords());
            idle.await();
            dir.withdraw(ProcessHandle.current().pid());
        } finally {
            lock.release();
        }
        return 0;
    }

    /**
     * Listens on a Unix socket inside the 0700 runtime directory: only the invoking user can
     * reach it, before a single byte is parsed. The secret is still checked on every message.
     */
    private static Path listen(Controller controller, BridgeAccess access, RuntimeDir dir) throws IOException {
        Path socket = dir.socketPath();
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IOException("runtime dir path too long for a Unix socket (" + socket + "); set SPINDLE_RUNTIME_DIR to a shorter one");
        }
        Files.deleteIfExists(socket); // a dead daemon's: we hold the lock, so no live one uses it
        TcpEventBusBridge.create(controller.vertx(), BridgeAccess.permitted(TaskApi.ADDRESSES), new NetServerOptions(), access)
                .listen(SocketAddress.domainSocketAddress(socket.toString())).await();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return socket;
    }
}
