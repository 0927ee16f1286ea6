package dev.spindle.push;

import dev.spindle.bus.transport.ByteTransport;
import io.vertx.core.Future;

/**
 * How one kind of {@link Login} is reached: the only code that knows the kind. A login agent
 * starts as {@code command} run at the login, its stdin and stdout the frame channel. SSH and
 * local today; the relay and pull-mode kinds plug in here.
 */
public interface Connector<L extends Login> extends AutoCloseable {

    /** The kind of login this connector serves; {@link Connectors} picks by it. */
    Class<L> loginType();

    /** Runs {@code command} at {@code login}; fails with the cause in words (unreachable, refused...). */
    Future<? extends ByteTransport> open(L login, String command);

    /** Drops whatever is kept for {@code login} (an SSH session), so the next open starts afresh. */
    void forget(L login);

    @Override
    void close();
}
