package dev.spindle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One way of running Ansible that {@code spindle bench ansible} compares, a column of its table:
 * a connection plugin, optionally a strategy with the folders its plugins come from, and whether
 * it talks to a Spindle daemon (which the harness then starts, stops and counts). A strategy
 * column is a strategy name and plugin paths, e.g. Mitogen's {@code mitogen_linear}; Spindle's own
 * strategies come with their {@link Transport}, which writes their ansible.cfg.
 */
public record Column(String label, Transport transport, Optional<String> strategy, List<Path> strategyPlugins,
                     boolean usesSpindleDaemon) {

    public static Column vanilla() {
        return new Column("vanilla ssh", Transport.VANILLA_SSH, Optional.empty(), List.of(), false);
    }

    public static Column spindleSsh() {
        return new Column("spindle_ssh", Transport.SPINDLE_SSH, Optional.empty(), List.of(), true);
    }

    /** The strategy tier: spindle_linear over Ansible's ssh transport, which it redirects (and plans modules). */
    public static Column spindleLinear() {
        return new Column("spindle_linear", Transport.SPINDLE_LINEAR, Optional.empty(), List.of(), true);
    }

    /** A strategy plugin over Ansible's own ssh connection (the strategy decides what it does with it). */
    public static Column strategy(String label, String strategy, List<Path> plugins, boolean usesSpindleDaemon) {
        return new Column(label, Transport.VANILLA_SSH, Optional.of(strategy), List.copyOf(plugins), usesSpindleDaemon);
    }

    /**
     * Mitogen's {@code mitogen_linear} from a Mitogen checkout (or unpacked release) at {@code dir};
     * IllegalArgumentException when {@code dir} doesn't hold it.
     */
    public static Column mitogen(Path dir) {
        Path strategies = dir.toAbsolutePath().normalize().resolve("ansible_mitogen/plugins/strategy");
        if (!Files.isRegularFile(strategies.resolve("mitogen_linear.py"))) {
            throw new IllegalArgumentException("no Mitogen in " + dir + " (looked for "
                    + strategies.resolve("mitogen_linear.py") + "): give a mitogen-hq/mitogen checkout");
        }
        return strategy("Mitogen", "mitogen_linear", List.of(strategies), false);
    }
}
