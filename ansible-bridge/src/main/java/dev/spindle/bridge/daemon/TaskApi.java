package dev.spindle.bridge.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

import dev.spindle.controller.BadRequestException;
import dev.spindle.controller.BecomeExit;
import dev.spindle.controller.Controller;
import dev.spindle.controller.Failure;
import dev.spindle.controller.FileTransfers;
import dev.spindle.controller.Interpreters;
import dev.spindle.controller.ModulePayloads;
import dev.spindle.controller.RecentAgentLogs;
import dev.spindle.controller.RunLeases;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's Ansible-facing addresses (docs/daemon-api.md §3). Each request names its agent
 * by hop list; this class finds the agent, makes the one call the request needs, and answers
 * with the result or a failure code. Every handler runs on the daemon's event loop and only
 * composes futures.
 */
final class TaskApi {

    private static final Logger LOG = LoggerFactory.getLogger(TaskApi.class);

    /** Addresses clients may send to; the bridge permits exactly these. */
    static final List<String> ADDRESSES = List.of("spindle.exec", "spindle.module", "spindle.put", "spindle.fetch",
            "spindle.reset", "spindle.interpreters", "spindle.lease", "spindle.status");

    /** Addresses that don't act on a host, so they carry no task id. */
    private static final Set<String> RUN_ADDRESSES = Set.of("spindle.lease", "spindle.status");

    /** Calls without a task timeout still end, rather than hold a worker forever. */
    private static final Duration DEFAULT_DEADLINE = Duration.ofHours(12);
    private static final Duration STATUS_DEADLINE = Duration.ofSeconds(5);
    private static final int VERBOSE = 3;
    private static final int SSH_SIGNAL_STATUS = 255;

    private final Controller controller;
    private final RunLeases leases;
    private final Interpreters interpreters;
    private final FileTransfers files;
    private final ModulePayloads modules = new ModulePayloads();
    private final RecentAgentLogs agentLogs = new RecentAgentLogs();

    TaskApi(Controller controller, RunLeases leases) {
        this.controller = controller;
        this.leases = leases;
        this.interpreters = new Interpreters(controller.contexts());
        this.files = new FileTransfers(controller.vertx());
        controller.router().logHandler(agentLogs);
    }

    void register(EventBus bus) {
        Map<String, Function<JsonObject, Future<JsonObject>>> handlers = Map.of(
                "spindle.exec", withCommandAgent((agent, body) -> agent.callForObject(new AgentCall.RunCommand(
                        body.getString("cmd"), body.getString("stdin_b64"), body.getBoolean("pty", false),
                        body.getString("cwd"), body.getInteger("timeout")), deadline(body))
                        .map(result -> likeSsh(result, agent, body.getBoolean("pty", false)))),
                "spindle.module", withCommandAgent((agent, body) -> modules.run(agent, body, deadline(body))
                        .map(result -> prompted(result, agent, body.getBoolean("pty", false)))),
                "spindle.put", withLoginAgent((agent, body) -> files.put(agent, Path.of(required(body, "src_path")), required(body, "dest"))),
                "spindle.fetch", withLoginAgent((agent, body) -> files.fetch(agent, required(body, "src"), Path.of(required(body, "dest_path")))),
                "spindle.interpreters", withAgent((agent, body) -> agent.callForObject(new AgentCall.Interpreters(), deadline(body))),
                "spindle.reset", body -> controller.contexts().reset(HopList.parse(body)).map(new JsonObject()),
                "spindle.lease", body -> Future.succeededFuture(new JsonObject()),
                "spindle.status", body -> status());
        // Local only: the agents' connections live in this JVM, so a clustered event bus must
        // never hand one of these requests to another node.
        handlers.forEach((address, handler) -> bus.<JsonObject>localConsumer(address, message -> serve(address, message, handler)));
    }

    private void serve(String address, Message<JsonObject> message, Function<JsonObject, Future<JsonObject>> handler) {
        JsonObject body = message.body() == null ? new JsonObject() : message.body();
        leases.touch(body.getJsonObject("run"));
        Future<JsonObject> result;
        String task = "-";
        try {
            if (!RUN_ADDRESSES.contains(address)) {
                task = TaskId.parse(body).toString();
            }
            result = handler.apply(body);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        String forTask = task;
        result.onSuccess(message::reply).onFailure(error -> {
            Failure failure = error instanceof AgentFailure af ? af.failure : Failure.of(error, true);
            Throwable cause = error instanceof AgentFailure af ? af.getCause() : error;
            String words = Failure.message(cause);
            LOG.debug("{} for task {} failed ({}): {}", address, forTask, failure, words);
            message.fail(failure.code, words);
        });
    }

    private Function<JsonObject, Future<JsonObject>> withAgent(BiFunction<AgentContext, JsonObject, Future<JsonObject>> work) {
        return body -> onAgent(HopList.parse(body), body, work);
    }

    /**
     * A command's request: when its become tool ended before it started the agent (su to a
     * nologin account), what the tool said and its status answer it, as they answer the command
     * in vanilla Ansible ({@code become_exited}); every other failure stays one.
     */
    private Function<JsonObject, Future<JsonObject>> withCommandAgent(BiFunction<AgentContext, JsonObject, Future<JsonObject>> work) {
        Function<JsonObject, Future<JsonObject>> onAgent = withAgent(work);
        return body -> onAgent.apply(body).recover(error -> BecomeExit.of(error instanceof AgentFailure af ? af.getCause() : error)
                .map(exited -> Future.succeededFuture(new JsonObject().put("become_exited", exited)))
                .orElseGet(() -> Future.failedFuture(error)));
    }

    /** File transfers run as the login user, like vanilla's sftp; Ansible moves files with become itself. */
    private Function<JsonObject, Future<JsonObject>> withLoginAgent(BiFunction<AgentContext, JsonObject, Future<JsonObject>> work) {
        return body -> onAgent(HopList.parse(body).loginOnly(), body, work);
    }

    private Future<JsonObject> onAgent(ContextSpec spec, JsonObject body, BiFunction<AgentContext, JsonObject, Future<JsonObject>> work) {
        long logMark = agentLogs.mark();
        return interpreters.agentFor(spec)
                .recover(error -> Future.failedFuture(new AgentFailure(Failure.of(error, false), error)))
                .compose(agent -> work.apply(agent, body)
                        .map(reply -> withAgentLogs(reply, body, agent, logMark))
                        .recover(error -> Future.failedFuture(
                                new AgentFailure(Failure.of(error, agent.stream().readyMarkerSeen().succeeded()), error))));
    }

    /** At {@code -vvv} (request field {@code verbosity} >= 3) the reply carries what the agent logged meanwhile. */
    private JsonObject withAgentLogs(JsonObject reply, JsonObject body, AgentContext agent, long logMark) {
        if (body.getInteger("verbosity", 0) >= VERBOSE) {
            reply.put("logs", agentLogs.since(logMark, agent.stream().name(), agent.id()));
        }
        return reply;
    }

    /** One line per live agent; each agent reports its own pid and RSS (a short call, answered by its loop). */
    private Future<JsonObject> status() {
        List<Future<JsonObject>> lines = controller.contexts().live().stream().map(this::statusLine).toList();
        return Future.join(lines).map(all -> new JsonObject()
                .put("pid", ProcessHandle.current().pid())
                .put("runs", new JsonArray(leases.pids()))
                .put("fds", FileDescriptors.now().toJson())
                .put("contexts", new JsonArray(lines.stream().map(Future::result).toList())));
    }

    private Future<JsonObject> statusLine(AgentContext ctx) {
        var stats = ctx.stream().stats();
        JsonObject line = new JsonObject()
                .put("name", ctx.name())
                .put("id", Integer.toUnsignedLong(ctx.id()))
                .put("key", ctx.key())
                .put("calls_in_flight", stats.callsInFlight())
                .put("bytes_in", stats.bytesIn())
                .put("bytes_out", stats.bytesOut());
        return ctx.callForObject(new AgentCall.Stats(), STATUS_DEADLINE)
                .map(agent -> line.put("pid", agent.getValue("pid")).put("rss_kb", agent.getValue("rss_kb")))
                .otherwise(line);
    }

    /** What ssh would have reported: status 255 when the remote command died of a signal, and {@link #prompted}. */
    private static JsonObject likeSsh(JsonObject result, AgentContext agent, boolean pty) {
        if (result.getInteger("rc", 0) < 0) {
            result.put("rc", SSH_SIGNAL_STATUS);
        }
        return prompted(result, agent, pty);
    }

    /**
     * For a tty command (or module file) run by a become child that took a password, the fact:
     * the plugin adds the prompt's line end vanilla shows.
     */
    private static JsonObject prompted(JsonObject result, AgentContext agent, boolean pty) {
        if (pty && agent.passwordPrompted()) {
            result.put("become_prompted", true);
        }
        return result;
    }

    private static Duration deadline(JsonObject body) {
        Integer seconds = body.getInteger("timeout");
        return seconds == null || seconds <= 0 ? DEFAULT_DEADLINE : Duration.ofSeconds(seconds + 30L);
    }

    private static String required(JsonObject body, String key) {
        String value = body.getString(key);
        if (value == null || value.isBlank()) {
            throw new BadRequestException("'" + key + "' is missing or empty");
        }
        return value;
    }

    /** A failure already classified where the agent's state was known. */
    private static final class AgentFailure extends RuntimeException {
        final Failure failure;

        AgentFailure(Failure failure, Throwable cause) {
            super(cause);
            this.failure = failure;
        }
    }
}
