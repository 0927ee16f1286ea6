package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench-ansible.sh, with real useradd, visudo and sudo, and a stand-in for the bench it
 * runs: the throwaway account exists (stock, passwordless sudo) while the bench runs, the bench
 * is told to log in as it, and account and drop-in are gone after; an account of that name that
 * isn't the benchmark's is left alone.
 */
class BenchAccountScriptTest {

    private static final String NAME = "spindle-bench";
    private static final Path SUDOERS = Path.of("/etc/sudoers.d/spindle-bench");
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @Test
    void theAccountLivesForTheRunOnly() throws Exception {
        assumeTrue(canManageAccounts(), "needs root, useradd and sudo");
        Path seen = dir.resolve("seen");
        BoundedCommand.Result result = runScript(standIn("getent passwd " + NAME + " > " + seen + "\n"
                + "sudo -n -u " + NAME + " sudo -n id -un >> " + seen + "\n"
                + "echo \"$@\" >> " + seen + "\n"), "--rounds", "1");
        assertEquals(0, result.status(), result.output());
        List<String> lines = Files.readAllLines(seen);
        assertTrue(lines.get(0).startsWith(NAME + ":") && lines.get(0).contains(":spindle bench throwaway account:"), lines.get(0));
        assertEquals("root", lines.get(1), "passwordless sudo to root for the sudo scenario");
        assertEquals("bench ansible --login " + NAME + " --rounds 1", lines.get(2));
        assertFalse(exists(), "the account outlived the run");
        assertFalse(Files.exists(SUDOERS), "the sudoers drop-in outlived the run");
    }

    @Test
    void anAccountOfThatNameThatIsNotTheBenchmarksIsLeftAlone() throws Exception {
        assumeTrue(canManageAccounts(), "needs root, useradd and sudo");
        assumeTrue(!exists(), NAME + " exists already");
        run("useradd", "--comment", "someone's own", NAME);
        try {
            BoundedCommand.Result result = runScript(standIn("exit 0\n"));
            assertEquals(1, result.status(), result.output());
            assertTrue(result.output().contains("is not the benchmark's"), result.output());
            assertTrue(exists());
        } finally {
            run("userdel", "--remove", "--force", NAME);
        }
    }

    private Path standIn(String body) throws Exception {
        Path script = dir.resolve("bench-stand-in");
        Files.writeString(script, "#!/bin/sh\nset -e\n" + body);
        script.toFile().setExecutable(true);
        return script;
    }

    private BoundedCommand.Result runScript(Path bench, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(
                RepositoryLayout.ofRunningCode().root().resolve("scripts/bench-ansible.sh").toString()));
        argv.addAll(List.of(args));
        return BoundedCommand.run(argv, "", TIMEOUT, Map.of("SPINDLE_BENCH_RUN", bench.toString()));
    }

    private static boolean canManageAccounts() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/sbin/useradd"))
                && Files.isExecutable(Path.of("/usr/bin/sudo"));
    }

    private static boolean exists() throws Exception {
        return run("id", "-u", NAME).status() == 0;
    }

    private static BoundedCommand.Result run(String... argv) throws Exception {
        return BoundedCommand.run(List.of(argv), "", TIMEOUT);
    }
}
