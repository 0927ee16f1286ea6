package dev.spindle.controller;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.AgentContext;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.calls.AgentErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Runs pipelined AnsiballZ payloads: the module zip travels to an agent once, keyed by its
 * SHA-1, and every later task with the same module sends only its arguments, from the plugin
 * as on the wire. The daemon remembers which agent holds which zip; an agent that answers
 * "unknown payload" anyway (it restarted, or dropped its cache) is simply sent the zip again.
 */
public final class ModulePayloads {

    /** Agents are dropped from this map with their {@link AgentContext} object. */
    private final Map<AgentContext, Set<String>> held = Collections.synchronizedMap(new WeakHashMap<>());

    /** Reply asking the plugin to send the request again with {@code zip_b64}. */
    static final JsonObject NEED_ZIP = new JsonObject().put("need_zip", true);

    /**
     * Runs the module if its zip is on hand: sent with this request, or held by the agent. A
     * request without the zip for an agent that lacks it is answered {@link #NEED_ZIP}, so warm
     * tasks carry only their arguments from the plugin (the zip is ~450 KB of base64).
     */
    public Future<JsonObject> run(AgentContext agent, JsonObject request, Duration deadline) {
        String sha1 = request.getString("zip_sha1");
        if (sha1 == null || request.getString("fqn") == null) {
            throw new BadRequestException("spindle.module needs zip_sha1 and fqn");
        }
        boolean zipSent = request.getString("zip_b64") != null;
        boolean agentHasIt = holdings(agent).contains(sha1);
        if (!zipSent && !agentHasIt) {
            return Future.succeededFuture(NEED_ZIP.copy());
        }
        return call(agent, request, !agentHasIt, deadline).recover(error -> {
            if (agentHasIt && error instanceof RemoteException remote && AgentErrors.UNKNOWN_PAYLOAD.equals(remote.type())) {
                holdings(agent).remove(sha1);
                return zipSent ? call(agent, request, true, deadline) : Future.succeededFuture(NEED_ZIP.copy());
            }
            return Future.failedFuture(error);
        });
    }

    private Future<JsonObject> call(AgentContext agent, JsonObject request, boolean withZip, Duration deadline) {
        AgentCall.RunModule run = new AgentCall.RunModule(
                request.getString("zip_sha1"),
                withZip ? request.getString("zip_b64") : null,
                request.getString("fqn"),
                request.getString("name"),
                request.getString("params", "{}"),
                request.getJsonObject("env", new JsonObject()),
                request.getString("cwd"),
                request.getInteger("timeout"),
                request.getJsonObject("wrapper"),
                request.getString("isolation"));
        return agent.callForObject(run, deadline).onSuccess(result -> {
            if (withZip) {
                holdings(agent).add(request.getString("zip_sha1"));
            }
        });
    }

    private Set<String> holdings(AgentContext agent) {
        return held.computeIfAbsent(agent, a -> Collections.synchronizedSet(new HashSet<>()));
    }
}
