package dev.spindle.controller;

import java.util.Base64;
import java.util.Optional;

import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.calls.AgentErrors;
import io.vertx.core.json.JsonObject;

/**
 * A become tool that ended before it ran the agent's command: su to an account whose shell is
 * nologin, sudo to an unknown user. Vanilla Ansible runs each command through the tool, so the
 * tool's status and output are that command's result (rc 1, "This account is currently not
 * available."), not an error of its own; the agent reports them with the spawn's BecomeError
 * ({@code exited}, docs/protocol.md section 6) and a command request answers with them.
 */
public final class BecomeExit {

    private static final int MAX_STATUS = 255;

    private BecomeExit() {
    }

    /**
     * The {@code become_exited} object of docs/daemon-api.md ({@code rc}, {@code stdout_b64},
     * {@code tty_b64}, {@code prompted}) if {@code error} is such an exit. The target wrote it:
     * anything malformed leaves the failure as it is.
     */
    public static Optional<JsonObject> of(Throwable error) {
        if (!(error instanceof RemoteException remote) || !AgentErrors.BECOME_ERROR.equals(remote.type())
                || !(remote.payload().getValue("exited") instanceof JsonObject exited)) {
            return Optional.empty();
        }
        if (!(exited.getValue("rc") instanceof Integer rc) || rc < 0 || rc > MAX_STATUS
                || !isBase64(exited.getValue("stdout_b64")) || !isBase64(exited.getValue("tty_b64"))
                || !(exited.getValue("prompted") instanceof Boolean prompted)) {
            return Optional.empty();
        }
        return Optional.of(new JsonObject()
                .put("rc", rc)
                .put("stdout_b64", exited.getString("stdout_b64"))
                .put("tty_b64", exited.getString("tty_b64"))
                .put("prompted", prompted));
    }

    private static boolean isBase64(Object value) {
        if (!(value instanceof String text)) {
            return false;
        }
        try {
            Base64.getDecoder().decode(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
