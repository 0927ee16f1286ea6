package dev.spindle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ansible.cfg of one run. Vanilla and Spindle runs get the same file but for the transport
 * or strategy (and where to find it), so any difference in results or cost comes from the transport alone.
 * Vanilla is set up the fast way Ansible documents: pipelining on, and OpenSSH multiplexing with
 * ControlPersist=60s whose sockets live in a directory of this run only.
 */
public final class AnsibleConfig {

    /** Ansible's own default ssh_args, spelled out so the report says what vanilla ran with. */
    public static final String VANILLA_SSH_ARGS = "-C -o ControlMaster=auto -o ControlPersist=60s";

    private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();

    private AnsibleConfig() {
    }

    public static AnsibleConfig forTransport(Transport transport, RepositoryLayout repo, Path inventory, Path controlPathDir) {
        AnsibleConfig config = new AnsibleConfig()
                .with("defaults", "inventory", inventory.toString())
                .with("defaults", "transport", transport.connection())
                .with("defaults", "retry_files_enabled", "False")
                .with("defaults", "host_key_checking", "True")
                .with("ssh_connection", "pipelining", "True")
                .with("ssh_connection", "ssh_args", VANILLA_SSH_ARGS)
                .with("ssh_connection", "control_path_dir", controlPathDir.toString());
        if (transport == Transport.SPINDLE_SSH) {
            config.with("defaults", "connection_plugins", repo.connectionPlugins().toString());
        }
        transport.strategy().ifPresent(strategy -> config.with("defaults", "strategy", strategy)
                .with("defaults", "strategy_plugins", repo.strategyPlugins().toString()));
        return config;
    }

    /** {@link #forTransport} for the column's transport, plus its strategy and where its plugins are. */
    public static AnsibleConfig forColumn(Column column, RepositoryLayout repo, Path inventory, Path controlPathDir) {
        AnsibleConfig config = forTransport(column.transport(), repo, inventory, controlPathDir);
        column.strategy().ifPresent(strategy -> config
                .with("defaults", "strategy", strategy)
                .with("defaults", "strategy_plugins", column.strategyPlugins().stream().map(Path::toString)
                        .collect(Collectors.joining(":"))));
        return config;
    }

    public AnsibleConfig with(String section, String key, String value) {
        sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(key, value);
        return this;
    }

    public Path write(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        sections.forEach((section, entries) -> {
            text.append('[').append(section).append("]\n");
            entries.forEach((key, value) -> text.append(key).append(" = ").append(value).append('\n'));
        });
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
