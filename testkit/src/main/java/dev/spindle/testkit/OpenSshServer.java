package dev.spindle.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server on a free loopback port, for tests and benchmarks: keys (host and
 * client, both ed25519 like OpenSSH's defaults), config and log live in {@code dir}; nothing
 * outside it is touched except /run/sshd, which sshd insists on. Run as root it accepts any
 * local user holding the generated client key; as another user only that user can log in.
 * {@link OpenSshServers} starts many that share one client key and one configuration.
 */
public final class OpenSshServer implements AutoCloseable {

    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** A free port found before sshd binds it may be taken in between (others run tests too). */
    private static final int BIND_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path dir;
    private final Path clientKey;

    private OpenSshServer(Process process, int port, Path dir, Path clientKey) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.clientKey = clientKey;
    }

    /** Whether this machine can run one (sshd and ssh-keygen installed). */
    public static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    public static OpenSshServer start(Path dir) throws IOException, InterruptedException {
        return start(SharedFiles.write(dir), dir, List.of());
    }

    /**
     * The same, with sshd made a child subreaper first (prctl PR_SET_CHILD_SUBREAPER, kept across
     * its exec): a non-root login's session process is orphaned when its privilege-separation
     * monitor exits without waiting for it, and its CPU would be lost; adopted, it is reaped by
     * sshd, so sshd's children CPU fields ({@code /proc/PID/stat}) count every ended session
     * whole: shells, sudo, agents and everything they forked. For benchmarks.
     */
    public static OpenSshServer startCountingSessions(Path dir) throws IOException, InterruptedException {
        return start(SharedFiles.write(dir), dir, List.of("/usr/bin/python3", "-c", "import ctypes, os, sys\n"
                + "if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER\n"
                + "    sys.exit('prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d' % ctypes.get_errno())\n"
                + "os.execv(sys.argv[1], sys.argv[1:])\n"));
    }

    /**
     * The files every server of a group reads: the client key, the authorized_keys holding it,
     * and an sshd_config with everything but what is per server (port, host key, pid file),
     * which goes on sshd's command line.
     */
    record SharedFiles(Path clientKey, Path config) {

        static SharedFiles write(Path dir) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            // sshd reads authorized_keys as the logging-in user, so the directory must be traversable
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            keygen(dir.resolve("client_key"));
            Path authorizedKeys = dir.resolve("authorized_keys");
            Files.copy(dir.resolve("client_key.pub"), authorizedKeys);
            Files.setPosixFilePermissions(authorizedKeys, PosixFilePermissions.fromString("rw-r--r--"));
            Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                    "ListenAddress 127.0.0.1",
                    authorizedKeys(authorizedKeys),
                    "StrictModes no",
                    "UsePAM no",
                    "PermitRootLogin yes",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication yes",
                    "KbdInteractiveAuthentication no",
                    "PrintMotd no",
                    "LogLevel INFO",
                    "MaxStartups 200",
                    "MaxSessions 200",
                    "Subsystem sftp internal-sftp",
                    ""), StandardCharsets.UTF_8);
            Files.createDirectories(Path.of("/run/sshd"));
            return new SharedFiles(dir.resolve("client_key"), config);
        }
    }

    /** One server with its own host key, port and log in {@code dir}, reading {@code shared}. */
    static OpenSshServer start(SharedFiles shared, Path dir) throws IOException, InterruptedException {
        return start(shared, dir, List.of());
    }

    /** ... with {@code launcher} (a command that execs its arguments) in front of sshd. */
    private static OpenSshServer start(SharedFiles shared, Path dir, List<String> launcher)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path hostKey = dir.resolve("host_key");
        keygen(hostKey);
        IOException lastFailure = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            int port = freePort();
            Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                    + Files.readString(dir.resolve("host_key.pub")).trim() + "\n");
            Files.deleteIfExists(dir.resolve("sshd.log"));
            List<String> command = new ArrayList<>(launcher);
            command.addAll(List.of(SSHD.toString(), "-D", "-e", "-f", shared.config().toString(),
                    "-p", Integer.toString(port), "-h", hostKey.toString(), "-o", "PidFile=" + dir.resolve("sshd.pid"),
                    "-E", dir.resolve("sshd.log").toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sshd.out").toFile())
                    .start();
            OpenSshServer server = new OpenSshServer(process, port, dir, shared.clientKey());
            try {
                server.awaitListening(START_TIMEOUT);
                return server;
            } catch (IOException e) {
                server.close();
                lastFailure = e;
            } catch (InterruptedException e) {
                server.close();
                throw e;
            }
        }
        throw lastFailure;
    }

    /**
     * As root, sshd reads the keys through a command it runs as root, so every user can log in
     * whatever the permissions of the directories above {@code dir} (JUnit's are 0700).
     */
    private static String authorizedKeys(Path file) {
        return "root".equals(System.getProperty("user.name"))
                ? "AuthorizedKeysFile none\nAuthorizedKeysCommand /bin/cat " + file + "\nAuthorizedKeysCommandUser root"
                : "AuthorizedKeysFile " + file;
    }

    /**
     * Waits for sshd's own word that it listens on our port: a probe connection could reach
     * another process that took the port first.
     */
    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        String listening = "Server listening on 127.0.0.1 port " + port + ".";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (log().contains(listening)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException("sshd exited with status " + process.exitValue() + ": " + log()
                        + Files.readString(dir.resolve("sshd.out")));
            }
            Thread.sleep(10);
        }
        throw new IOException("sshd did not listen on port " + port + " within " + timeout.toSeconds() + " s: " + log());
    }

    private static void keygen(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "spindle-test", "-f", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** The listening sshd's process id; its session processes (and what they run) are its descendants. */
    public long pid() {
        return process.pid();
    }

    public Path clientKey() {
        return clientKey;
    }

    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** sshd's log so far. */
    public String log() throws IOException {
        Path log = dir.resolve("sshd.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** How many times {@code user} logged in with a key ("Accepted publickey for USER"). */
    public long publicKeyLogins(String user) throws IOException {
        return countLines("Accepted publickey for " + user + " ");
    }

    /** How many logins of any kind were accepted. */
    public long logins() throws IOException {
        return countLines("Accepted ");
    }

    private long countLines(String needle) throws IOException {
        return log().lines().filter(l -> l.contains(needle)).count();
    }

    /** The OpenSSH client arguments that reach this server with the generated key. */
    public List<String> sshClientArgs(String user) {
        return List.of("ssh", "-p", Integer.toString(port), "-i", clientKey().toString(),
                "-o", "UserKnownHostsFile=" + knownHosts(), "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
                user + "@127.0.0.1");
    }

    /**
     * Makes the host vanish at once, as a crashed machine would: SIGKILL to the listener and to
     * every session process and what runs in it (agents included), so nothing answers any more
     * and nothing can be reached again on this port.
     */
    public void kill() {
        killByPid(process.pid());
    }

    /**
     * Kills, by pid, the listener and its descendants (sessions and what they run), then waits
     * for the listener: sessions outlive a stopped listener, and a test's agents must not.
     */
    static void killByPid(long pid) {
        ProcessHandle.of(pid).ifPresent(listener -> {
            // listed while the listener lives (its orphans would be init's), killed after it, so
            // it forks no new session meanwhile
            List<ProcessHandle> sessions = listener.descendants().toList();
            listener.destroyForcibly();
            sessions.forEach(ProcessHandle::destroyForcibly);
        });
    }

    @Override
    public void close() {
        killByPid(process.pid());
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
