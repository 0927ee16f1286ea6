package dev.spindle.bridge.cli;

import java.util.List;

import dev.spindle.bridge.cli.Main.UsageException;

/** {@code spindle bench WHAT}: benchmarks that print ratios against a baseline measured in the same run. */
final class BenchCommand {

    private BenchCommand() {
    }

    static int run(List<String> args) throws UsageException {
        if (args.size() != 1) {
            throw new UsageException("usage: spindle bench spine|ansible");
        }
        return switch (args.get(0)) {
            case "spine" -> new SpineBenchmark().run();
            case "ansible" -> dev.spindle.bridge.bench.AnsibleComparisonCommands.benchmark();
            default -> throw new UsageException("unknown benchmark '" + args.get(0) + "' (known: spine, ansible)");
        };
    }
}
