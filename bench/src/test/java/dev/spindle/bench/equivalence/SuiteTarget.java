package dev.spindle.bench.equivalence;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.spindle.bench.BoundedCommand;
import dev.spindle.bench.InventoryHost;
import dev.spindle.testkit.OpenSshServer;
import dev.spindle.testkit.TestAccounts;

/**
 * The machine the suite runs against: a private OpenSSH server on loopback, the test accounts
 * (with this run's passwords), and the remote
 * state each run starts from. Needs root.
 */
final class SuiteTarget implements AutoCloseable {

    static final Path LOGIN_HOME = TestAccounts.home(TestAccounts.LOGIN);
    /** Where the playbooks write on the target; emptied before each run so both start alike. */
    static final Path WORK_DIR = LOGIN_HOME.resolve("eq");
    static final Path OTHER_WORK_DIR = TestAccounts.home(TestAccounts.OTHER).resolve("eq");
    /** The accounts accounts.yml makes and removes as root, and the sudoers rule it writes for them. */
    static final String NOLOGIN_USER = "spindle-eq-nologin";
    static final String DOOMED_USER = "spindle-eq-doomed";
    static final Path ACCOUNTS_SUDOERS = Path.of("/etc/sudoers.d/spindle-eq-accounts");
    private static final Path LOGIN_ANSIBLE_TMP = LOGIN_HOME.resolve(".ansible/tmp");

    private final OpenSshServer sshd;
    private final int closedPort;

    private SuiteTarget(OpenSshServer sshd, int closedPort) {
        this.sshd = sshd;
        this.closedPort = closedPort;
    }

    static SuiteTarget start(Path dir) throws IOException, InterruptedException {
        TestAccounts.ensure();
        return new SuiteTarget(OpenSshServer.start(dir), freePort());
    }

    /** A port nothing listens on, for the unreachable host. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    InventoryHost reachable() {
        return new InventoryHost("target", "127.0.0.1", sshd.port(), TestAccounts.LOGIN, sshd.clientKey(), sshd.knownHosts());
    }

    InventoryHost unreachable() {
        return new InventoryHost("nowhere", "127.0.0.1", closedPort, TestAccounts.LOGIN, sshd.clientKey(), sshd.knownHosts());
    }

    /** Logins of the login user accepted so far, from sshd's log. */
    long logins() throws IOException {
        return sshd.publicKeyLogins(TestAccounts.LOGIN);
    }

    /**
     * Removes what a previous run wrote, so "changed" means the same thing in every run. That
     * includes ~/.ansible/tmp: vanilla's async_wrapper deletes its temp dir 5 s after the job
     * started, which would otherwise land in the next run's snapshot. rm -f, because that
     * deletion may race with ours. It also includes the accounts accounts.yml makes, which a
     * run that failed before its last tasks leaves behind.
     */
    void resetRemoteState() throws IOException, InterruptedException {
        for (String user : List.of(NOLOGIN_USER, DOOMED_USER)) {
            if (BoundedCommand.run(List.of("id", "-u", user), "", Duration.ofSeconds(10)).status() == 0) {
                check(BoundedCommand.run(List.of("userdel", "--force", "--remove", user), "", Duration.ofSeconds(60)));
            }
        }
        check(BoundedCommand.run(List.of("rm", "-rf", WORK_DIR.toString(), OTHER_WORK_DIR.toString(),
                LOGIN_ANSIBLE_TMP.toString(), ACCOUNTS_SUDOERS.toString()), "", Duration.ofSeconds(60)));
    }

    private static void check(BoundedCommand.Result command) throws IOException {
        if (command.status() != 0) {
            throw new IOException("cannot reset the target's state: " + command.output());
        }
    }

    /** Every path under the login user's ~/.ansible/tmp (the directory itself included) with its size and mtime. */
    SortedMap<String, String> ansibleTmpSnapshot() throws IOException {
        SortedMap<String, String> snapshot = new TreeMap<>();
        if (!Files.exists(LOGIN_ANSIBLE_TMP)) {
            return snapshot;
        }
        try (Stream<Path> paths = Files.walk(LOGIN_ANSIBLE_TMP)) {
            for (Path path : paths.toList()) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                snapshot.put(path.toString(), attributes.size() + " bytes, modified " + attributes.lastModifiedTime());
            }
        }
        return snapshot;
    }

    @Override
    public void close() {
        sshd.close();
    }
}
