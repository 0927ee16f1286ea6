package dev.spindle.controller;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.JsonObject;

/**
 * The per-user runtime directory (docs/daemon-api.md §1): where the daemon announces its port
 * and secret, and the lock that keeps it unique. Only the owner may enter it: a directory that
 * someone else owns, or that others can open, is refused rather than trusted.
 */
public final class RuntimeDir {

    public static final String INFO_FILE = "daemon.json";
    static final String LOCK_FILE = "daemon.lock";
    public static final String SOCKET_FILE = "daemon.sock";

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;

    private RuntimeDir(Path dir) {
        this.dir = dir;
    }

    /** The directory named by the environment, created if needed and checked. */
    public static RuntimeDir resolve(Map<String, String> env) throws IOException {
        return open(locate(env));
    }

    static Path locate(Map<String, String> env) throws IOException {
        String explicit = env.get("SPINDLE_RUNTIME_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "spindle");
        }
        // the JDK has no getuid(); /proc/self belongs to the process's user
        return Path.of("/tmp", "spindle-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    static RuntimeDir open(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        if (!attributes.isDirectory()) {
            throw new IOException("runtime dir " + dir + " is not a directory (a symlink or file is there)");
        }
        if (!attributes.owner().getName().equals(me)) {
            throw new IOException("runtime dir " + dir + " belongs to " + attributes.owner().getName() + ", not " + me
                    + "; set SPINDLE_RUNTIME_DIR to a directory of your own");
        }
        if (!attributes.permissions().equals(OWNER_ONLY_DIR)) {
            throw new IOException("runtime dir " + dir + " has mode " + PosixFilePermissions.toString(attributes.permissions())
                    + "; it must be rwx------ (chmod 700 " + dir + ")");
        }
        return new RuntimeDir(dir);
    }

    public Path path() {
        return dir;
    }

    public Path socketPath() {
        return dir.resolve(SOCKET_FILE);
    }

    /**
     * Takes the daemon lock for this process's lifetime.
     *
     * @return the lock, or null when another daemon already holds it
     */
    public FileLock lockForDaemon() throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
        }
        return lock;
    }

    /** Announces the daemon atomically: readers see the old file or the complete new one. */
    public void publish(JsonObject info) throws IOException {
        Path temp = Files.createTempFile(dir, INFO_FILE, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.writeString(temp, info.encode(), StandardCharsets.UTF_8);
        try {
            Files.move(temp, dir.resolve(INFO_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, dir.resolve(INFO_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public JsonObject readInfo() throws IOException {
        return new JsonObject(Files.readString(dir.resolve(INFO_FILE), StandardCharsets.UTF_8));
    }

    /** Removes the announcement and the socket if they still belong to this process. */
    public void withdraw(long pid) {
        try {
            if (readInfo().getLong("pid", -1L) == pid) {
                Files.deleteIfExists(dir.resolve(INFO_FILE));
                Files.deleteIfExists(socketPath());
            }
        } catch (IOException | RuntimeException alreadyGone) {
            // nothing to withdraw
        }
    }
}
