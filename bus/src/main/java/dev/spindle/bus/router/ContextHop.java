package dev.spindle.bus.router;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** Runs work on the router's context, inline when already there, so router state has one thread. */
final class ContextHop {

    private final Context context;

    ContextHop(Context context) {
        this.context = context;
    }

    /**
     * Runs {@code action} on the context; actions from one thread run in the order given.
     * Returns false, without running it, once Vert.x is closed.
     */
    boolean run(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
            return true;
        }
        return runLater(action);
    }

    /**
     * Runs {@code action} as a new task on the context, even when already there. Returns false,
     * without running it, once Vert.x is closed: a transport's reader thread may still deliver a
     * dying agent's last bytes and its close then, and there is no one left to hand them to.
     */
    boolean runLater(Runnable action) {
        try {
            context.runOnContext(ignored -> action.run());
            return true;
        } catch (RejectedExecutionException closed) {
            return false;
        }
    }

    /** Runs {@code action} on the context after {@code delay}, unless Vert.x closes first. */
    void runAfter(Duration delay, Runnable action) {
        context.owner().setTimer(Math.max(1, delay.toMillis()), id -> run(action));
    }

    /** Runs {@code action} on the context and relays its future; a throw fails the future. */
    <T> Future<T> submit(Supplier<Future<T>> action) {
        Promise<T> promise = Promise.promise();
        boolean accepted = run(() -> {
            try {
                action.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        });
        if (!accepted) {
            promise.tryFail("the router is closed");
        }
        return promise.future();
    }

    Vertx vertx() {
        return context.owner();
    }
}
