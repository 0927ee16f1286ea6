package dev.spindle.bench;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * One ansible-playbook run's cost. CPU is the controller's: ansible-playbook's process tree, plus
 * what did the SSH work outside it (vanilla's ControlPersist master, or the Spindle daemon).
 * Bytes and logins are empty when the target can't count them.
 */
record Measurement(Duration wall, Duration cpu, OptionalLong bytes, OptionalLong logins) {
}
