package dev.spindle.bench;

import java.util.Optional;

/**
 * The ways the harnesses run the same playbooks: Ansible's own ssh plugin, Spindle's connection
 * plugin, and Spindle's strategies, which leave the transport at ssh and redirect it themselves.
 */
public enum Transport {
    VANILLA_SSH("ssh", "vanilla ssh", "ssh", null),
    SPINDLE_SSH("spindle_ssh", "spindle_ssh", "spindle_ssh", null),
    SPINDLE_LINEAR("spindle_linear", "spindle_linear", "ssh", "spindle_linear"),
    SPINDLE_FREE("spindle_free", "spindle_free", "ssh", "spindle_free"),
    SPINDLE_HOST_PINNED("spindle_host_pinned", "spindle_host_pinned", "ssh", "spindle_host_pinned");

    private final String shortName;
    private final String label;
    private final String connection;
    private final String strategy;

    Transport(String shortName, String label, String connection, String strategy) {
        this.shortName = shortName;
        this.label = label;
        this.connection = connection;
        this.strategy = strategy;
    }

    /** How {@code -Dspindle.equivalence.candidate} and run directories name it: the plugin that makes the difference. */
    public String shortName() {
        return shortName;
    }

    /** How reports name it. */
    public String label() {
        return label;
    }

    /** The name ansible.cfg's {@code transport} takes. */
    public String connection() {
        return connection;
    }

    /** The Spindle strategy ansible.cfg's {@code strategy} names, if any. */
    public Optional<String> strategy() {
        return Optional.ofNullable(strategy);
    }

    /** Whether its runs go through a Spindle daemon. */
    public boolean usesSpindle() {
        return this != VANILLA_SSH;
    }
}
