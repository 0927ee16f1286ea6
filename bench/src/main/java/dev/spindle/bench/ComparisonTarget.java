package dev.spindle.bench;

import java.io.IOException;
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

    @Override
    void close() throws IOException;
}
