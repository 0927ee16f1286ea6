package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.source.SourceService;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves GET_SOURCE: runs the {@link SourceService} lookup on a worker thread, because it reads
 * files, and sends the answer back through the stream the request came from. Context-confined.
 */
final class SourceRequests {

    private static final Logger log = LoggerFactory.getLogger(SourceRequests.class);

    private final ContextHop hop;
    private SourceService service = SourceService.none();

    SourceRequests(ContextHop hop) {
        this.hop = hop;
    }

    void service(SourceService service) {
        this.service = service;
    }

    void answer(AttachedStream from, Frame request, JsonObject body) {
        SourceService lookupService = service;
        hop.vertx().executeBlocking(() -> lookupService.lookup(request.src(), body), false)
                .onComplete(answer -> hop.run(() -> reply(from, request, body, answer)));
    }

    private void reply(AttachedStream from, Frame request, JsonObject body, AsyncResult<JsonObject> answer) {
        if (answer.failed()) {
            log.error("source lookup for context {} failed", Integer.toUnsignedString(request.src()), answer.cause());
        }
        JsonObject payload = answer.succeeded() ? answer.result() : notFound(body);
        try {
            from.send(replyTo(request, payload));
        } catch (IllegalArgumentException tooLarge) {
            log.warn("source of {} not sent to context {}: {}", body.getValue("fullname"),
                    Integer.toUnsignedString(request.src()), tooLarge.getMessage());
            from.send(replyTo(request, notFound(body)));
        }
    }

    private static Frame replyTo(Frame request, JsonObject payload) {
        return Frame.json(request.src(), Protocol.CONTROLLER_ID, request.replyTo(), 0, payload);
    }

    private static JsonObject notFound(JsonObject body) {
        Object fullname = body.getValue("fullname");
        return new JsonObject().put("fullname", fullname instanceof String ? fullname : null).put("found", false);
    }
}
