package dev.spindle.bus.testing;

import dev.spindle.bus.router.AgentLog;
import dev.spindle.bus.router.AgentStream;
import dev.spindle.bus.router.IdBlock;
import dev.spindle.bus.router.Router;
import dev.spindle.bus.router.RouterOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A Vert.x instance and a router with fake agents attached; close it after each test. */
public final class RouterHarness implements AutoCloseable, AfterEachCallback {

    /** How long a test waits for any one answer. */
    public static final Duration DEADLINE = Duration.ofSeconds(10);


    /** A fake agent attached to the router, and the stream the router made for it. */
    public record Connection(FakeAgent agent, AgentStream stream) {

        /** The login agent's context id, the first of its block. */
        public int id() {
            return stream.block().base();
        }
    }

    public final Vertx vertx = Vertx.vertx();
    public final Router router;
    private final BlockingQueue<AgentLog> logs = new LinkedBlockingQueue<>();

    public RouterHarness() {
        this(RouterOptions.defaults());
    }

    public RouterHarness(RouterOptions options) {
        router = Router.create(vertx, options);
        router.logHandler(logs::add);
    }

    /** Attaches a fake agent that has sent its ready marker. */
    public Connection connect(String name) {
        Connection connection = attach(name);
        connection.agent().sendReady();
        Await.result(connection.stream().readyMarkerSeen());
        return connection;
    }

    /** Attaches a fake agent that has sent nothing yet. */
    public Connection attach(String name) {
        FakeAgent agent = new FakeAgent("memory " + name);
        IdBlock block = router.allocateBlock();
        return new Connection(agent, Await.result(router.attach(agent.transport(), block, name)));
    }

    /** The next agent log record delivered to the router's log handler. */
    public AgentLog nextLog() {
        try {
            AgentLog record = logs.poll(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (record == null) {
                throw new AssertionError("no agent log record within " + Await.TIMEOUT);
            }
            return record;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** Registered with {@code @RegisterExtension}, the harness closes itself after each test. */
    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        Await.result(router.close());
        Await.result(vertx.close());
    }
}
