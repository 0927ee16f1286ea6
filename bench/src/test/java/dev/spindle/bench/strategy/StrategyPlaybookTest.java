package dev.spindle.bench.strategy;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.spindle.bench.AnsibleConfig;
import dev.spindle.bench.BoundedCommand;
import dev.spindle.bench.ControlMasters;
import dev.spindle.bench.PlaybookRun;
import dev.spindle.bench.RepositoryLayout;
import dev.spindle.bench.SpindleDaemon;
import dev.spindle.bench.Transport;
import dev.spindle.bench.equivalence.AnsibleTree;
import dev.spindle.testkit.OpenSshServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Spindle strategies with real ansible-playbook (every ansible-core of {@link AnsibleTree#toTest()})
 * against a real OpenSSH server on loopback, with the inventory as vanilla Ansible would have it
 * ({@code ansible_connection=ssh}) and ansible.cfg naming the strategy plugins only: ssh and local
 * hosts go through the daemon, another transport passes through, a vanilla play after a
 * Spindle play is vanilla, the installed collection's strategy runs, and an ansible-core the
 * strategies do not know (simulated) gets one warning and the connection tier. The playbooks are in bench/src/test/strategy. Logs in as the user
 * running the test, who holds the server's client key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrategyPlaybookTest {

    private static final Duration PLAYBOOK_TIMEOUT = Duration.ofMinutes(3);
    /** What spindle_ssh and spindle_local print at -vvv for each task's connection and module. */
    private static final String SPINDLE_CONNECTION = "ESTABLISH SPINDLE CONNECTION";
    private static final String SPINDLE_MODULE = "SPINDLE: spindle.module ";
    /** What the vanilla ssh plugin prints at -vvv for each ssh it runs. */
    private static final String VANILLA_SSH = "SSH: EXEC ssh";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    private OpenSshServer sshd;
    private RepositoryLayout repo;
    private Path playbooks;
    private Path launcher;
    private int runs;

    private record Run(int exitStatus, String output, long logins, String daemonLog, List<String> recorded) {
    }

    @BeforeAll
    void startSshd() throws IOException, InterruptedException {
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd and ssh-keygen (apt-get install openssh-server)");
        assumeTrue(PlaybookRun.available(), "needs ansible-playbook on the PATH (apt-get install ansible-core)");
        repo = RepositoryLayout.ofRunningCode();
        playbooks = repo.root().resolve("bench/src/test/strategy");
        sshd = OpenSshServer.start(dir.resolve("sshd"));
        launcher = SpindleDaemon.writeLauncher(dir);
    }

    @AfterAll
    void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    static Stream<AnsibleTree> trees() {
        return AnsibleTree.toTest().stream().filter(tree -> tree.problem().isEmpty());
    }

    static Stream<Arguments> treesAndStrategies() {
        return trees().flatMap(tree -> Stream.of(Transport.SPINDLE_LINEAR, Transport.SPINDLE_FREE, Transport.SPINDLE_HOST_PINNED)
                .map(strategy -> Arguments.of(tree, strategy.strategy().orElseThrow())));
    }

    @ParameterizedTest(name = "{1} under {0}")
    @MethodSource("treesAndStrategies")
    void aSpindlePlayRunsEveryTaskThroughTheDaemonOverOneLogin(AnsibleTree tree, String strategy) throws Exception {
        Run run = run(tree, "spindle_play.yml", "-e", "strategy=" + strategy);
        assertAll(
                () -> assertEquals(0, run.exitStatus(), run.output()),
                () -> assertEquals(1, run.logins(), "SSH logins sshd accepted"),
                () -> assertTrue(run.output().contains(SPINDLE_MODULE), "no module went to the daemon"),
                () -> assertFalse(run.output().contains(VANILLA_SSH), "the vanilla ssh plugin ran"),
                () -> assertTrue(run.daemonLog().contains("joined"), "the daemon saw no run: " + run.daemonLog()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trees")
    void vanillaPlaysAroundASpindlePlayStayVanilla(AnsibleTree tree) throws Exception {
        Run run = run(tree, "mixed.yml");
        assertEquals(0, run.exitStatus(), run.output());
        Map<String, String> plays = plays(run.output());
        assertEquals(List.of("vanilla before", "spindle", "vanilla after"), List.copyOf(plays.keySet()), run.output());
        assertAll(
                () -> assertVanilla(plays.get("vanilla before")),
                () -> assertTrue(plays.get("spindle").contains(SPINDLE_MODULE), plays.get("spindle")),
                () -> assertFalse(plays.get("spindle").contains(VANILLA_SSH), plays.get("spindle")),
                () -> assertVanilla(plays.get("vanilla after")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trees")
    void sshAndLocalAreRedirectedAndOtherTransportsPassThrough(AnsibleTree tree) throws Exception {
        Run run = run(tree, "transports.yml");
        assertEquals(0, run.exitStatus(), run.output());
        assertAll(
                () -> assertTrue(run.output().contains("<controller> " + SPINDLE_CONNECTION), "local was not redirected"),
                () -> assertTrue(run.output().contains(SPINDLE_MODULE + "local:"), "no module ran in the local agent"),
                () -> assertTrue(run.output().contains(SPINDLE_MODULE + "ssh:"), "no module ran over ssh"),
                () -> assertFalse(run.output().contains("<recorded> " + SPINDLE_CONNECTION), "recording_local was redirected"),
                () -> assertFalse(run.recorded().isEmpty(), "recording_local ran nothing"),
                () -> assertEquals(1, run.logins(), "SSH logins sshd accepted"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trees")
    void aTaskDelegatedToOneHostForTenRunsForAllAtOnce(AnsibleTree tree) throws Exception {
        Run run = run(tree, "delegated_at_once.yml", "-f", "10");
        assertEquals(0, run.exitStatus(), run.output());
        Matcher span = Pattern.compile("SLEPT (\\d+) SPAN ([\\d.]+)").matcher(run.output());
        assertTrue(span.find(), run.output());
        assertEquals("10", span.group(1), run.output());
        System.out.printf("strategy: %s: ten delegated 2 s sleeps spanned %s s%n", tree.name(), span.group(2));
        // one after the other they would take 20 s; side by side 2 s and the workers' start-up,
        // which a loaded machine stretches
        assertTrue(Double.parseDouble(span.group(2)) < 8.0, "the delegated sleeps spanned " + span.group(2) + " s");
        assertTrue(run.output().contains(SPINDLE_MODULE + "ssh:"), "the delegated task did not go to the daemon");
        assertEquals(1, run.logins(), "SSH logins sshd accepted");
    }

    @Test
    void anUnknownAnsibleCoreGetsOneWarningAndTheConnectionTier() throws Exception {
        // unknown_release/sitecustomize.py makes the installed ansible-core say it is 2.99.0
        Run run = run("unknown-release", Map.of("PYTHONPATH", playbooks.resolve("unknown_release").toString()),
                "unknown_release.yml", null);
        assertAll(
                () -> assertEquals(0, run.exitStatus(), run.output()),
                () -> assertEquals(1, count(run.output(), "[WARNING]: Spindle does not know ansible-core 2.99.0"), run.output()),
                () -> assertEquals(List.of(true, true), playOutputs(run.output()).stream()
                        .map(play -> play.contains(SPINDLE_MODULE + "ssh:")).toList(), "each play's task through spindle_ssh"),
                () -> assertEquals(1, run.logins(), "SSH logins sshd accepted"));
    }

    private static long count(String text, String what) {
        return text.lines().filter(line -> line.contains(what)).count();
    }

    private static void assertVanilla(String play) {
        assertTrue(play.contains(VANILLA_SSH), "the ssh plugin did not run:\n" + play);
        assertFalse(play.contains("SPINDLE"), "Spindle ran in a vanilla play:\n" + play);
    }

    /** Each play's output by its name, in order. */
    private static Map<String, String> plays(String output) {
        Map<String, String> plays = new LinkedHashMap<>();
        for (String play : playOutputs(output)) {
            plays.put(play.substring(0, play.indexOf(']')), play);
        }
        return plays;
    }

    /** Each play's output, from its name on. */
    private static List<String> playOutputs(String output) {
        List<String> parts = List.of(output.split("\nPLAY \\["));
        return parts.subList(1, parts.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trees")
    void theStrategyOfTheInstalledCollectionRuns(AnsibleTree tree) throws Exception {
        Run run = run(tree, "collection_play.yml", installedCollection());
        assertAll(
                () -> assertEquals(0, run.exitStatus(), run.output()),
                () -> assertTrue(run.output().contains(SPINDLE_MODULE), "no module went to the daemon"),
                () -> assertEquals(1, run.logins(), "SSH logins sshd accepted"));
    }

    /** The collection tarball ansible-bridge's package phase built, installed with ansible-galaxy into a temp path. */
    private synchronized Path installedCollection() throws IOException, InterruptedException {
        Path collections = dir.resolve("collections");
        if (Files.isDirectory(collections)) {
            return collections;
        }
        Path tarball;
        try (Stream<Path> built = Files.list(repo.root().resolve("ansible-bridge/target"))) {
            tarball = built.filter(path -> path.getFileName().toString().matches("spindle-ansible-.*\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new IOException("no spindle-ansible-*.tar.gz in ansible-bridge/target: "
                            + "mvn package builds it"));
        }
        BoundedCommand.Result install = BoundedCommand.run(List.of("ansible-galaxy", "collection", "install", "-p",
                collections.toString(), tarball.toString()), "", Duration.ofMinutes(2));
        assertEquals(0, install.status(), install.output());
        return collections;
    }

    private Run run(AnsibleTree tree, String playbook, String... extraArgs) throws IOException, InterruptedException {
        return run(tree, playbook, null, extraArgs);
    }

    /** Runs the playbook with the strategies from the checkout's plugin path, or from {@code collections} when given. */
    private Run run(AnsibleTree tree, String playbook, Path collections, String... extraArgs)
            throws IOException, InterruptedException {
        return run(tree.name(), tree.environment(), playbook, collections, extraArgs);
    }

    /** ... under the ansible-core that {@code ansibleEnvironment} (PYTHONPATH) gives, named {@code release}. */
    private Run run(String release, Map<String, String> ansibleEnvironment, String playbook, Path collections,
                    String... extraArgs) throws IOException, InterruptedException {
        Path runDir = Files.createDirectories(dir.resolve("run-" + (++runs) + "-" + release + "-" + playbook));
        Path runtimeDir = runDir.resolve("spindle-runtime");
        Path recording = runDir.resolve("recording_local.log");
        AnsibleConfig ansibleConfig = AnsibleConfig.forTransport(Transport.VANILLA_SSH, repo, writeInventory(runDir),
                        runDir.resolve("cp"))
                // the test's stand-in transport only: the strategy finds spindle_ssh by itself
                .with("defaults", "connection_plugins", playbooks.resolve("connection_plugins").toString());
        if (collections == null) {
            ansibleConfig.with("defaults", "strategy_plugins", repo.strategyPlugins().toString());
        } else {
            ansibleConfig.with("defaults", "collections_path", collections.toString());
        }
        Path config = ansibleConfig.write(runDir.resolve("ansible.cfg"));
        Map<String, String> env = new HashMap<>(SpindleDaemon.environment(runtimeDir, launcher, "0"));
        env.putAll(ansibleEnvironment);
        env.put("RECORDING_LOCAL_LOG", recording.toString());
        List<String> args = new ArrayList<>(List.of("-vvv", "-e", "out_dir=" + runDir));
        args.addAll(List.of(extraArgs));
        args.add(playbooks.resolve(playbook).toString());
        long loginsBefore = sshd.publicKeyLogins(user());
        try {
            PlaybookRun.Outcome outcome = PlaybookRun.run(runDir, config, env, args, PLAYBOOK_TIMEOUT);
            Path daemonLog = runtimeDir.resolve("daemon.log");
            return new Run(outcome.exitStatus(), Files.readString(outcome.output(), StandardCharsets.UTF_8),
                    sshd.publicKeyLogins(user()) - loginsBefore,
                    Files.exists(daemonLog) ? Files.readString(daemonLog, StandardCharsets.UTF_8) : "",
                    Files.exists(recording) ? Files.readAllLines(recording) : List.of());
        } finally {
            ControlMasters.closeAll(runDir.resolve("cp"));
            Optional<SpindleDaemon> daemon = SpindleDaemon.find(runtimeDir);
            if (daemon.isPresent()) {
                daemon.get().stop();
            }
        }
    }

    /** target over ssh, controller over local, recorded over the stand-in transport: as a vanilla inventory names them. */
    private Path writeInventory(Path runDir) throws IOException {
        String target = String.join(" ", "target ansible_connection=ssh ansible_host=127.0.0.1",
                "ansible_port=" + sshd.port(), "ansible_user=" + user(),
                "ansible_ssh_private_key_file=" + sshd.clientKey(),
                "ansible_ssh_common_args='-o UserKnownHostsFile=" + sshd.knownHosts() + " -o StrictHostKeyChecking=yes'");
        return Files.writeString(runDir.resolve("inventory.ini"), String.join("\n",
                "[target]", target,
                "[controller]", "controller ansible_connection=local",
                "[recorded]", "recorded ansible_connection=recording_local",
                // never reached: delegated_at_once.yml delegates all their tasks to target
                "[many]", "many[01:10]",
                "[all:vars]", "ansible_python_interpreter=/usr/bin/python3", ""), StandardCharsets.UTF_8);
    }

    private static String user() {
        return System.getProperty("user.name");
    }
}
