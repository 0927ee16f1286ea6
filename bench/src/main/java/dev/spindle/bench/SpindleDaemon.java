package dev.spindle.bench;

import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The Spindle daemon of one private runtime directory (docs/daemon-api.md §1). The harnesses give
 * every comparison its own runtime directory, so they never share a daemon with the user's
 * Ansible, and they stop the daemon themselves however the run ended.
 */
public final class SpindleDaemon {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final ProcessHandle process;
    private final String socket;

    private SpindleDaemon(ProcessHandle process, String socket) {
        this.process = process;
        this.socket = socket;
    }

    /**
     * Writes a {@code spindle} launcher that runs the classes this JVM runs, for SPINDLE_COMMAND:
     * the checkout's own launcher would rebuild with Maven when sources are newer than the jar,
     * which under {@code mvn verify} means a nested build of the project being tested. A daemon
     * gets the JVM options the checkout's launcher gives it, from the one file both read
     * ({@link RepositoryLayout#daemonJvmOptions()}): heap cap, C1 only, serial GC.
     */
    public static Path writeLauncher(Path dir) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path options = RepositoryLayout.ofRunningCode().daemonJvmOptions();
        if (!Files.isRegularFile(options)) {
            throw new IOException("the daemon's JVM options are missing: " + options);
        }
        // absolute: the plugin starts a daemon from the playbook run's directory, not from ours
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        Path launcher = dir.resolve("spindle");
        Files.writeString(launcher, "#!/bin/sh\ndaemon_jvm_options=\n"
                + "[ \"$1\" = daemon ] && . '" + options + "'\n"
                + "exec '" + java + "' $daemon_jvm_options -cp '" + classPath
                + "' dev.spindle.cli.Main \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        return launcher;
    }

    /** The variables that point Ansible's spindle_ssh plugin at {@code runtimeDir}'s daemon. */
    public static Map<String, String> environment(Path runtimeDir, Path launcher, String persist) {
        return Map.of("SPINDLE_RUNTIME_DIR", runtimeDir.toString(), "SPINDLE_COMMAND", launcher.toString(),
                "SPINDLE_PERSIST", persist);
    }

    /** Starts a daemon and waits until it announces itself and accepts connections. */
    public static SpindleDaemon start(Path launcher, Path runtimeDir, String persist) throws IOException, InterruptedException {
        Files.createDirectories(runtimeDir.getParent());
        Path log = runtimeDir.resolveSibling(runtimeDir.getFileName() + "-daemon.log");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "daemon").redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment(runtimeDir, launcher, persist));
        Process process = builder.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("the spindle daemon exited with status " + process.exitValue() + "; see " + log);
                }
                // ours: the launched process itself, or its child (./spindle keeps the shell while
                // the first daemon after a build writes its class-data archive)
                Optional<SpindleDaemon> announced = find(runtimeDir)
                        .filter(daemon -> (daemon.process.pid() == process.pid()
                                || daemon.process.parent().map(ProcessHandle::pid).orElse(-1L) == process.pid())
                                && daemon.acceptsConnections());
                if (announced.isPresent()) {
                    return announced.get();
                }
                Thread.sleep(50);
            }
            throw new IOException("the spindle daemon did not announce itself in " + runtimeDir + " within "
                    + START_TIMEOUT.toSeconds() + " s; see " + log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The daemon {@code runtimeDir} announces, if its process is alive. */
    public static Optional<SpindleDaemon> find(Path runtimeDir) throws IOException {
        Path info = runtimeDir.resolve("daemon.json");
        if (!Files.isRegularFile(info)) {
            return Optional.empty();
        }
        JsonObject announced;
        try {
            announced = new JsonObject(Files.readString(info, StandardCharsets.UTF_8));
        } catch (DecodeException partlyWritten) {
            return Optional.empty();
        }
        return ProcessHandle.of(announced.getLong("pid", -1L)).filter(ProcessHandle::isAlive)
                .map(process -> new SpindleDaemon(process, announced.getString("socket", "")));
    }

    private boolean acceptsConnections() {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException | RuntimeException refused) {
            return false;
        }
    }

    /** CPU the daemon has used since it started. */
    public Duration cpu() throws IOException {
        return ProcessCpu.ofPid(process.pid());
    }

    /** SIGTERM (the daemon closes its agents cleanly), then SIGKILL if it takes too long. */
    public void stop() throws InterruptedException {
        process.destroy();
        try {
            process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
        }
    }
}
