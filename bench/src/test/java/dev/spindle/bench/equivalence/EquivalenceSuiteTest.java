package dev.spindle.bench.equivalence;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.spindle.bench.PlaybookRun;
import dev.spindle.bench.RepositoryLayout;
import dev.spindle.bench.SpindleDaemon;
import dev.spindle.bench.Transport;
import dev.spindle.testkit.OpenSshServer;
import dev.spindle.testkit.TestAccounts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The equivalence suite (bench/src/test/playbooks): the same playbooks against a real
 * OpenSSH server on loopback, once with vanilla ssh (pipelining, ControlPersist) and once with
 * spindle_ssh (or with {@code -Dspindle.equivalence.candidate=spindle_linear}, spindle_free or
 * spindle_host_pinned: that strategy, the transport left at ssh), must give the same result for every task and host, key by key, after
 * {@link PerRunValues}; and that under every ansible-core of {@link AnsibleTree#toTest()}.
 * Needs root (test users, sudo), sshd and ansible-playbook; skipped otherwise.
 * The candidates are spindle_ssh and spindle_linear unless {@code -Dspindle.equivalence.candidate}
 * names others (comma-separated; spindle_free and spindle_host_pinned schedule as their vanilla
 * strategies and reach hosts the way spindle_linear does, so they are left out by default for
 * the test run's time). {@code -Dspindle.equivalence.candidate=ssh} runs vanilla against
 * vanilla, which checks that the normalization leaves no run-to-run noise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EquivalenceSuiteTest {

    private static final String CANDIDATE_PROPERTY = "spindle.equivalence.candidate";
    private static final int BIG_FILE_BYTES = 20 * 1024 * 1024;

    /** Kept when a test fails: the failure message points at the playbooks' outputs in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    private final List<TreeRuns> runs = new ArrayList<>();

    /** Vanilla's run and every candidate's under one ansible-core. */
    private record TreeRuns(String ansible, SuiteRun vanilla, List<SuiteRun> candidates) {
    }

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void runTheSuiteUnderBothTransports() throws Exception {
        assumeTrue(TestAccounts.canCreate(), "needs root and sudo: the suite creates test users and sets a password");
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd and ssh-keygen (apt-get install openssh-server)");
        assumeTrue(PlaybookRun.available(), "needs ansible-playbook on the PATH (apt-get install ansible-core)");
        RepositoryLayout repo = RepositoryLayout.ofRunningCode();
        List<Transport> candidates = candidateTransports();
        if (candidates.stream().anyMatch(Transport::usesSpindle)) {
            assumeTrue(Files.isRegularFile(repo.spindleSshPlugin()), "no spindle_ssh plugin at " + repo.spindleSshPlugin()
                    + "; -D" + CANDIDATE_PROPERTY + "=ssh runs the suite vanilla against vanilla");
        }
        // sshd reads authorized_keys as the logging-in user, who must be able to walk down to it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path bigFile = writeBigFile(dir.resolve("big.bin"));
        Path launcher = SpindleDaemon.writeLauncher(dir);
        List<AnsibleTree> trees = AnsibleTree.toTest();
        for (AnsibleTree tree : trees) {
            tree.problem().ifPresent(problem -> fail(problem));
        }
        try (SuiteTarget target = SuiteTarget.start(dir.resolve("sshd"))) {
            SuiteRunner runner = new SuiteRunner(target, repo, bigFile, launcher);
            boolean againstItself = candidates.contains(Transport.VANILLA_SSH);
            for (AnsibleTree tree : trees) {
                String ansible = tree.describe();
                Path treeDir = dir.resolve(tree.name());
                SuiteRun vanilla = runner.run(Transport.VANILLA_SSH, tree,
                        (againstItself ? "vanilla ssh, 1st run" : "vanilla ssh") + ", " + ansible, treeDir.resolve("vanilla"));
                List<SuiteRun> candidateRuns = new ArrayList<>();
                for (Transport candidate : candidates) {
                    candidateRuns.add(runner.run(candidate, tree, (candidate == Transport.VANILLA_SSH ? "vanilla ssh, 2nd run"
                            : candidate.label()) + ", " + ansible, treeDir.resolve(candidate.shortName())));
                }
                runs.add(new TreeRuns(ansible, vanilla, candidateRuns));
            }
        }
    }

    /** Runs the check on every candidate's runs under every ansible-core, reporting every failure. */
    private void forEveryRelease(ReleaseCheck check) {
        assertAll(runs.stream().flatMap(run -> run.candidates().stream()
                .map(candidate -> () -> check.verify(run.ansible(), run.vanilla(), candidate))));
    }

    /** The same, for the candidates that go through Spindle only. */
    private void forEverySpindleRun(ReleaseCheck check) {
        assumeTrue(candidateTransports().stream().anyMatch(Transport::usesSpindle), "no Spindle candidate");
        forEveryRelease((ansible, vanilla, candidate) -> {
            if (candidate.transport().usesSpindle()) {
                check.verify(ansible, vanilla, candidate);
            }
        });
    }

    private interface ReleaseCheck {
        void verify(String ansible, SuiteRun vanilla, SuiteRun candidate) throws Exception;
    }

    private static List<Transport> candidateTransports() {
        String names = System.getProperty(CANDIDATE_PROPERTY, "").strip();
        if (names.isEmpty()) {
            return List.of(Transport.SPINDLE_SSH, Transport.SPINDLE_LINEAR);
        }
        List<Transport> candidates = new ArrayList<>();
        for (String name : names.split("\\s*,\\s*")) {
            candidates.add(Arrays.stream(Transport.values()).filter(transport -> transport.shortName().equals(name))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException(CANDIDATE_PROPERTY + " takes "
                            + Arrays.stream(Transport.values()).map(Transport::shortName).toList() + ", not " + name)));
        }
        return candidates;
    }

    /** Incompressible and the same every time: ssh's -C can't shrink it, and a failure is reproducible. */
    private static Path writeBigFile(Path file) throws IOException {
        byte[] chunk = new byte[1024 * 1024];
        Random random = new Random(20);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < BIG_FILE_BYTES; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        return file;
    }

    @Test
    void everyTaskResultMatchesVanillaSsh() {
        forEveryRelease(this::everyTaskResultMatches);
    }

    private void everyTaskResultMatches(String ansible, SuiteRun vanilla, SuiteRun candidate) throws IOException {
        assertVanillaRanEveryPlaybookToTheEnd(vanilla);
        List<Difference> differences = Difference.between(vanilla.results(), candidate.results());
        vanilla.exitStatus().forEach((playbook, status) -> {
            Integer other = candidate.exitStatus().get(playbook);
            if (!status.equals(other)) {
                differences.add(new Difference(new RecordedRun.TaskOnHost(playbook, "ansible-playbook", "controller"),
                        "exit status", status.toString(), String.valueOf(other)));
            }
        });
        System.out.printf("equivalence: %d results of %d tasks compared (%s, %s)%n", vanilla.results().resultCount(),
                vanilla.results().results().size(), vanilla.results().label(), candidate.results().label());
        if (!differences.isEmpty()) {
            fail(Difference.report(differences, vanilla.results().label(), candidate.results().label())
                    + "\noutputs: " + candidate.outputs().values());
        }
    }

    private static void assertVanillaRanEveryPlaybookToTheEnd(SuiteRun vanilla) throws IOException {
        for (Map.Entry<String, Integer> entry : vanilla.exitStatus().entrySet()) {
            if (entry.getValue() != 0) {
                fail("the suite itself is broken: " + entry.getKey() + " failed under vanilla ssh:\n"
                        + Files.readString(vanilla.outputs().get(entry.getKey())));
            }
        }
        assertTrue(vanilla.results().resultCount() > 0, "the spindle_record callback recorded nothing");
    }

    @Test
    void spindleLogsInOncePerHostAndUserForTheWholeSuite() {
        // one reachable host and one login user; become (sudo, su) reuses that login
        forEverySpindleRun((ansible, vanilla, candidate) -> assertEquals(1, candidate.totalLogins(),
                ansible + ", " + candidate.transport().label() + ": SSH logins sshd accepted, per playbook: "
                        + candidate.logins()));
    }

    @Test
    void everyPipelinedModuleRunsWarm() {
        forEverySpindleRun((ansible, vanilla, candidate) -> {
            String run = ansible + ", " + candidate.transport().label();
            System.out.printf("equivalence: %s: %d module requests, %d fallbacks to spindle.exec%n", run,
                    candidate.moduleRequests(), candidate.fallbacks().size());
            assertEquals(List.of(), candidate.fallbacks(), run + ": pipelined modules that ran in a fresh interpreter");
            assertEquals(List.of(), candidate.moduleFilesRunAsCommands(), run + ": module files that ran in a fresh interpreter");
            assertTrue(candidate.moduleRequests() > 0, run + ": no module ran warm");
        });
    }

    @Test
    void interpreterDiscoveryIsOneRequest() {
        assumeTrue(SuiteRunner.playbooksToRun().contains(SuiteRunner.INTERPRETER_DISCOVERY),
                SuiteRunner.INTERPRETER_DISCOVERY + " was not run");
        forEverySpindleRun((ansible, vanilla, candidate) -> {
            String run = ansible + ", " + candidate.transport().label();
            SuiteRun.Discoveries discoveries = candidate.discoveries(SuiteRunner.INTERPRETER_DISCOVERY);
            System.out.printf("equivalence: %s: %s%n", run, discoveries);
            // one per play and per auto_legacy task (facts cleared in between), for the one target
            assertTrue(discoveries.attempts() >= 5, run + ": " + discoveries);
            assertEquals(new SuiteRun.Discoveries(discoveries.attempts(), discoveries.attempts(), 0), discoveries,
                    run + ": every discovery should be its bootstrap's request alone");
        });
    }

    @Test
    void pipelinedTasksWriteNothingUnderTheLoginUsersAnsibleTmp() {
        assumeTrue(SuiteRunner.playbooksToRun().contains(SuiteRunner.PIPELINED), SuiteRunner.PIPELINED + " was not run");
        forEveryRelease((ansible, vanilla, candidate) -> {
            for (SuiteRun run : List.of(vanilla, candidate)) {
                assertEquals(List.of(), run.tmpChanges(), run.results().label() + " wrote under "
                        + TestAccounts.home(TestAccounts.LOGIN) + "/.ansible/tmp while running " + SuiteRunner.PIPELINED);
            }
        });
    }

    @Test
    void noPasswordAppearsInEitherRunsOutputEvenAtVvv() {
        forEveryRelease((ansible, vanilla, candidate) -> noPasswordAppears(vanilla, candidate));
    }

    private static void noPasswordAppears(SuiteRun vanilla, SuiteRun candidate) throws IOException {
        for (SuiteRun run : List.of(vanilla, candidate)) {
            for (var output : run.outputs().entrySet()) {
                String text = java.nio.file.Files.readString(output.getValue());
                for (String secret : List.of(TestAccounts.loginPassword(), TestAccounts.otherPassword())) {
                    assertFalse(text.contains(secret), run.results().label() + " printed a become password while running "
                            + output.getKey() + " (" + output.getValue() + ")");
                }
            }
        }
    }
}
