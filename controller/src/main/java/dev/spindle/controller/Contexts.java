package dev.spindle.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import dev.spindle.bus.Protocol;
import dev.spindle.bus.router.IdBlock;
import dev.spindle.bus.router.Router;
import dev.spindle.push.AgentContext;
import dev.spindle.push.Become;
import dev.spindle.push.Connectors;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.agent.AgentConfig;
import dev.spindle.push.agent.AgentSources;
import dev.spindle.push.agent.AgentStages;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The registry of live agents: turns a {@link ContextSpec} into an {@link AgentContext},
 * starting the login agent (SSH or local) and become children at most once, however many
 * callers ask at the same time. A context whose agent died is forgotten, so the next request
 * reconnects.
 *
 * <p>The bootstrap never waits for the agent to answer before returning: stage 2 is written
 * and the stream attached, and the caller's first call is pipelined behind it (the stream is
 * ordered). If the agent never starts, that first call fails with the reason (no Python,
 * shell error, ...).
 */
public final class Contexts implements AutoCloseable {

    /** How long a become child may take to answer its prompt and start. */
    public static final Duration BECOME_TIMEOUT = Duration.ofSeconds(30);

    /** How long ending an idle child may take: its agent waits for what it started, then exits. */
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(15);
    private static final String ROOT = "root";

    private final Router router;
    private final Connectors connectors;
    private final AgentStages stages = new AgentStages(AgentSources.bundled());
    private final List<String> sourceRoots;
    private final ControllerLimits limits;
    /** By {@link ContextSpec#key()}: the spec asked for and its (possibly still starting) agent. */
    private final Map<String, Registered> contexts = new HashMap<>();

    private record Registered(ContextSpec spec, Future<AgentContext> agent) {
    }

    public Contexts(Router router, Connectors connectors, List<String> sourceRoots, ControllerLimits limits) {
        this.router = router;
        this.connectors = connectors;
        this.sourceRoots = List.copyOf(sourceRoots);
        this.limits = limits;
    }

    /**
     * The live agent for {@code spec}, started (once) if needed. When it runs as root, the
     * idle become children of other accounts on the same login end first: a live child keeps
     * its account busy, and only root changes accounts (userdel, usermod), which vanilla
     * Ansible, leaving no process behind, can always do (docs/ansible.md, "Become children
     * and the accounts they run as").
     */
    public Future<AgentContext> get(ContextSpec spec) {
        Future<AgentContext> context = context(spec);
        return ROOT.equals(spec.user()) ? context.compose(ctx -> stopIdleChildrenOfOtherAccounts(spec).map(ctx)) : context;
    }

    private Future<AgentContext> context(ContextSpec spec) {
        Supplier<Future<AgentContext>> start = spec.become().isEmpty()
                ? () -> startLogin(spec.login())
                : () -> context(spec.loginOnly()).compose(login -> spawnChild(login, spec));
        return shared(spec, start);
    }

    /**
     * Asks each idle child that runs as another account than root, on the same SSH login, to
     * end; a busy one stays. "The same login" ignores the interpreter: a `raw` task's agent
     * (no interpreter named) and a module's (one discovered) are two agents on one login, and
     * either may have started the child that keeps an account busy. Each child is stopped by
     * its own parent.
     */
    private Future<Void> stopIdleChildrenOfOtherAccounts(ContextSpec spec) {
        String login = loginWithoutInterpreter(spec);
        List<IdleChild> idle = new ArrayList<>();
        synchronized (contexts) {
            contexts.forEach((key, registered) -> {
                ContextSpec other = registered.spec();
                Future<AgentContext> context = registered.agent();
                if (other.become().isEmpty() || ROOT.equals(other.user())
                        || !loginWithoutInterpreter(other).equals(login) || !context.succeeded() || !context.result().isAlive()) {
                    return;
                }
                Registered parent = contexts.get(other.loginOnly().key());
                if (parent != null && parent.agent().succeeded()) {
                    idle.add(new IdleChild(parent.agent().result(), key, context));
                }
            });
        }
        // the calls go out once the lock is let go
        List<Future<JsonObject>> stops = idle.stream().map(this::stop).toList();
        // a child that could not be stopped only keeps its account busy, as before
        return Future.join(stops).<Void>mapEmpty().otherwiseEmpty();
    }

    private record IdleChild(AgentContext parent, String key, Future<AgentContext> child) {
    }

    private Future<JsonObject> stop(IdleChild idle) {
        long id = Integer.toUnsignedLong(idle.child().result().id());
        return idle.parent().callForObject(new AgentCall.StopChild(id), STOP_DEADLINE)
                .onSuccess(reply -> {
                    if (reply.getBoolean("stopped", false)) {
                        forget(idle.key(), idle.child());
                    }
                });
    }

    private static String loginWithoutInterpreter(ContextSpec spec) {
        return spec.login().withPython(Optional.empty()).key();
    }

    /** Closes the login behind {@code spec} and forgets every context on it ({@code reset_connection}). */
    public Future<Void> reset(ContextSpec spec) {
        Future<AgentContext> login;
        synchronized (contexts) {
            Registered registered = contexts.get(spec.loginOnly().key());
            login = registered == null ? null : registered.agent();
            String loginKey = spec.login().key();
            contexts.keySet().removeIf(key -> key.equals(loginKey) || key.startsWith(loginKey + "/"));
        }
        connectors.forget(spec.login());
        return login == null || login.failed() ? Future.succeededFuture()
                : login.compose(ctx -> router.detach(ctx.stream())).recover(e -> Future.succeededFuture());
    }

    /** Every context that is currently up. */
    public List<AgentContext> live() {
        List<AgentContext> live = new ArrayList<>();
        synchronized (contexts) {
            contexts.values().stream().map(Registered::agent).filter(Future::succeeded).map(Future::result)
                    .filter(AgentContext::isAlive).forEach(live::add);
        }
        return live;
    }

    private Future<AgentContext> shared(ContextSpec spec, Supplier<Future<AgentContext>> start) {
        String key = spec.key();
        Promise<AgentContext> promise;
        synchronized (contexts) {
            Registered registered = contexts.get(key);
            Future<AgentContext> existing = registered == null ? null : registered.agent();
            if (existing != null && !existing.failed() && (!existing.succeeded() || existing.result().isAlive())) {
                return existing;
            }
            String full = overLimit(spec);
            if (full != null) {
                return Future.failedFuture(new ContextLimitException(full));
            }
            promise = Promise.promise();
            contexts.put(key, new Registered(spec, promise.future()));
        }
        // started outside the lock: a become child first asks for its login context
        start.get().onComplete(promise).onFailure(e -> forget(key, promise.future()));
        return promise.future();
    }

    /**
     * Why one more agent for {@code spec} would be one too many, or null. Counts the agents
     * alive or starting (a dead one's entry stays until it is replaced, and costs nothing).
     * Called holding the lock.
     */
    private String overLimit(ContextSpec spec) {
        String machine = spec.login().machine();
        int total = 0;
        int onMachine = 0;
        for (Registered registered : contexts.values()) {
            Future<AgentContext> agent = registered.agent();
            if (agent.failed() || agent.succeeded() && !agent.result().isAlive()) {
                continue;
            }
            total++;
            if (registered.spec().login().machine().equals(machine)) {
                onMachine++;
            }
        }
        if (onMachine >= limits.contextsPerHost()) {
            return "cannot start agent " + spec.key() + ": " + onMachine + " agents already run on " + machine
                    + ", the limit per host (" + ControllerLimits.MAX_CONTEXTS_PER_HOST + ")";
        }
        if (total >= limits.contexts()) {
            return "cannot start agent " + spec.key() + ": " + total + " agents already run, the limit ("
                    + ControllerLimits.MAX_CONTEXTS + ")";
        }
        return null;
    }

    private void forget(String key, Future<AgentContext> which) {
        synchronized (contexts) {
            contexts.computeIfPresent(key, (k, registered) -> registered.agent() == which ? null : registered);
        }
    }

    private Future<AgentContext> startLogin(Login login) {
        IdBlock block = router.allocateBlock();
        String name = login.displayName();
        byte[] stage2 = stages.stage2(new AgentConfig(block.base(), Protocol.CONTROLLER_ID, name, AgentConfig.INFO, sourceRoots));
        String command = AgentStages.command(login.python().orElse(null), stage2.length);
        return connectors.open(login, command)
                .compose(transport -> {
                    transport.write(Buffer.buffer(stage2)); // pipelined: no wait for a prompt on a plain hop
                    return router.attach(transport, block, name).onFailure(e -> transport.close());
                })
                .map(stream -> new AgentContext(router, block.base(), ContextSpec.of(login).key(), name, stream));
    }

    private Future<AgentContext> spawnChild(AgentContext login, ContextSpec spec) {
        Become become = spec.become().orElseThrow();
        int childId = login.allocateChildId();
        AgentCall.SpawnChild spawn = new AgentCall.SpawnChild(Integer.toUnsignedLong(childId), become.method(),
                become.user(), become.password().orElse(null), become.exe().orElse(null),
                become.flags().isEmpty() ? null : become.flags(), "python3", BECOME_TIMEOUT.toSeconds());
        String name = login.name() + "/" + become.method() + ":" + become.user();
        return login.call(spawn, BECOME_TIMEOUT.plusSeconds(5))
                .map(ready -> new AgentContext(router, childId, spec.key(), name, login.stream(),
                        ready instanceof JsonObject reply && reply.getBoolean("prompted", false)));
    }

    @Override
    public void close() {
        List<Future<AgentContext>> all;
        synchronized (contexts) {
            all = contexts.values().stream().map(Registered::agent).toList();
            contexts.clear();
        }
        all.stream().filter(Future::succeeded).map(Future::result)
                .forEach(ctx -> router.detach(ctx.stream()));
    }
}
