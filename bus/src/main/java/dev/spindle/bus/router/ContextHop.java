package dev.spindle.bus.router;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.function.Supplier;

/** Runs work on the router's context, inline when already there, so router state has one thread. */
final class ContextHop {

    private final Context context;

    ContextHop(Context context) {
        this.context = context;
    }

    /** Runs {@code action} on the context; actions from one thread run in the order given. */
    void run(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            runLater(action);
        }
    }

    /** Runs {@code action} as a new task on the context, even when already there. */
    void runLater(Runnable action) {
        context.runOnContext(ignored -> action.run());
    }

    /** Runs {@code action} on the context after {@code delay}, unless Vert.x closes first. */
    void runAfter(Duration delay, Runnable action) {
        context.owner().setTimer(Math.max(1, delay.toMillis()), id -> run(action));
    }

    /** Runs {@code action} on the context and relays its future; a throw fails the future. */
    <T> Future<T> submit(Supplier<Future<T>> action) {
        Promise<T> promise = Promise.promise();
        run(() -> {
            try {
                action.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        });
        return promise.future();
    }

    Vertx vertx() {
        return context.owner();
    }
}
