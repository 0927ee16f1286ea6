package dev.spindle.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Runs every scenario under every column, round after round, interleaved so that the machine's
 * noise hits all alike: each round runs the floor (100 x {@code debug}) once, then each scenario
 * under each column, starting each scenario at the next column (the order rotates per round).
 * An optional warm-up round (the first scenario under each column, not recorded) fills caches.
 *
 * <p>Every run starts fresh: vanilla gets a new ControlPath directory, a daemon column a new
 * runtime directory and so a new login. For a warm scenario the harness starts the daemon
 * before the clock, as a long-lived service would be; for a cold one the plugin starts it on
 * the clock, as a first run of the day would. Either way the harness stops it after the run.
 */
final class AnsibleComparison {

    static final String FLOOR_PLAYBOOK = "run_debug_100_times.yml";
    static final int FLOOR_TASKS = 100;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    /** The harness stops the daemon; it must not leave on its own between the runs of one measurement. */
    private static final String PERSIST = "10m";
    private static final String RUN_DIR_PREFIX = "run-";
    private static final String RUNTIME_DIR = "spindle-runtime";

    /** Every recorded run, per scenario and column in run order, and the floor's. */
    record Results(List<Column> columns, List<Scenario> scenarios, Map<Scenario, Map<Column, List<Measurement>>> runs,
                   List<Measurement> floor) {

        List<Measurement> of(Scenario scenario, Column column) {
            return runs.get(scenario).get(column);
        }
    }

    private final RepositoryLayout repo;
    private final AnsibleCore ansible;
    private final ComparisonTarget target;
    private final Path workDir;
    private final Path launcher;
    private int runs;

    AnsibleComparison(RepositoryLayout repo, AnsibleCore ansible, ComparisonTarget target, Path workDir) throws IOException {
        this.repo = repo;
        this.ansible = ansible;
        this.target = target;
        this.workDir = workDir;
        // The daemon starts as users start it, class-data archive included (the cold run measures
        // that start): `spindle bench` and `spindle demo` built the jars it runs just before.
        this.launcher = repo.launcher();
    }

    Results run(List<Column> columns, List<Scenario> scenarios, int rounds, boolean warmUp, PrintStream progress)
            throws IOException, InterruptedException {
        if (warmUp) {
            progress.printf("  warm-up (not recorded): %s under each column%n", scenarios.get(0).title());
            for (Column column : columns) {
                measure(column, scenarios.get(0));
            }
        }
        Map<Scenario, Map<Column, List<Measurement>>> recorded = new LinkedHashMap<>();
        for (Scenario scenario : scenarios) {
            Map<Column, List<Measurement>> byColumn = new LinkedHashMap<>();
            columns.forEach(column -> byColumn.put(column, new ArrayList<>()));
            recorded.put(scenario, byColumn);
        }
        List<Measurement> floor = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Measurement floorRun = measure(Column.vanilla(), floorScenario());
            floor.add(floorRun);
            progress.printf("  round %d of %d: %d x debug %s%n", round + 1, rounds, FLOOR_TASKS,
                    ComparisonTable.seconds(floorRun.wall()));
            for (Scenario scenario : scenarios) {
                StringBuilder line = new StringBuilder("    " + scenario.title() + ":");
                for (Column column : rotated(columns, round)) {
                    Measurement m = measure(column, scenario);
                    recorded.get(scenario).get(column).add(m);
                    line.append(' ').append(column.label()).append(' ').append(ComparisonTable.seconds(m.wall())).append(',');
                }
                progress.println(line.substring(0, line.length() - 1));
            }
        }
        return new Results(List.copyOf(columns), List.copyOf(scenarios), recorded, floor);
    }

    static Scenario floorScenario() {
        return new Scenario("floor", FLOOR_TASKS + " x debug", FLOOR_PLAYBOOK, List.of(), FLOOR_TASKS, false);
    }

    /** {@code columns} starting at {@code round}'s column: no column always runs first (or last). */
    static List<Column> rotated(List<Column> columns, int round) {
        List<Column> order = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            order.add(columns.get((round + i) % columns.size()));
        }
        return order;
    }

    private Measurement measure(Column column, Scenario scenario) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(workDir.resolve(RUN_DIR_PREFIX + (++runs) + "-" + column.label().replaceAll("\\W+", "_")));
        Path controlPaths = dir.resolve("cp");
        Path runtimeDir = dir.resolve(RUNTIME_DIR);
        Map<String, String> env = column.usesSpindleDaemon() ? SpindleDaemon.environment(runtimeDir, launcher, PERSIST) : Map.of();
        Counters before = counters();
        SpindleDaemon daemon = column.usesSpindleDaemon() && !scenario.cold() ? SpindleDaemon.start(launcher, runtimeDir, PERSIST) : null;
        PlaybookRun.Outcome outcome;
        Duration controllerCpu;
        Optional<Duration> daemonCpu = Optional.empty();
        try {
            Duration daemonBefore = daemon == null ? Duration.ZERO : daemon.cpu();
            outcome = runPlaybook(column, scenario, dir, env);
            controllerCpu = outcome.treeCpu().plus(ControlMasters.cpu(controlPaths));
            if (column.usesSpindleDaemon() && daemon == null) {
                daemon = SpindleDaemon.find(runtimeDir).orElse(null); // the one the plugin started, on the clock
            }
            if (daemon != null) {
                daemonCpu = Optional.of(daemon.cpu().minus(daemonBefore));
            }
        } finally {
            ControlMasters.closeAll(controlPaths);
            // a cold run that failed leaves the daemon its plugin started: it goes too
            SpindleDaemon started = daemon != null || !column.usesSpindleDaemon() ? daemon : SpindleDaemon.find(runtimeDir).orElse(null);
            if (started != null) {
                started.stop();
            }
        }
        Counters after = counters(); // after the sessions closed: the target's CPU counts only ended sessions
        return new Measurement(outcome.wall(), controllerCpu, daemonCpu, after.targetCpuSince(before),
                after.bytesSince(before), after.loginsSince(before));
    }

    /** Stops every daemon a run in {@code workDir} started that is still up (an interrupted comparison's). */
    static void stopDaemons(Path workDir) throws IOException, InterruptedException {
        if (!Files.isDirectory(workDir)) {
            return; // removed after a normal end
        }
        List<Path> runDirs;
        try (Stream<Path> entries = Files.list(workDir)) {
            runDirs = entries.filter(path -> path.getFileName().toString().startsWith(RUN_DIR_PREFIX)).toList();
        }
        for (Path runDir : runDirs) {
            Optional<SpindleDaemon> daemon = SpindleDaemon.find(runDir.resolve(RUNTIME_DIR));
            if (daemon.isPresent()) {
                daemon.get().stop();
            }
        }
    }

    private PlaybookRun.Outcome runPlaybook(Column column, Scenario scenario, Path dir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path inventory = InventoryHost.writeInventory(dir.resolve("inventory.ini"), Map.of("targets", List.of(target.host())));
        Path config = AnsibleConfig.forColumn(column, repo, inventory, dir.resolve("cp")).write(dir.resolve("ansible.cfg"));
        List<String> args = new ArrayList<>(scenario.arguments());
        args.add(repo.examples().resolve(scenario.playbook()).toString());
        PlaybookRun.Outcome outcome = PlaybookRun.run(ansible, dir, config, env, args, RUN_TIMEOUT);
        if (!outcome.succeeded()) {
            throw new IOException(scenario.title() + " failed under " + column.label() + " (exit status "
                    + outcome.exitStatus() + "):\n" + outcome.tail(25));
        }
        return outcome;
    }

    private Counters counters() throws IOException, InterruptedException {
        return new Counters(target.wireBytes(), target.logins(), target.targetCpu());
    }

    /** The target's counters at one moment. */
    private record Counters(OptionalLong bytes, OptionalLong logins, Optional<Duration> targetCpu) {

        OptionalLong bytesSince(Counters earlier) {
            return difference(bytes, earlier.bytes);
        }

        OptionalLong loginsSince(Counters earlier) {
            return difference(logins, earlier.logins);
        }

        Optional<Duration> targetCpuSince(Counters earlier) {
            return targetCpu.flatMap(now -> earlier.targetCpu.map(now::minus));
        }

        private static OptionalLong difference(OptionalLong now, OptionalLong then) {
            return now.isPresent() && then.isPresent() ? OptionalLong.of(now.getAsLong() - then.getAsLong()) : OptionalLong.empty();
        }
    }
}
