package dev.spindle.bus.router;

import dev.spindle.bus.TargetText;
import io.vertx.core.json.JsonObject;

/**
 * One log record from an agent: a LOG frame, or a line of login noise before the ready marker
 * (then {@code name} is {@code "preamble"}). The target wrote {@code name} and {@code message}:
 * they are escaped ({@link TargetText}) as the record is made, so every receiver may log or show
 * them as they are.
 *
 * @param context the agent's context id
 * @param stream  the name of the stream it came through
 * @param name    the agent-side logger name, e.g. {@code "spindle_agent.router"} or {@code "stderr"}
 * @param level   a Python logging level: 10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL
 * @param message the text
 */
public record AgentLog(int context, String stream, String name, int level, String message) {

    public static final int DEBUG = 10;
    public static final int INFO = 20;
    public static final int WARNING = 30;
    public static final int ERROR = 40;

    /** Longest logger name kept; agents choose names, and a record is kept and logged whole otherwise. */
    static final int MAX_NAME = 200;
    /** Longest message kept: a target must not be able to fill the controller's memory or log with one record. */
    static final int MAX_MESSAGE = 8 * 1024;

    public AgentLog {
        name = TargetText.escape(name);
        message = TargetText.escape(message);
    }

    /** Reads a LOG payload {@code {"name", "level", "msg"}}; the target wrote it, so wrong types fall back. */
    static AgentLog fromPayload(int context, String stream, JsonObject payload) {
        Object level = payload.getValue("level");
        return new AgentLog(context, stream, text(payload.getValue("name"), "?", MAX_NAME),
                level instanceof Number number ? number.intValue() : INFO, text(payload.getValue("msg"), "", MAX_MESSAGE));
    }

    private static String text(Object value, String missing, int max) {
        String text = value == null ? missing : value.toString();
        return text.length() <= max ? text : text.substring(0, max) + "...(" + (text.length() - max) + " more)";
    }
}
