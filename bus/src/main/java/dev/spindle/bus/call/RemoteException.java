package dev.spindle.bus.call;

import dev.spindle.bus.TargetText;
import io.vertx.core.json.JsonObject;

/**
 * The agent answered with an ERROR frame: the call raised on the target, or a router on the way
 * refused it ({@code spindle.NoSuchFunction}, {@code spindle.DeadContext}, ...).
 */
public class RemoteException extends CallException {

    private final String type;
    private final String remoteMessage;
    private final String remoteTraceback;
    private final int context;
    private final JsonObject payload;

    public RemoteException(String type, String remoteMessage, String remoteTraceback, int context) {
        this(type, remoteMessage, remoteTraceback, context, new JsonObject());
    }

    private RemoteException(String type, String remoteMessage, String remoteTraceback, int context, JsonObject payload) {
        super(type + ": " + remoteMessage + " (in context " + Integer.toUnsignedString(context) + ")");
        this.type = type;
        this.remoteMessage = remoteMessage;
        this.remoteTraceback = remoteTraceback;
        this.context = context;
        this.payload = payload;
    }

    /**
     * Reads an ERROR payload {@code {"type", "message", "traceback"}}; missing fields read as "?" or "".
     * The target wrote them: they are escaped ({@link TargetText}), since they end up in the log
     * and in front of the operator (a traceback's line breaks too).
     */
    public static RemoteException fromPayload(JsonObject payload, int context) {
        return new RemoteException(text(payload, "type", "?"), text(payload, "message", ""),
                text(payload, "traceback", ""), context, payload.copy());
    }

    // the payload comes from the target: a field of the wrong type must not throw here
    private static String text(JsonObject payload, String key, String missing) {
        Object value = payload.getValue(key);
        return value == null ? missing : TargetText.escape(value.toString());
    }

    /** The remote exception class, e.g. {@code "ValueError"} or {@code "spindle.NoSuchFunction"}. */
    public String type() {
        return type;
    }

    public String remoteMessage() {
        return remoteMessage;
    }

    /** The formatted Python traceback; empty when the agent sent none. */
    public String remoteTraceback() {
        return remoteTraceback;
    }

    /**
     * The ERROR payload as the target sent it, for the fields some error types add (a become
     * tool's exit: {@code exited}); nothing in it is escaped or checked: the reader does both.
     */
    public JsonObject payload() {
        return payload.copy();
    }

    /** The context that raised. */
    public int context() {
        return context;
    }
}
