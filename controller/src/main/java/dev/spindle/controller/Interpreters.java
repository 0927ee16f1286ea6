package dev.spindle.controller;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.spindle.controller.Contexts;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;

/**
 * Picks the agent for a request so a host normally runs one interpreter: commands that name
 * no interpreter go to the host's discovered agent, and a module that names the very
 * interpreter that agent runs ({@code sys.executable}, e.g. {@code /usr/bin/python3} found by
 * Ansible's discovery) reuses it instead of starting a second one.
 */
public final class Interpreters {

    private static final Duration INFO_DEADLINE = Duration.ofSeconds(30);

    private final Contexts contexts;
    /** Login key (no interpreter) to the executable its discovered agent reported. */
    private final Map<String, String> discoveredExecutables = new ConcurrentHashMap<>();

    public Interpreters(Contexts contexts) {
        this.contexts = contexts;
    }

    public Future<AgentContext> agentFor(ContextSpec spec) {
        Optional<String> wanted = spec.login().python();
        if (wanted.isEmpty()) {
            return contexts.get(spec);
        }
        ContextSpec discovered = withoutInterpreter(spec);
        String known = discoveredExecutables.get(discovered.login().key());
        if (wanted.get().equals(known)) {
            return contexts.get(discovered);
        }
        if (known != null || !hasLiveAgent(discovered)) {
            return contexts.get(spec);
        }
        return contexts.get(discovered.loginOnly())
                .compose(agent -> agent.callForObject(new AgentCall.Info(), INFO_DEADLINE))
                .compose(info -> {
                    discoveredExecutables.put(discovered.login().key(), info.getString("executable", ""));
                    return agentFor(spec);
                });
    }

    private boolean hasLiveAgent(ContextSpec discovered) {
        String key = discovered.loginOnly().key();
        return contexts.live().stream().anyMatch(ctx -> ctx.key().equals(key));
    }

    private static ContextSpec withoutInterpreter(ContextSpec spec) {
        return new ContextSpec(spec.login().withPython(Optional.empty()), spec.become());
    }
}
