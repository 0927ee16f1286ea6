package dev.spindle.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Runs {@code examples/run_hostname_100_times.yml} with vanilla ssh and with spindle_ssh,
 * interleaved pair by pair so that the machine's noise hits both alike, plus the 100 x debug
 * floor each pair. Every run starts cold: vanilla gets a fresh ControlPath directory, Spindle a
 * fresh daemon (started before the clock, as a long-lived service would be) and so a fresh login.
 */
final class AnsibleComparison {

    static final String WORK_PLAYBOOK = "run_hostname_100_times.yml";
    static final String FLOOR_PLAYBOOK = "run_debug_100_times.yml";
    static final int TASKS = 100;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    /** Every run of one comparison, in pair order. */
    record Results(List<Measurement> vanilla, List<Measurement> spindle, List<Measurement> floor) {
    }

    private final RepositoryLayout repo;
    private final ComparisonTarget target;
    private final Path workDir;
    private final Path launcher;
    private int runs;

    AnsibleComparison(RepositoryLayout repo, ComparisonTarget target, Path workDir) throws IOException {
        this.repo = repo;
        this.target = target;
        this.workDir = workDir;
        this.launcher = SpindleDaemon.writeLauncher(workDir);
    }

    Results run(int pairs, PrintStream progress) throws IOException, InterruptedException {
        Results results = new Results(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int pair = 1; pair <= pairs; pair++) {
            Measurement vanilla = vanilla(WORK_PLAYBOOK);
            Measurement spindle = spindle();
            Measurement floor = vanilla(FLOOR_PLAYBOOK);
            results.vanilla().add(vanilla);
            results.spindle().add(spindle);
            results.floor().add(floor);
            progress.printf("  run %d of %d: vanilla ssh %s, spindle_ssh %s, 100 x debug %s%n", pair, pairs,
                    ComparisonTable.seconds(vanilla.wall()), ComparisonTable.seconds(spindle.wall()),
                    ComparisonTable.seconds(floor.wall()));
        }
        return results;
    }

    private Measurement vanilla(String playbook) throws IOException, InterruptedException {
        Path dir = newRunDir(Transport.VANILLA_SSH);
        Path controlPaths = dir.resolve("cp");
        try {
            Counters before = counters();
            PlaybookRun.Outcome outcome = runPlaybook(Transport.VANILLA_SSH, playbook, dir, Map.of());
            Counters after = counters();
            return new Measurement(outcome.wall(), outcome.treeCpu().plus(ControlMasters.cpu(controlPaths)),
                    after.bytesSince(before), after.loginsSince(before));
        } finally {
            ControlMasters.closeAll(controlPaths);
        }
    }

    private Measurement spindle() throws IOException, InterruptedException {
        Path dir = newRunDir(Transport.SPINDLE_SSH);
        Path runtimeDir = dir.resolve("spindle-runtime");
        String persist = "10m"; // the harness stops it; it must not leave on its own between runs
        SpindleDaemon daemon = SpindleDaemon.start(launcher, runtimeDir, persist);
        try {
            Duration daemonBefore = daemon.cpu();
            Counters before = counters();
            PlaybookRun.Outcome outcome = runPlaybook(Transport.SPINDLE_SSH, WORK_PLAYBOOK, dir,
                    SpindleDaemon.environment(runtimeDir, launcher, persist));
            Counters after = counters();
            return new Measurement(outcome.wall(), outcome.treeCpu().plus(daemon.cpu().minus(daemonBefore)),
                    after.bytesSince(before), after.loginsSince(before));
        } finally {
            daemon.stop();
        }
    }

    private Path newRunDir(Transport transport) throws IOException {
        return Files.createDirectories(workDir.resolve("run-" + (++runs) + "-" + transport.shortName()));
    }

    private PlaybookRun.Outcome runPlaybook(Transport transport, String playbook, Path dir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path inventory = InventoryHost.writeInventory(dir.resolve("inventory.ini"), Map.of("targets", List.of(target.host())));
        Path config = AnsibleConfig.forTransport(transport, repo, inventory, dir.resolve("cp")).write(dir.resolve("ansible.cfg"));
        PlaybookRun.Outcome outcome = PlaybookRun.run(dir, config, env,
                List.of(repo.examples().resolve(playbook).toString()), RUN_TIMEOUT);
        if (!outcome.succeeded()) {
            throw new IOException(playbook + " failed under " + transport.label() + " (exit status " + outcome.exitStatus()
                    + "):\n" + outcome.tail(25));
        }
        return outcome;
    }

    private Counters counters() throws IOException {
        return new Counters(target.wireBytes(), target.logins());
    }

    /** The target's counters at one moment. */
    private record Counters(OptionalLong bytes, OptionalLong logins) {

        OptionalLong bytesSince(Counters earlier) {
            return difference(bytes, earlier.bytes);
        }

        OptionalLong loginsSince(Counters earlier) {
            return difference(logins, earlier.logins);
        }

        private static OptionalLong difference(OptionalLong now, OptionalLong then) {
            return now.isPresent() && then.isPresent() ? OptionalLong.of(now.getAsLong() - then.getAsLong()) : OptionalLong.empty();
        }
    }
}
