package dev.spindle.bench;

/** The two ways the harnesses run the same playbooks: Ansible's own ssh plugin, and Spindle's. */
public enum Transport {
    VANILLA_SSH("ssh", "vanilla ssh"),
    SPINDLE_SSH("spindle_ssh", "spindle_ssh");

    private final String pluginName;
    private final String label;

    Transport(String pluginName, String label) {
        this.pluginName = pluginName;
        this.label = label;
    }

    /** The name ansible.cfg's {@code transport} takes. */
    public String pluginName() {
        return pluginName;
    }

    /** How reports name it. */
    public String label() {
        return label;
    }
}
