package dev.spindle.push.loopback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The local accounts the become tests and the equivalence suite log in as, created once per
 * machine when running as root (CI machines are throwaway; on a workstation they stay):
 * {@code spindle-login} may sudo to root without a password and to {@code spindle-other} with
 * its own password ({@link #LOGIN_PASSWORD}).
 */
public final class TestAccounts {

    public static final String LOGIN = "spindle-login";
    public static final String OTHER = "spindle-other";
    public static final String LOGIN_PASSWORD = "spindle-login-pw";
    public static final Path SUDOERS = Path.of("/etc/sudoers.d/spindle-test");

    private TestAccounts() {
    }

    public static boolean canCreate() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/sbin/useradd"))
                && Files.isExecutable(Path.of("/usr/bin/sudo"));
    }

    public static synchronized void ensure() throws IOException, InterruptedException {
        for (String user : List.of(LOGIN, OTHER)) {
            if (run("id", "-u", user) != 0) {
                check(run("useradd", "--create-home", "--shell", "/bin/bash", user), "useradd " + user);
            }
        }
        Process chpasswd = new ProcessBuilder("chpasswd").start();
        chpasswd.getOutputStream().write((LOGIN + ":" + LOGIN_PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
        chpasswd.getOutputStream().close();
        check(chpasswd.waitFor(), "chpasswd");
        Files.writeString(SUDOERS, String.join("\n",
                LOGIN + " ALL=(root) NOPASSWD: ALL",
                LOGIN + " ALL=(" + OTHER + ") ALL",
                ""));
        Files.setPosixFilePermissions(SUDOERS, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        check(run("visudo", "-c", "-f", SUDOERS.toString()), "visudo -c");
    }

    public static Path home(String user) {
        return Path.of("/home", user);
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor();
    }

    private static void check(int status, String what) throws IOException {
        if (status != 0) {
            throw new IOException(what + " failed with status " + status);
        }
    }
}
