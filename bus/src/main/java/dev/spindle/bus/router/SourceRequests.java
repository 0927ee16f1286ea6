package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.TargetText;
import dev.spindle.bus.router.LogRateLimit.Source;
import dev.spindle.bus.source.SourceService;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves GET_SOURCE: runs the {@link SourceService} lookup on a worker thread, because it reads
 * files, and sends the answer back through the stream the request came from. A refusal is logged
 * within the stream's log budget. Context-confined.
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
        hop.vertx().executeBlocking(() -> lookupService.lookup(body), false)
                .onComplete(answer -> hop.run(() -> reply(from, request, body, answer)));
    }

    private void reply(AttachedStream from, Frame request, JsonObject body, AsyncResult<SourceService.Answer> answer) {
        JsonObject payload;
        if (answer.failed()) {
            problem(from, request, "source lookup failed", answer.cause());
            payload = notFound(body);
        } else {
            if (answer.result().problem() != null) {
                problem(from, request, answer.result().problem(), null);
            }
            payload = answer.result().payload();
        }
        try {
            from.send(replyTo(request, payload));
        } catch (IllegalArgumentException tooLarge) {
            problem(from, request, "source of " + payload.getValue("fullname") + " not sent: " + tooLarge.getMessage(), null);
            from.send(replyTo(request, notFound(body)));
        }
    }

    private static void problem(AttachedStream from, Frame request, String what, Throwable error) {
        if (from.logGate().admit(Source.REFUSED_SOURCE)) {
            log.warn("source request from context {}: {}", Integer.toUnsignedString(request.src()), TargetText.escape(what),
                    error);
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
