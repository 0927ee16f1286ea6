package dev.spindle.bench;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.spindle.cli.Main.UsageException;

/**
 * The command line of {@code spindle bench ansible --login USER [--rounds N] [--ansible DIR] [--mitogen DIR] [--only KEYS]}:
 * the plain account the target is logged into (with passwordless sudo for the sudo scenario), how many interleaved rounds, which ansible-core runs them (see {@link AnsibleCore#at}), a
 * Mitogen checkout whose {@code mitogen_linear} becomes one more column, and which scenarios
 * (comma-separated keys: hostname, sudo, mixed, cold; all by default; the floor always runs).
 */
record AnsibleBenchOptions(String login, int rounds, AnsibleCore ansible, Optional<Column> mitogen, Set<String> onlyKeys) {

    static final String USAGE = "spindle bench ansible --login USER [--rounds N] [--ansible DIR] [--mitogen DIR]"
            + " [--only hostname,sudo,mixed,cold]  (sudo scripts/bench-ansible.sh [OPTIONS] makes a throwaway USER)";
    static final Set<String> SCENARIO_KEYS = Set.of("hostname", "sudo", "mixed", "cold");
    static final int DEFAULT_ROUNDS = 3;

    static AnsibleBenchOptions parse(List<String> args) throws UsageException {
        String login = null;
        int rounds = DEFAULT_ROUNDS;
        AnsibleCore ansible = AnsibleCore.installed();
        Optional<Column> mitogen = Optional.empty();
        Set<String> only = SCENARIO_KEYS;
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new UsageException(option + " needs a value\nusage: " + USAGE);
            }
            String value = args.get(i + 1);
            try {
                switch (option) {
                    case "--login" -> login = value;
                    case "--rounds" -> rounds = rounds(value);
                    case "--ansible" -> ansible = AnsibleCore.at(Path.of(value));
                    case "--mitogen" -> mitogen = Optional.of(Column.mitogen(Path.of(value)));
                    case "--only" -> only = scenarioKeys(value);
                    default -> throw new IllegalArgumentException("unknown option '" + option + "'");
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage() + "\nusage: " + USAGE);
            }
        }
        if (login == null) {
            throw new UsageException("--login USER is required\nusage: " + USAGE);
        }
        return new AnsibleBenchOptions(login, rounds, ansible, mitogen, only);
    }

    /** The scenarios of {@code all} that {@code --only} kept. */
    List<Scenario> only(List<Scenario> all) {
        return all.stream().filter(scenario -> onlyKeys.contains(scenario.key())).toList();
    }

    private static Set<String> scenarioKeys(String value) {
        Set<String> keys = new LinkedHashSet<>(List.of(value.split(",")));
        for (String key : keys) {
            if (!SCENARIO_KEYS.contains(key)) {
                throw new IllegalArgumentException("--only takes scenario keys " + new TreeSet<>(SCENARIO_KEYS) + ", not '" + key + "'");
            }
        }
        return Set.copyOf(keys);
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
