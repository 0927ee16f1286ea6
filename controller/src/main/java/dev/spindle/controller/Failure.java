package dev.spindle.controller;

import dev.spindle.bus.TargetText;
import dev.spindle.bus.call.DeadContextException;
import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.calls.AgentErrors;
import dev.spindle.push.ssh.SshConnectException;

/**
 * The failure codes of docs/daemon-api.md §3 and how an exception maps to one. The plugin turns
 * the code into Ansible's exception class, so this decides UNREACHABLE versus FAILED.
 */
public enum Failure {
    UNREACHABLE(1), BECOME(2), BAD_REQUEST(3), DISCONNECTED(4), INTERNAL(5);

    public final int code;

    Failure(int code) {
        this.code = code;
    }

    /**
     * @param agentStarted whether the agent had announced itself before the failure: a stream
     *                     that dies before that is a target we could not reach, after it a
     *                     disconnection in the middle of work
     */
    public static Failure of(Throwable error, boolean agentStarted) {
        if (error instanceof SshConnectException) {
            return UNREACHABLE;
        }
        if (error instanceof DeadContextException) {
            return agentStarted ? DISCONNECTED : UNREACHABLE;
        }
        if (error instanceof RemoteException remote && AgentErrors.BECOME_ERROR.equals(remote.type())) {
            return BECOME;
        }
        if (error instanceof BadRequestException || error instanceof IllegalArgumentException) {
            return BAD_REQUEST;
        }
        return INTERNAL;
    }

    /**
     * The message Ansible shows and the daemon logs: the cause in words, not a Java class name, on
     * one line. It may quote the target (an SSH server's words, an agent's error), so it is escaped.
     */
    public static String message(Throwable error) {
        if (error instanceof RemoteException remote) {
            return TargetText.escape(remote.type().startsWith("spindle.") ? remote.remoteMessage()
                    : remote.type() + ": " + remote.remoteMessage() + "\n" + remote.remoteTraceback());
        }
        return TargetText.escape(error.getMessage() != null ? error.getMessage() : error.toString());
    }

    /**
     * The innermost message that says something, for a person at a terminal: wrappers without
     * one are skipped, and the rest is {@link #message}, escaped like everything from a target.
     */
    public static String inWords(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return message(t);
    }
}
