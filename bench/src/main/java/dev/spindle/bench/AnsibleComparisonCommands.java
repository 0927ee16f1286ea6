package dev.spindle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code spindle bench ansible} and {@code spindle demo}: the same vanilla-against-Spindle
 * comparison, as a benchmark against a private OpenSSH server (three interleaved pairs), or as
 * the demo against the embedded SSH target or a real host (one pair).
 */
public final class AnsibleComparisonCommands {

    private static final int BENCHMARK_PAIRS = 3;
    private static final int DEMO_PAIRS = 1;
    private static final String DEMO_USAGE = "usage: spindle demo [--target USER@HOST[:PORT]]";

    /** Starts what a comparison runs against, in its work directory. */
    private interface TargetStarter {
        ComparisonTarget start(Path dir) throws Exception;
    }

    private AnsibleComparisonCommands() {
    }

    /** {@code spindle bench ansible}. */
    public static int benchmark() {
        String user = System.getProperty("user.name");
        return compare("spindle bench ansible", BENCHMARK_PAIRS, dir -> LoopbackTarget.openSsh(user, dir));
    }

    /** {@code spindle demo [--target USER@HOST[:PORT]]}; exit status 2 for a bad command line. */
    public static int demo(List<String> args) {
        if (args.isEmpty()) {
            String user = System.getProperty("user.name");
            return compare("spindle demo", DEMO_PAIRS, dir -> LoopbackTarget.embedded(user, dir));
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
        return compare("spindle demo", DEMO_PAIRS, dir -> target);
    }

    private static int compare(String command, int pairs, TargetStarter starter) {
        RepositoryLayout repo = RepositoryLayout.ofRunningCode();
        if (!PlaybookRun.available()) {
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
            try (ComparisonTarget target = starter.start(dir)) {
                System.out.printf("%s: %d x `command: hostname` with vanilla ssh and with spindle_ssh against %s%n",
                        command, AnsibleComparison.TASKS, target.description());
                AnsibleComparison.Results results = new AnsibleComparison(repo, target, dir).run(pairs, System.out);
                String runs = pairs == 1 ? "one run each" : "medians of " + pairs + " interleaved runs each";
                ComparisonTable.print(System.out, "\nAnsible, " + AnsibleComparison.TASKS + " tasks against "
                        + target.description() + " (" + runs + "):", results);
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

    /** The work directory holds only run outputs: when it can't be removed, it is left in the temp dir. */
    private static void removeQuietly(Path dir) throws IOException, InterruptedException {
        BoundedCommand.run(List.of("rm", "-rf", dir.toString()), "", Duration.ofSeconds(60));
    }
}
