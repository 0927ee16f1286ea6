package dev.spindle.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * N real OpenSSH servers on distinct loopback ports, for tests and benchmarks of many hosts:
 * each its own sshd process, host key, known_hosts file and log (in {@code dir/host-I}); one
 * client key and one sshd_config for all (in {@code dir}). Started concurrently, so 50 cost
 * little more than a few. Closing kills every server and its sessions by pid; so does the
 * JVM's exit if a test dies before it closes them, and a failed start kills those that started.
 */
public final class OpenSshServers implements AutoCloseable {

    /** Starting one is mostly waiting for sshd: a few at a time keep 2 cores busy without a crowd. */
    private static final int STARTERS = 8;

    private final List<OpenSshServer> servers;
    private final Thread killAtExit;

    private OpenSshServers(List<OpenSshServer> servers) {
        this.servers = List.copyOf(servers);
        List<Long> pids = servers.stream().map(OpenSshServer::pid).toList();
        this.killAtExit = new Thread(() -> pids.forEach(OpenSshServer::killByPid), "kill-test-sshds");
        Runtime.getRuntime().addShutdownHook(killAtExit);
    }

    public static OpenSshServers start(Path dir, int count) throws IOException, InterruptedException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        OpenSshServer.SharedFiles shared = OpenSshServer.SharedFiles.write(dir);
        ExecutorService starters = Executors.newFixedThreadPool(Math.min(count, STARTERS));
        List<Future<OpenSshServer>> starting = new ArrayList<>();
        List<OpenSshServer> started = new ArrayList<>();
        boolean allStarted = false;
        try {
            for (int i = 0; i < count; i++) {
                Path hostDir = dir.resolve("host-" + i);
                starting.add(starters.submit(() -> OpenSshServer.start(shared, hostDir)));
            }
            Throwable failure = null;
            for (Future<OpenSshServer> server : starting) {
                try {
                    started.add(server.get());
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                }
            }
            if (failure != null) {
                throw failure instanceof IOException io ? io : new IOException("could not start " + count + " sshd", failure);
            }
            allStarted = true;
            return new OpenSshServers(started);
        } finally {
            starters.shutdownNow();
            if (!allStarted) {
                // interrupted starts close their own server; the finished ones are ours to close
                starting.forEach(OpenSshServers::closeIfStarted);
            }
        }
    }

    private static void closeIfStarted(Future<OpenSshServer> start) {
        if (start.isDone() && !start.isCancelled()) {
            try {
                start.get().close();
            } catch (ExecutionException | InterruptedException failedToStart) {
                // nothing of it is left running
            }
        }
    }

    public List<OpenSshServer> all() {
        return servers;
    }

    public OpenSshServer get(int index) {
        return servers.get(index);
    }

    public int size() {
        return servers.size();
    }

    /** The one client key every server accepts. */
    public Path clientKey() {
        return servers.get(0).clientKey();
    }

    @Override
    public void close() {
        servers.forEach(OpenSshServer::close);
        try {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
        } catch (IllegalStateException exiting) {
            // the JVM is already exiting: the hook runs and finds nothing left to kill
        }
    }
}
