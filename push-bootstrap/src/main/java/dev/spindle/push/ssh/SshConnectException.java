package dev.spindle.push.ssh;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;

/**
 * An SSH login that did not happen, with the cause in words. Ansible maps it to UNREACHABLE.
 * {@link #kind()} lets callers (and tests) tell the causes apart without parsing text.
 */
public final class SshConnectException extends Exception {

    /** Why the login failed. */
    public enum Kind { REFUSED, TIMEOUT, UNKNOWN_HOST, NO_ROUTE, HOST_KEY, AUTH, OTHER }

    private final Kind kind;

    SshConnectException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /*
     * Network failures use the OpenSSH client's own wording, so Ansible shows the same message
     * it shows with its ssh plugin; host-key and authentication failures say more than OpenSSH.
     */
    static SshConnectException explain(SshOptions options, ClientSession session, String hostKeyRejection,
                                       String methodsTried, Throwable e) {
        String where = options.host() + " port " + options.port();
        String rejection = hostKeyRejection;
        if (rejection != null) {
            return new SshConnectException(Kind.HOST_KEY, rejection, e);
        }
        Throwable root = rootCause(e);
        if (root instanceof ConnectException) {
            return new SshConnectException(Kind.REFUSED, opensshConnect(options, "Connection refused"), e);
        }
        if (root instanceof UnknownHostException || root instanceof UnresolvedAddressException) {
            return new SshConnectException(Kind.UNKNOWN_HOST, "ssh: Could not resolve hostname " + options.host()
                    + ": Name or service not known", e);
        }
        if (root instanceof NoRouteToHostException) {
            return new SshConnectException(Kind.NO_ROUTE, opensshConnect(options, "No route to host"), e);
        }
        String text = String.valueOf(e.getMessage());
        if (text.contains("imeout") || text.contains("timed out")) {
            return new SshConnectException(Kind.TIMEOUT, session == null
                    ? opensshConnect(options, "Connection timed out")
                    : "timed out after " + options.connectTimeout().toSeconds() + " s in the SSH handshake with " + where, e);
        }
        if (session != null && e instanceof SshException && (text.contains("authentication") || text.contains("auth")
                || session.isOpen() && !session.isAuthenticated())) {
            return new SshConnectException(Kind.AUTH, "authentication failed for " + options.user() + "@" + where
                    + "; tried " + methodsTried, e);
        }
        return new SshConnectException(Kind.OTHER, "cannot log in to " + options.user() + "@" + where + ": " + text, e);
    }

    private static String opensshConnect(SshOptions options, String reason) {
        return "ssh: connect to host " + options.host() + " port " + options.port() + ": " + reason;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
