package dev.spindle.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code spindle bench ansible} and {@code spindle demo}: the same comparison, as a benchmark
 * (every scenario, every column, interleaved rounds after a warm-up, against a private OpenSSH
 * server logged into as a throwaway plain account), or as the demo (100 x hostname, vanilla
 * against spindle_ssh, once, against the embedded SSH target or a real host, as yourself).
 */
public final class AnsibleComparisonCommands {

    private static final int DEMO_ROUNDS = 1;
    private static final String DEMO_USAGE = "usage: spindle demo [--target USER@HOST[:PORT]]";
    private static final String HOSTNAME_PLAYBOOK = "run_hostname_100_times.yml";
    private static final String MIXED_PLAYBOOK = "bench_mixed_30_tasks.yml";
    private static final String COLD_PLAYBOOK = "bench_cold_5_tasks.yml";
    private static final int BLOB_BYTES = 20 * 1024 * 1024;

    /** Starts what a comparison runs against, in its work directory. */
    private interface TargetStarter {
        ComparisonTarget start(Path dir) throws Exception;
    }

    /** What to run once the target is up: the scenarios may name paths in the work directory and on the target. */
    private interface Plan {
        List<Scenario> scenarios(Path dir) throws IOException;
    }

    private AnsibleComparisonCommands() {
    }

    /** {@code spindle bench ansible --login USER [...]}, parsed. */
    static int benchmark(AnsibleBenchOptions options) {
        String command = "spindle bench ansible";
        List<Column> columns = new ArrayList<>(List.of(Column.vanilla(), Column.spindleSsh(), Column.spindleLinear()));
        options.mitogen().ifPresent(columns::add);
        try {
            // a plain account (scripts/bench-ansible.sh makes a throwaway one): the target's
            // login shell runs in every SSH exec, so its rc files would be measured too
            Path home = homeOf(options.login());
            return compare(command, options.ansible(), columns, options.rounds(), true,
                    dir -> LoopbackTarget.openSsh(options.login(), dir), dir -> options.only(benchmarkScenarios(dir, home)));
        } catch (IOException | InterruptedException e) {
            System.err.println(command + ": " + e.getMessage());
            return 1;
        }
    }

    private static Path homeOf(String user) throws IOException, InterruptedException {
        BoundedCommand.Result entry = BoundedCommand.run(List.of("getent", "passwd", user), "", Duration.ofSeconds(10));
        String[] fields = entry.output().strip().split(":", -1);
        if (entry.status() != 0 || fields.length < 6) {
            throw new IOException("--login " + user + ": no such account (scripts/bench-ansible.sh makes a throwaway one)");
        }
        return Path.of(fields[5]);
    }

    /** {@code spindle demo [--target USER@HOST[:PORT]]}; exit status 2 for a bad command line. */
    public static int demo(List<String> args) {
        List<Column> columns = List.of(Column.vanilla(), Column.spindleSsh(), Column.spindleLinear());
        Plan hostnameOnly = dir -> List.of(hostname(false));
        if (args.isEmpty()) {
            String user = System.getProperty("user.name");
            return compare("spindle demo", AnsibleCore.installed(), columns, DEMO_ROUNDS, false,
                    dir -> LoopbackTarget.embedded(user, dir), hostnameOnly);
        }
        if (args.size() != 2 || !args.get(0).equals("--target")) {
            System.err.println(DEMO_USAGE);
            return 2;
        }
        RemoteTarget target;
        try {
            target = RemoteTarget.parse(args.get(1));
        } catch (IllegalArgumentException e) {
            System.err.println("spindle demo: " + e.getMessage() + "\n" + DEMO_USAGE);
            return 2;
        }
        return compare("spindle demo", AnsibleCore.installed(), columns, DEMO_ROUNDS, false, dir -> target, hostnameOnly);
    }

    private static Scenario hostname(boolean become) {
        return new Scenario(become ? "sudo" : "hostname", "100 x command: hostname" + (become ? " with sudo (become)" : ""),
                HOSTNAME_PLAYBOOK,
                become ? List.of("--become") : List.of(), 100, false);
    }

    /** The benchmark's scenarios; the mixed playbook's 20 MiB file is written into {@code dir}. */
    private static List<Scenario> benchmarkScenarios(Path dir, Path home) throws IOException {
        Path blob = dir.resolve("blob-20MiB.bin");
        writeRandom(blob, BLOB_BYTES);
        return List.of(
                hostname(false),
                hostname(true),
                new Scenario("mixed", "30 mixed tasks (copy 20 MiB, template, file, loops...)", MIXED_PLAYBOOK,
                        List.of("-e", "bench_dir=" + home.resolve("mixed"), "-e", "bench_blob=" + blob,
                                "-e", "bench_fetched=" + dir.resolve("fetched")), 30, false),
                new Scenario("cold", "5 tasks", COLD_PLAYBOOK, List.of("-e", "bench_dir=" + home.resolve("cold")), 5, true));
    }

    /** Incompressible, so neither ssh's nor Spindle's compression makes the copy look cheaper than a real file's. */
    private static void writeRandom(Path file, int size) throws IOException {
        Random random = new Random(20_971_520L);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, Math.min(chunk.length, size - written));
            }
        }
    }

    private static int compare(String command, AnsibleCore ansible, List<Column> columns, int rounds, boolean warmUp,
                               TargetStarter starter, Plan plan) {
        RepositoryLayout repo = RepositoryLayout.ofRunningCode();
        if (ansible.pythonPath().isEmpty() && !PlaybookRun.available()) {
            System.err.println(command + ": ansible-playbook is not on the PATH (scripts/setup.sh installs ansible-core)");
            return 1;
        }
        if (!Files.isRegularFile(repo.spindleSshPlugin())) {
            System.err.println(command + ": the spindle_ssh connection plugin is missing: " + repo.spindleSshPlugin());
            return 1;
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("spindle-ansible-comparison-");
            String version = "ansible-core " + ansible.version()
                    + ansible.pythonPath().map(path -> " (from " + path + ")").orElse(" (installed)");
            try (ComparisonTarget target = starter.start(dir)) {
                stopOnExit(target, dir);
                List<Scenario> scenarios = plan.scenarios(dir);
                String runs = rounds == 1 ? "one run each" : "medians of " + rounds + " interleaved rounds";
                System.out.printf("%s: %s, against %s as %s; %s%n", command, version, target.description(),
                        target.host().user(), runs);
                AnsibleComparison.Results results = new AnsibleComparison(repo, ansible, target, dir)
                        .run(columns, scenarios, rounds, warmUp, System.out);
                System.out.println();
                ComparisonTable.print(System.out, results);
            }
            removeQuietly(dir);
            return 0;
        } catch (Exception e) {
            System.err.println(command + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (dir != null) {
                System.err.println(command + ": the runs' configuration and output are kept in " + dir);
            }
            return 1;
        }
    }

    /** An interrupted run (Ctrl-C) must leave neither its sshd nor a daemon; after a normal end this finds nothing to do. */
    private static void stopOnExit(ComparisonTarget target, Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                AnsibleComparison.stopDaemons(dir);
            } catch (IOException | InterruptedException e) {
                System.err.println("could not stop the Spindle daemons of " + dir + ": " + e.getMessage());
            }
            try {
                target.close();
            } catch (IOException e) {
                System.err.println("could not stop " + target.description() + ": " + e.getMessage());
            }
        }, "stop-comparison"));
    }

    /** The work directory holds only run outputs: when it can't be removed, it is left in the temp dir. */
    private static void removeQuietly(Path dir) throws IOException, InterruptedException {
        BoundedCommand.run(List.of("rm", "-rf", dir.toString()), "", Duration.ofSeconds(60));
    }
}
