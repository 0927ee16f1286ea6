package dev.spindle.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * Runs one exec request of the embedded target as a real process ({@code /bin/sh -c command},
 * as the JVM's user), with one blocking pump thread per stream. MINA's own
 * ProcessShellCommandFactory polls {@code available()} and sleeps between polls, which adds
 * about 2 ms to every round trip of a chatty protocol like ours.
 */
final class ProcessCommand implements Command {

    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Process process;

    ProcessCommand(String command) {
        this.command = command;
    }

    @Override public void setInputStream(InputStream value) { in = value; }
    @Override public void setOutputStream(OutputStream value) { out = value; }
    @Override public void setErrorStream(OutputStream value) { err = value; }
    @Override public void setExitCallback(ExitCallback value) { exit = value; }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        process = new ProcessBuilder(List.of("/bin/sh", "-c", command))
                .directory(new java.io.File(System.getProperty("user.home")))
                .start();
        Thread stderr = pump("stderr", process.getErrorStream(), err, false);
        pump("stdin", in, process.getOutputStream(), true);
        Thread stdout = pump("stdout", process.getInputStream(), out, false);
        Thread reaper = new Thread(() -> {
            try {
                int status = process.waitFor();
                stdout.join();
                stderr.join();
                exit.onExit(status);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "embedded-target-reaper-" + process.pid());
        reaper.setDaemon(true);
        reaper.start();
    }

    /** Copies until EOF, flushing every chunk: the peer is waiting on each reply frame. */
    private Thread pump(String name, InputStream from, OutputStream to, boolean closeTarget) {
        Thread t = new Thread(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                for (int n; (n = from.read(chunk)) >= 0; ) {
                    to.write(chunk, 0, n);
                    to.flush();
                }
            } catch (IOException streamGone) {
                // the process or the channel ended; the reaper reports the exit status
            } finally {
                if (closeTarget) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        }, "embedded-target-" + name + "-" + process.pid());
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
