package dev.spindle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The OpenSSH ControlPersist masters vanilla Ansible leaves in a ControlPath directory. They
 * detach from Ansible's process tree, yet they do all of vanilla's SSH crypto, so their CPU is
 * counted into vanilla's controller cost; and they must not outlive the harness.
 */
public final class ControlMasters {

    private static final Pattern MASTER_PID = Pattern.compile("Master running \\(pid=(\\d+)\\)");
    private static final Duration SSH_CONTROL_TIMEOUT = Duration.ofSeconds(10);

    private ControlMasters() {
    }

    /** CPU the masters of {@code controlPathDir} used so far. */
    public static Duration cpu(Path controlPathDir) throws IOException, InterruptedException {
        Duration total = Duration.ZERO;
        for (Path socket : sockets(controlPathDir)) {
            Matcher pid = MASTER_PID.matcher(control(socket, "check"));
            if (pid.find()) {
                total = total.plus(ProcessCpu.ofPid(Long.parseLong(pid.group(1))));
            }
        }
        return total;
    }

    /** Asks every master of {@code controlPathDir} to exit; safe to call when there are none. */
    public static void closeAll(Path controlPathDir) throws IOException, InterruptedException {
        for (Path socket : sockets(controlPathDir)) {
            control(socket, "exit");
        }
    }

    private static List<Path> sockets(Path controlPathDir) throws IOException {
        if (!Files.isDirectory(controlPathDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(controlPathDir)) {
            return entries.toList();
        }
    }

    /** {@code ssh -O command}: the destination is required by ssh's syntax but unused with an explicit ControlPath. */
    private static String control(Path socket, String command) throws IOException, InterruptedException {
        return BoundedCommand.run(List.of("ssh", "-o", "ControlPath=" + socket, "-O", command, "placeholder"),
                "", SSH_CONTROL_TIMEOUT).output();
    }
}
