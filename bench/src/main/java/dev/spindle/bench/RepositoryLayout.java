package dev.spindle.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Spindle checkout the running code was built from: the harnesses need its Ansible plugins
 * and example playbooks by path, and Ansible is told those paths in ansible.cfg.
 */
public record RepositoryLayout(Path root) {

    private static final String PYTHON_SOURCES = "ansible-bridge/src/main/python";

    /** Walks up from this class's jar or classes directory to the checkout holding it. */
    public static RepositoryLayout ofRunningCode() {
        Path start;
        try {
            start = Path.of(RepositoryLayout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the running code", e);
        }
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(PYTHON_SOURCES))) {
                return new RepositoryLayout(dir);
            }
        }
        throw new IllegalStateException("no Spindle checkout above " + start + " (looked for " + PYTHON_SOURCES + ")");
    }

    /** What ansible.cfg's {@code connection_plugins} names to enable {@code spindle_ssh}. */
    public Path connectionPlugins() {
        return root.resolve(PYTHON_SOURCES).resolve("ansible_spindle/plugins/connection");
    }

    /** What ansible.cfg's {@code strategy_plugins} names to enable {@code spindle_linear} and the others. */
    public Path strategyPlugins() {
        return root.resolve(PYTHON_SOURCES).resolve("ansible_spindle/plugins/strategy");
    }

    public Path spindleSshPlugin() {
        return connectionPlugins().resolve("spindle_ssh.py");
    }

    /** The daemon's JVM options, a POSIX sh fragment that ./spindle and {@link SpindleDaemon#writeLauncher} source. */
    public Path daemonJvmOptions() {
        return root.resolve("scripts/daemon-jvm-options.sh");
    }

    /** The checkout's launcher, what users start the daemon with (it rebuilds a stale jar first). */
    public Path launcher() {
        return root.resolve("spindle");
    }

    public Path examples() {
        return root.resolve("examples");
    }
}
