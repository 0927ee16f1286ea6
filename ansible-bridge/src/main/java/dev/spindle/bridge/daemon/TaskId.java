package dev.spindle.bridge.daemon;

import dev.spindle.controller.BadRequestException;
import io.vertx.core.json.JsonObject;

/**
 * Which unit of work a request belongs to: Ansible's task uuid and host ({@code id}) and the
 * request's place among that worker's requests ({@code seq}). Every request that acts on a host
 * carries one (docs/daemon-api.md §2), so that a clustered controller can tell a retried request
 * from a new one and never run a task twice.
 */
record TaskId(String id, long seq) {

    static TaskId parse(JsonObject body) {
        if (!(body.getValue("task") instanceof JsonObject task)) {
            throw new BadRequestException("request has no 'task' object (every request that acts on a host names its task)");
        }
        if (!(task.getValue("id") instanceof String id) || id.isBlank()) {
            throw new BadRequestException("task.id is missing or not a string");
        }
        if (!(task.getValue("seq") instanceof Number seq) || seq.longValue() < 0) {
            throw new BadRequestException("task.seq is missing or not a count");
        }
        return new TaskId(id, seq.longValue());
    }

    @Override
    public String toString() {
        return id + "#" + seq;
    }
}
