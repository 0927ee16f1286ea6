package dev.spindle.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The plain login account a benchmark logs in as: made for the run, removed after it. The target's
 * login shell runs in every SSH exec, so a heavy rc file (root's runs {@code pyenv init} here,
 * ~120 ms) would be measured for every exec vanilla makes and once for Spindle; a fresh account
 * has Debian's stock dotfiles from /etc/skel.
 *
 * <p>It has no password ({@code *}: nothing to guess, and not locked, which OpenSSH would refuse
 * even for keys): the benchmark logs in with a key of its private sshd. A sudoers drop-in lets
 * it become root without a password, for the become scenario; it goes with the account. Only
 * root can do this, and only one benchmark at a time (a lock in /run/lock). The account, its
 * home, its processes and the drop-in are removed by {@link #close()} and, should the JVM exit
 * any other way, by a shutdown hook; one left by a killed run (recognised by its comment field)
 * is removed before a new one is made, and an account of that name that isn't the benchmark's
 * is never touched.
 */
public final class BenchAccount implements AutoCloseable {

    public static final String NAME = "spindle-bench";
    /** The comment field that marks the account as the benchmark's own. */
    static final String MARK = "spindle bench throwaway account";
    private static final Path SUDOERS = Path.of("/etc/sudoers.d/spindle-bench");
    private static final Path LOCK = Path.of("/run/lock/spindle-bench-account.lock");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final FileChannel lockFile;
    private final FileLock lock;
    private final Thread removeAtExit;
    /** Set once the name is known to be free or ours: an account of that name that isn't ours is never removed. */
    private boolean owned;
    private boolean removed;

    private BenchAccount(FileChannel lockFile, FileLock lock) {
        this.lockFile = lockFile;
        this.lock = lock;
        this.removeAtExit = new Thread(this::removeQuietly, "remove-" + NAME);
    }

    /** Why this process can't make the account, if it can't. */
    static Optional<String> problem() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("it logs in as a throwaway account (" + NAME + ") that only root can create;"
                    + " run it as root (e.g. sudo ./spindle bench ansible)");
        }
        for (String tool : List.of("/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/visudo")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return Optional.of(tool + " is missing (the account and its sudo rule need it)");
            }
        }
        return Optional.empty();
    }

    /** Makes the account (removing one a killed run left); IOException says what failed, and nothing is left. */
    public static BenchAccount create() throws IOException, InterruptedException {
        Optional<String> problem = problem();
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        Files.createDirectories(LOCK.getParent());
        FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            lock = null;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("another benchmark holds the " + NAME + " account (" + LOCK + "); wait for it to end");
        }
        BenchAccount account = new BenchAccount(lockFile, lock);
        try {
            account.removeLeftover();
            account.owned = true;
            Runtime.getRuntime().addShutdownHook(account.removeAtExit);
            account.make();
            return account;
        } catch (IOException | InterruptedException | RuntimeException e) {
            account.close();
            throw e;
        }
    }

    public String name() {
        return NAME;
    }

    public Path home() {
        return Path.of("/home", NAME);
    }

    /** Whether an account of that name exists now. */
    static boolean exists() throws IOException, InterruptedException {
        return run(List.of("id", "-u", NAME)).status() == 0;
    }

    private void make() throws IOException, InterruptedException {
        check(run(List.of("useradd", "--create-home", "--shell", "/bin/bash", "--comment", MARK, NAME)), "useradd");
        check(run(List.of("usermod", "--password", "*", NAME)), "usermod --password '*'");
        Path draft = Files.createTempFile(SUDOERS.getParent(), ".spindle-bench-", ".draft");
        try {
            Files.writeString(draft, NAME + " ALL=(root) NOPASSWD: ALL\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(draft, PosixFilePermissions.fromString("r--r-----"));
            check(run(List.of("visudo", "-c", "-f", draft.toString())), "visudo -c");
            // sudo ignores names with a dot, so the draft is inert until it takes its final name
            Files.move(draft, SUDOERS);
        } finally {
            Files.deleteIfExists(draft);
        }
    }

    /** A killed run's account goes; a same-named account that isn't ours is an error. */
    private void removeLeftover() throws IOException, InterruptedException {
        if (!exists()) {
            Files.deleteIfExists(SUDOERS);
            return;
        }
        String entry = run(List.of("getent", "passwd", NAME)).output().strip();
        String[] fields = entry.split(":", -1);
        if (fields.length < 5 || !fields[4].equals(MARK)) {
            throw new IOException("an account named " + NAME + " exists and is not the benchmark's (" + entry
                    + "); the benchmark leaves it alone: remove or rename it");
        }
        remove();
    }

    /** Removes the account, its home, processes and sudo rule; idempotent. */
    @Override
    public synchronized void close() throws IOException {
        try {
            if (owned && !removed) {
                remove();
                removed = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removing the account " + NAME, e);
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            lockFile.close();
            if (Thread.currentThread() != removeAtExit) {
                try {
                    Runtime.getRuntime().removeShutdownHook(removeAtExit);
                } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                    // the hook runs (or ran) anyway, and close() is idempotent
                }
            }
        }
    }

    /** userdel refuses an account with live processes (an agent, a ControlPersist session): they go first. */
    private static void remove() throws IOException, InterruptedException {
        Files.deleteIfExists(SUDOERS);
        if (!exists()) {
            return;
        }
        ProcessHandle.allProcesses().filter(process -> process.info().user().filter(NAME::equals).isPresent())
                .forEach(ProcessHandle::destroyForcibly);
        check(run(List.of("userdel", "--remove", "--force", NAME)), "userdel " + NAME);
    }

    private void removeQuietly() {
        try {
            close();
        } catch (IOException e) {
            System.err.println("could not remove the benchmark's account " + NAME + ": " + e.getMessage()
                    + " (remove it with: userdel --remove --force " + NAME + "; rm -f " + SUDOERS + ")");
        }
    }

    private static BoundedCommand.Result run(List<String> argv) throws IOException, InterruptedException {
        return BoundedCommand.run(argv, "", COMMAND_TIMEOUT);
    }

    private static void check(BoundedCommand.Result result, String what) throws IOException {
        if (result.status() != 0) {
            throw new IOException(what + " failed with status " + result.status() + ": " + result.output().strip());
        }
    }
}
