package dev.spindle.controller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which {@code ansible-playbook} runs are using the daemon, and when it may exit: once the last
 * run's process is gone and the longest {@code persist} any run asked for has passed. Runs
 * are identified by pid, checked every second through /proc. Confined to the daemon's context.
 */
public final class RunLeases {

    private static final Logger LOG = LoggerFactory.getLogger(RunLeases.class);
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** How long a fresh daemon waits for the run that started it to send its first request. */
    static final Duration STARTUP_GRACE = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final Runnable onIdle;
    private final Map<Long, Duration> runs = new HashMap<>();
    private Duration persist = Duration.ZERO;
    private long idleSinceNanos = System.nanoTime();
    private boolean anyRunJoined;

    public RunLeases(Vertx vertx, Duration initialPersist, Runnable onIdle) {
        this.vertx = vertx;
        this.onIdle = onIdle;
        this.persist = initialPersist;
    }

    public void start() {
        vertx.setPeriodic(CHECK_EVERY.toMillis(), id -> check());
    }

    /** Notes the run a request came from ({@code {"pid": n, "persist": s}}). */
    public void touch(JsonObject run) {
        if (run == null || run.getLong("pid") == null) {
            return;
        }
        Duration asked = Duration.ofSeconds(run.getLong("persist", 0L));
        anyRunJoined = true;
        if (runs.put(run.getLong("pid"), asked) == null) {
            LOG.info("run {} joined (persist {} s)", run.getLong("pid"), asked.toSeconds());
        }
        if (asked.compareTo(persist) > 0) {
            persist = asked;
        }
    }

    public List<Long> pids() {
        return List.copyOf(runs.keySet());
    }

    private void check() {
        boolean hadRuns = !runs.isEmpty();
        runs.keySet().removeIf(pid -> {
            boolean gone = !Files.exists(Path.of("/proc", Long.toString(pid)));
            if (gone) {
                LOG.info("run {} ended", pid);
            }
            return gone;
        });
        if (!runs.isEmpty()) {
            return;
        }
        if (hadRuns) {
            idleSinceNanos = System.nanoTime();
        }
        Duration allowed = anyRunJoined || persist.compareTo(STARTUP_GRACE) > 0 ? persist : STARTUP_GRACE;
        if (Duration.ofNanos(System.nanoTime() - idleSinceNanos).compareTo(allowed) >= 0) {
            LOG.info("no run left and {} s idle: exiting", allowed.toSeconds());
            onIdle.run();
        }
    }
}
