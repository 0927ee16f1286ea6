package dev.spindle.bench;

import java.util.List;

/**
 * One playbook run of the benchmark, under every column: its key (what {@code --only} names), its title, the playbook (in the
 * checkout's examples), extra ansible-playbook arguments, how many tasks it has (for per-task
 * figures), and whether it starts cold (no Spindle daemon up before it: the plugin starts one,
 * on the clock).
 */
public record Scenario(String key, String title, String playbook, List<String> arguments, int tasks, boolean cold) {

    public Scenario {
        arguments = List.copyOf(arguments);
    }
}
