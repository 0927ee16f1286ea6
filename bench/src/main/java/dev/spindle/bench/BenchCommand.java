package dev.spindle.bench;

import java.util.List;

import dev.spindle.cli.Main.UsageException;

/** {@code spindle bench WHAT}: benchmarks that print ratios against a baseline measured in the same run. */
final class BenchCommand {

    private BenchCommand() {
    }

    private static final String USAGE = "usage: spindle bench spine [--user USER] | " + AnsibleBenchOptions.USAGE;

    static int run(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(USAGE);
        }
        return switch (args.get(0)) {
            case "spine" -> new SpineBenchmark(spineUser(args.subList(1, args.size()))).run();
            case "ansible" -> AnsibleComparisonCommands.benchmark(AnsibleBenchOptions.parse(args.subList(1, args.size())));
            default -> throw new UsageException("unknown benchmark '" + args.get(0) + "' (known: spine, ansible)");
        };
    }

    /** The login user of the spine benchmark: yourself, or (as root) another account, e.g. one without a heavy shell rc. */
    private static String spineUser(List<String> options) throws UsageException {
        if (options.isEmpty()) {
            return System.getProperty("user.name");
        }
        if (options.size() == 2 && options.get(0).equals("--user")) {
            return options.get(1);
        }
        throw new UsageException(USAGE);
    }
}
