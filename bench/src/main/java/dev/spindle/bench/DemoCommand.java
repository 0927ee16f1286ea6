package dev.spindle.bench;

import java.util.List;

import dev.spindle.bench.AnsibleComparisonCommands;

/**
 * {@code spindle demo [--target USER@HOST[:PORT]]}: the README's first command. Runs 100 Ansible
 * tasks with vanilla ssh and with spindle_ssh against the embedded SSH target (or a real host)
 * and prints the comparison table.
 */
final class DemoCommand {

    private DemoCommand() {
    }

    static int run(List<String> args) {
        return AnsibleComparisonCommands.demo(args);
    }
}
