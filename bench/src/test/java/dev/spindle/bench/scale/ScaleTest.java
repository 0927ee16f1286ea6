package dev.spindle.bench.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.spindle.bench.AnsibleConfig;
import dev.spindle.bench.BoundedCommand;
import dev.spindle.bench.InventoryHost;
import dev.spindle.bench.PlaybookRun;
import dev.spindle.bench.RepositoryLayout;
import dev.spindle.bench.SpindleDaemon;
import dev.spindle.bench.Transport;
import dev.spindle.testkit.OpenSshServer;
import dev.spindle.testkit.OpenSshServers;
import dev.spindle.testkit.TestAccounts;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's scale check: {@value #TARGETS} targets (one OpenSSH server each on loopback, all
 * logging in as the test account), a 10-task playbook with forks={@value #TARGETS}; every
 * target logs in once, and one target made unreachable in the middle of the run (its sshd
 * and sessions killed) fails alone, UNREACHABLE with the cause. Needs root, sshd and
 * ansible-playbook; skipped otherwise. Sized for a few minutes on 2 cores.
 */
class ScaleTest {

    private static final int TARGETS = 50;
    /** The strategy tier: the transport stays ssh and spindle_linear redirects it (issue: scale under spindle_linear). */
    private static final Transport STRATEGY = Transport.SPINDLE_LINEAR;
    private static final int VICTIM = 17;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration VICTIM_REACHES_TASK_5 = Duration.ofMinutes(5);
    private static final Path WORK_DIR = TestAccounts.home(TestAccounts.LOGIN).resolve("scale");
    /** Tasks that run on every host but the victim (1-4 and 6-10); task 5 is skipped there. */
    private static final int OK_ELSEWHERE = 9;
    /** Tasks the victim finishes before it is killed in task 5. */
    private static final int OK_ON_VICTIM = 4;
    private static final Pattern RECAP = Pattern.compile(
            "^(host-\\d+)\\s+:\\s+ok=(\\d+)\\s+changed=\\d+\\s+unreachable=(\\d+)\\s+failed=(\\d+)\\s+skipped=(\\d+).*$",
            Pattern.MULTILINE);

    /** Kept when the test fails: the run's output, inventory and the daemon's log are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private record Recap(int ok, int unreachable, int failed, int skipped) {
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void fiftyTargetsLogInOnceEachAndOneKilledMidRunFailsAlone() throws Exception {
        assumeTrue(TestAccounts.canCreate(), "needs root and sudo: the targets log in as the test account");
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd and ssh-keygen (apt-get install openssh-server)");
        assumeTrue(PlaybookRun.available(), "needs ansible-playbook on the PATH (apt-get install ansible-core)");
        RepositoryLayout repo = RepositoryLayout.ofRunningCode();
        assumeTrue(Files.isRegularFile(repo.spindleSshPlugin()), "no spindle_ssh plugin at " + repo.spindleSshPlugin());
        long waitedFrom = System.nanoTime();
        TestAccounts.ensure(); // waits while another test JVM holds the accounts
        System.out.printf("scale: test accounts ready after %.1f s%n", seconds(waitedFrom));
        // sshd reads authorized_keys as the logging-in user, who must be able to walk down to it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        resetWorkDir();
        Path marker = WORK_DIR.resolve("victim-reached-task-5");
        Path runtimeDir = dir.resolve("spindle-runtime");
        long startedFrom = System.nanoTime();
        try (OpenSshServers targets = OpenSshServers.start(dir.resolve("sshd"), TARGETS)) {
            System.out.printf("scale: %d sshd started in %.1f s%n", TARGETS, seconds(startedFrom));
            Path config = writeConfig(repo, targets);
            Path vars = Files.writeString(dir.resolve("vars.json"), new JsonObject()
                    .put("work_dir", WORK_DIR.toString())
                    .put("victim", hostName(VICTIM))
                    .put("victim_marker", marker.toString()).encode());
            Map<String, String> env = SpindleDaemon.environment(runtimeDir, SpindleDaemon.writeLauncher(dir), "0");
            Path playbook = repo.root().resolve("bench/src/test/scale/ten-tasks.yml");
            CompletableFuture<PlaybookRun.Outcome> run = PlaybookRun.start(dir, config, env,
                    List.of("-e", "@" + vars, playbook.toString()), RUN_TIMEOUT);
            PlaybookRun.Outcome outcome;
            try {
                awaitMarker(marker, run);
                targets.get(VICTIM).kill();
                outcome = run.get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                Optional<SpindleDaemon> daemon = SpindleDaemon.find(runtimeDir);
                if (daemon.isPresent()) {
                    daemon.get().stop();
                }
            }
            String output = Files.readString(outcome.output(), StandardCharsets.UTF_8);
            System.out.printf("scale: %d targets, 10 tasks, forks=%d, strategy %s: %.1f s wall, %.1f s CPU (ansible-playbook's tree)%n",
                    TARGETS, TARGETS, STRATEGY.label(), outcome.wall().toMillis() / 1000.0, outcome.treeCpu().toMillis() / 1000.0);
            Map<String, Recap> recap = recap(output);
            assertEquals(TARGETS, recap.size(), "a recap line per target; output in " + outcome.output() + ":\n" + tail(output));
            recap.forEach((host, line) -> {
                Recap expected = host.equals(hostName(VICTIM)) ? new Recap(OK_ON_VICTIM, 1, 0, 0) : new Recap(OK_ELSEWHERE, 0, 0, 1);
                assertEquals(expected, line, host + "'s recap; output in " + outcome.output());
            });
            assertEquals(4, outcome.exitStatus(), "ansible-playbook's status for unreachable hosts");
            String unreachable = unreachableMessage(output, hostName(VICTIM));
            System.out.println("scale: " + unreachable);
            // the cause in words: which login lost what
            assertTrue(unreachable.contains("spindle-login@127.0.0.1:" + targets.get(VICTIM).port() + " lost its SSH channel"),
                    unreachable);
            for (int i = 0; i < TARGETS; i++) {
                assertEquals(1, targets.get(i).publicKeyLogins(TestAccounts.LOGIN),
                        hostName(i) + ": SSH logins its sshd accepted");
            }
        } finally {
            resetWorkDir();
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static String hostName(int index) {
        return String.format("host-%02d", index);
    }

    private Path writeConfig(RepositoryLayout repo, OpenSshServers targets) throws IOException {
        List<InventoryHost> hosts = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            OpenSshServer target = targets.get(i);
            hosts.add(new InventoryHost(hostName(i), "127.0.0.1", target.port(), TestAccounts.LOGIN, target.clientKey(),
                    target.knownHosts()));
        }
        Path inventory = InventoryHost.writeInventory(dir.resolve("inventory.ini"), Map.of("targets", hosts));
        // one interpreter named, so no host spends a task discovering it
        Files.writeString(inventory, "[targets:vars]\nansible_python_interpreter=/usr/bin/python3\n",
                java.nio.file.StandardOpenOption.APPEND);
        return AnsibleConfig.forTransport(STRATEGY, repo, inventory, dir.resolve("cp"))
                .with("defaults", "forks", Integer.toString(TARGETS))
                .write(dir.resolve("ansible.cfg"));
    }

    /** Waits until the victim runs task 5, failing early if the run ended before it got there. */
    private static void awaitMarker(Path marker, CompletableFuture<PlaybookRun.Outcome> run) throws Exception {
        long deadline = System.nanoTime() + VICTIM_REACHES_TASK_5.toNanos();
        while (!Files.exists(marker)) {
            if (run.isDone()) {
                PlaybookRun.Outcome early = run.get();
                fail("the run ended before the victim reached task 5:\n" + early.tail(60));
            }
            if (System.nanoTime() > deadline) {
                fail("the victim did not reach task 5 within " + VICTIM_REACHES_TASK_5.toMinutes() + " min");
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, Recap> recap(String output) {
        Map<String, Recap> recap = new LinkedHashMap<>();
        Matcher m = RECAP.matcher(output);
        while (m.find()) {
            recap.put(m.group(1), new Recap(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))));
        }
        return recap;
    }

    /** The victim's {@code fatal: [host]: UNREACHABLE! => {...}} line. */
    private static String unreachableMessage(String output, String host) {
        String start = "fatal: [" + host + "]: UNREACHABLE! => ";
        return output.lines().filter(line -> line.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no UNREACHABLE line for " + host + ":\n" + tail(output)));
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    private static void resetWorkDir() throws IOException, InterruptedException {
        BoundedCommand.Result removed = BoundedCommand.run(List.of("rm", "-rf", WORK_DIR.toString()), "", Duration.ofSeconds(60));
        if (removed.status() != 0) {
            throw new IOException("cannot empty " + WORK_DIR + ": " + removed.output());
        }
    }
}
