package dev.spindle.testkit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The throwaway local accounts the become tests and the equivalence suite log in as (root
 * only). {@code spindle-login} may sudo to root without a password and to {@code spindle-other}
 * with its own password. Both passwords are random per test JVM, so nothing fixed ever exists
 * on the machine.
 *
 * <p>Every JVM starts from scratch: {@link #ensure()} first removes accounts an earlier run
 * left (it may have died), then creates them, and a shutdown hook removes them, their homes
 * and the sudoers rule when the JVM exits. Test JVMs that run at the same time (two checkouts,
 * two modules) take turns: the accounts belong to one JVM at a time, which holds
 * {@link #LOCK} from {@link #ensure()} until it exits. Setting a password also unlocks the account:
 * {@code useradd} creates it locked, and OpenSSH refuses even key logins to locked accounts.
 */
public final class TestAccounts {

    public static final String LOGIN = "spindle-login";
    public static final String OTHER = "spindle-other";
    private static final List<String> ACCOUNTS = List.of(LOGIN, OTHER);
    private static final Path SUDOERS = Path.of("/etc/sudoers.d/spindle-test");
    private static final Path LOCK = Path.of("/run/lock/spindle-test-accounts.lock");
    private static final long COMMAND_TIMEOUT_SECONDS = 60;

    private static final String LOGIN_PASSWORD = randomPassword();
    private static final String OTHER_PASSWORD = randomPassword();
    private static boolean created;
    /** Kept reachable: a collected channel would close and let the lock go. */
    private static FileChannel accountsLock;

    private TestAccounts() {
    }

    public static boolean canCreate() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/sbin/useradd"))
                && Files.isExecutable(Path.of("/usr/bin/sudo"));
    }

    /** Creates the accounts once per JVM, fresh, and arranges for their removal at exit. */
    public static synchronized void ensure() throws IOException, InterruptedException {
        if (created) {
            return;
        }
        holdTheAccountsLock();
        remove();
        Runtime.getRuntime().addShutdownHook(new Thread(TestAccounts::removeQuietly, "remove-test-accounts"));
        for (String user : ACCOUNTS) {
            check(run(null, "useradd", "--create-home", "--shell", "/bin/bash", user), "useradd " + user);
        }
        check(run(LOGIN + ":" + LOGIN_PASSWORD + "\n" + OTHER + ":" + OTHER_PASSWORD + "\n", "chpasswd"), "chpasswd");
        Files.writeString(SUDOERS, String.join("\n",
                LOGIN + " ALL=(root) NOPASSWD: ALL",
                LOGIN + " ALL=(" + OTHER + ") ALL",
                ""));
        Files.setPosixFilePermissions(SUDOERS, PosixFilePermissions.fromString("r--r-----"));
        check(run(null, "visudo", "-c", "-f", SUDOERS.toString()), "visudo -c");
        created = true;
    }

    /** Waits until no other JVM holds the accounts, then holds them until this JVM exits. */
    private static void holdTheAccountsLock() throws IOException {
        Files.createDirectories(LOCK.getParent());
        accountsLock = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        accountsLock.lock(); // released by the OS when the JVM exits, after the shutdown hook
    }

    /** {@link #LOGIN}'s password this run: what sudo asks for when it becomes {@link #OTHER}. */
    public static String loginPassword() {
        return LOGIN_PASSWORD;
    }

    /** {@link #OTHER}'s password this run: what su asks for. */
    public static String otherPassword() {
        return OTHER_PASSWORD;
    }

    public static Path home(String user) {
        return Path.of("/home", user);
    }

    /** Removes the accounts (their processes first: userdel refuses a busy account), homes and rule. */
    private static void remove() throws IOException, InterruptedException {
        for (String user : ACCOUNTS) {
            if (run(null, "id", "-u", user) == 0) {
                ProcessHandle.allProcesses().filter(process -> process.info().user().filter(user::equals).isPresent())
                        .forEach(ProcessHandle::destroyForcibly);
                check(run(null, "userdel", "--remove", "--force", user), "userdel " + user);
            }
        }
        Files.deleteIfExists(SUDOERS);
    }

    private static void removeQuietly() {
        try {
            remove();
        } catch (IOException | InterruptedException e) {
            System.err.println("could not remove the test accounts " + ACCOUNTS + ": " + e.getMessage());
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static int run(String stdin, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
        }
        return p.exitValue();
    }

    private static void check(int status, String what) throws IOException {
        if (status != 0) {
            throw new IOException(what + " failed with status " + status);
        }
    }
}
