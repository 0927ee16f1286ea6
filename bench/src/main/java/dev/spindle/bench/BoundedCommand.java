package dev.spindle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A short helper command (ssh -O, rm -rf...) run to completion under a time limit. Its output
 * goes through a file, so a child that never closes its stdout can't block the wait.
 */
public final class BoundedCommand {

    /** Exit status and combined stdout and stderr. */
    public record Result(int status, String output) {
    }

    private BoundedCommand() {
    }

    public static Result run(List<String> argv, String stdin, Duration timeout) throws IOException, InterruptedException {
        return run(argv, stdin, timeout, Map.of());
    }

    /** The same, with {@code env} added to this process's environment. */
    public static Result run(List<String> argv, String stdin, Duration timeout, Map<String, String> env)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("spindle-command-", ".out");
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(String.join(" ", argv) + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }
}
