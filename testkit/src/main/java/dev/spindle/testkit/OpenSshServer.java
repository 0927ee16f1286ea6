package dev.spindle.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 */
public final class OpenSshServer implements AutoCloseable {

    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Process process;
    private final int port;
    private final Path dir;

    private OpenSshServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Whether this machine can run one (sshd and ssh-keygen installed). */
    public static boolean available() {
        return Files.isExecutable(SSHD) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen"));
    }

    public static OpenSshServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, List.of());
    }

    /**
     * The same, with sshd made a child subreaper first (prctl PR_SET_CHILD_SUBREAPER, kept across
     * its exec): a non-root login's session process is orphaned when its privilege-separation
     * monitor exits without waiting for it, and its CPU would be lost; adopted, it is reaped by
     * sshd, so sshd's children CPU fields ({@code /proc/PID/stat}) count every ended session
     * whole: shells, sudo, agents and everything they forked. For benchmarks.
     */
    public static OpenSshServer startCountingSessions(Path dir) throws IOException, InterruptedException {
        return start(dir, List.of("/usr/bin/python3", "-c", "import ctypes, os, sys\n"
                + "if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER\n"
                + "    sys.exit('prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d' % ctypes.get_errno())\n"
                + "os.execv(sys.argv[1], sys.argv[1:])\n"));
    }

    private static OpenSshServer start(Path dir, List<String> launcher) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        // sshd reads authorized_keys as the logging-in user, so the directory must be traversable
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        keygen(dir.resolve("host_key"));
        keygen(dir.resolve("client_key"));
        Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        Files.setPosixFilePermissions(dir.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-r--r--"));
        int port = freePort();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + port,
                "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                authorizedKeys(dir.resolve("authorized_keys")),
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
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                + Files.readString(dir.resolve("host_key.pub")).trim() + "\n");
        Files.createDirectories(Path.of("/run/sshd"));
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString(),
                "-E", dir.resolve("sshd.log").toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.out").toFile())
                .start();
        OpenSshServer server = new OpenSshServer(process, port, dir);
        server.awaitListening(Duration.ofSeconds(10));
        return server;
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

    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("sshd exited with status " + process.exitValue() + ": " + log()
                        + Files.readString(dir.resolve("sshd.out")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        close();
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

    /** The listening sshd's process (see {@link #startCountingSessions}). */
    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path clientKey() {
        return dir.resolve("client_key");
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

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
