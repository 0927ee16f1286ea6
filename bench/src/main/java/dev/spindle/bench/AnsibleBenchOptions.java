package dev.spindle.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.spindle.cli.Main.UsageException;

/**
 * The command line of {@code spindle bench ansible [--rounds N] [--ansible DIR] [--mitogen DIR]}:
 * how many interleaved rounds, which ansible-core runs them (see {@link AnsibleCore#at}), and a
 * Mitogen checkout whose {@code mitogen_linear} becomes one more column.
 */
record AnsibleBenchOptions(int rounds, AnsibleCore ansible, Optional<Column> mitogen) {

    static final String USAGE = "spindle bench ansible [--rounds N] [--ansible DIR] [--mitogen DIR]";
    static final int DEFAULT_ROUNDS = 3;

    static AnsibleBenchOptions parse(List<String> args) throws UsageException {
        int rounds = DEFAULT_ROUNDS;
        AnsibleCore ansible = AnsibleCore.installed();
        Optional<Column> mitogen = Optional.empty();
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new UsageException(option + " needs a value\nusage: " + USAGE);
            }
            String value = args.get(i + 1);
            try {
                switch (option) {
                    case "--rounds" -> rounds = rounds(value);
                    case "--ansible" -> ansible = AnsibleCore.at(Path.of(value));
                    case "--mitogen" -> mitogen = Optional.of(Column.mitogen(Path.of(value)));
                    default -> throw new IllegalArgumentException("unknown option '" + option + "'");
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage() + "\nusage: " + USAGE);
            }
        }
        return new AnsibleBenchOptions(rounds, ansible, mitogen);
    }

    private static int rounds(String value) {
        try {
            int rounds = Integer.parseInt(value);
            if (rounds >= 1) {
                return rounds;
            }
        } catch (NumberFormatException notANumber) {
            // the same message as for zero
        }
        throw new IllegalArgumentException("--rounds wants a whole number of at least 1, not '" + value + "'");
    }
}
