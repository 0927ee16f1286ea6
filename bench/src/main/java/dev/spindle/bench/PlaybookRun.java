package dev.spindle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ansible-playbook} process run to completion under a time limit, with its output in
 * a file, its wall time, and the CPU of its whole process tree. A small shell parent waits for
 * it and then reads its own {@code /proc/self/stat}: the children fields then hold everything
 * ansible-playbook and its reaped descendants used.
 */
public final class PlaybookRun {

    public static final String ANSIBLE_PLAYBOOK = "ansible-playbook";

    private static final String MEASURING_PARENT =
            "\"$@\"; status=$?; cat /proc/$$/stat > \"$SPINDLE_BENCH_CPU_FILE\"; exit $status";

    /** What a run left behind. */
    public record Outcome(int exitStatus, Duration wall, Duration treeCpu, Path output) {

        public boolean succeeded() {
            return exitStatus == 0;
        }

        /** The end of the output, where Ansible puts the error and the recap. */
        public String tail(int lines) throws IOException {
            List<String> all = Files.readAllLines(output, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    private PlaybookRun() {
    }

    /** Whether ansible-playbook is on the PATH. */
    public static boolean available() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, ANSIBLE_PLAYBOOK))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code ansible-playbook args} in {@code workDir} with {@code config} as its only
     * configuration: inherited ANSIBLE_* variables are dropped so a developer's shell can't
     * change what a comparison measures.
     */
    public static Outcome run(Path workDir, Path config, Map<String, String> env, List<String> args, Duration timeout)
            throws IOException, InterruptedException {
        return run(AnsibleCore.installed(), workDir, config, env, args, timeout);
    }

    /** {@link #run} on another thread, for a test that acts on the target while the playbook runs. */
    public static CompletableFuture<Outcome> start(Path workDir, Path config, Map<String, String> env, List<String> args,
                                                   Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return run(workDir, config, env, args, timeout);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + args, e);
            }
        });
    }

    /** The same under {@code ansible}'s ansible-playbook, with its environment (PYTHONPATH) added. */
    public static Outcome run(AnsibleCore ansible, Path workDir, Path config, Map<String, String> env, List<String> args,
                              Duration timeout) throws IOException, InterruptedException {
        Path output = Files.createTempFile(workDir, "ansible-playbook-", ".out");
        Path cpuFile = Files.createTempFile(workDir, "ansible-playbook-", ".stat");
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", MEASURING_PARENT, "sh"));
        command.addAll(ansible.command(ANSIBLE_PLAYBOOK));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("ANSIBLE_"));
        builder.environment().putAll(ansible.environment());
        builder.environment().putAll(env);
        builder.environment().put("ANSIBLE_CONFIG", config.toString());
        builder.environment().put("SPINDLE_BENCH_CPU_FILE", cpuFile.toString());
        long start = System.nanoTime();
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("ansible-playbook " + String.join(" ", args) + " did not finish within "
                        + timeout.toSeconds() + " s; its output is in " + output);
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - start);
            String stat = Files.readString(cpuFile);
            return new Outcome(process.exitValue(), wall, stat.isBlank() ? Duration.ZERO : ProcessCpu.ofStatLine(stat), output);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
