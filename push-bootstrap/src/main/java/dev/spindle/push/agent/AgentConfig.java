package dev.spindle.push.agent;

import java.util.List;

import dev.spindle.bus.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The CONFIG dict an agent starts with (docs/protocol.md §5).
 *
 * @param contextId    the agent's own context id
 * @param parentId     the context its frames go to (the controller for a login agent)
 * @param name         how logs name it, e.g. {@code alice@db1}
 * @param logLevel     Python logging level forwarded to the controller
 * @param sourceRoots  top-level packages the agent may import from the controller
 */
public record AgentConfig(int contextId, int parentId, String name, int logLevel, List<String> sourceRoots) {

    public static final int INFO = 20;

    public AgentConfig {
        sourceRoots = List.copyOf(sourceRoots);
    }

    JsonObject toJson() {
        return new JsonObject()
                .put("context_id", Integer.toUnsignedLong(contextId))
                .put("parent_id", Integer.toUnsignedLong(parentId))
                .put("max_frame", Protocol.DEFAULT_MAX_FRAME)
                .put("log_level", logLevel)
                .put("name", name)
                .put("source_roots", new JsonArray(sourceRoots));
    }
}
