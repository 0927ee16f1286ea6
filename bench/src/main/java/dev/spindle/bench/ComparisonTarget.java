package dev.spindle.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/** What the Ansible comparison runs against, and what can be counted there. */
interface ComparisonTarget extends AutoCloseable {

    /** For the report's title, e.g. "OpenSSH on 127.0.0.1". */
    String description();

    /** The host as Ansible reaches it (through the counting proxy, when there is one). */
    InventoryHost host();

    /** Bytes carried between Ansible's side and sshd so far, when a proxy sits between them. */
    OptionalLong wireBytes();

    /** SSH logins the server accepted so far, when the server can say. */
    OptionalLong logins() throws IOException;

    /**
     * CPU the target's SSH server and everything it ran used so far, counted once the sessions
     * that were open have ended (it waits for that), when the target can say.
     */
    Optional<Duration> targetCpu() throws IOException, InterruptedException;

    @Override
    void close() throws IOException;
}
