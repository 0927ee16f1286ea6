package dev.spindle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One host of an INI inventory. The key and known_hosts file are optional: a real target is
 * reached with the user's own ssh configuration. Both transports read the same variables, so
 * one inventory serves vanilla and Spindle runs alike.
 */
public record InventoryHost(String name, String address, int port, String user, Path privateKey, Path knownHosts) {

    String line() {
        StringBuilder line = new StringBuilder(name)
                .append(" ansible_host=").append(address)
                .append(" ansible_port=").append(port)
                .append(" ansible_user=").append(user);
        if (privateKey != null) {
            line.append(" ansible_ssh_private_key_file=").append(privateKey);
        }
        if (knownHosts != null) {
            line.append(" ansible_ssh_common_args='-o UserKnownHostsFile=").append(knownHosts)
                    .append(" -o StrictHostKeyChecking=yes'");
        }
        return line.toString();
    }

    /** Writes {@code [group]} sections in the map's order. */
    public static Path writeInventory(Path file, Map<String, List<InventoryHost>> groups) throws IOException {
        StringBuilder text = new StringBuilder();
        groups.forEach((group, hosts) -> {
            text.append('[').append(group).append("]\n");
            hosts.forEach(host -> text.append(host.line()).append('\n'));
        });
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
