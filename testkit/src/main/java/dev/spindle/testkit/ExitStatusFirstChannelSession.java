package dev.spindle.testkit;

import java.io.IOException;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A session channel that sends exit-status before EOF, as OpenSSH's sshd does. MINA sends EOF
 * first; an OpenSSH ControlMaster answers EOF with CLOSE at once, MINA then drops the
 * exit-status, and the mux client reports status 255 — vanilla Ansible with ControlPersist
 * fails against the embedded target without this. MINA's own guard keeps the status from
 * being sent twice.
 */
final class ExitStatusFirstChannelSession extends ChannelSession {

    static final ChannelFactory FACTORY = new ChannelFactory() {
        @Override
        public String getName() {
            return "session";
        }

        @Override
        public Channel createChannel(Session session) {
            return new ExitStatusFirstChannelSession();
        }
    };

    @Override
    protected void closeShell(int exitValue, boolean closeImmediately) throws IOException {
        if (!isClosing()) {
            sendExitStatus(exitValue);
        }
        super.closeShell(exitValue, closeImmediately);
    }
}
