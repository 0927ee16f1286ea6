package dev.spindle.bench;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One ansible-playbook run's cost, split so a slowdown can be placed:
 * <ul>
 *   <li>{@code controllerCpu}: ansible-playbook's process tree (its workers, their ssh clients),
 *       plus vanilla's detached ControlPersist master, which does all of vanilla's SSH crypto;</li>
 *   <li>{@code daemonCpu}: the Spindle daemon's, for columns that use one;</li>
 *   <li>{@code targetCpu}: everything sshd ran for the run's logins (sessions, shells, sudo, the
 *       agent and every process it forked), when the target can count it.</li>
 * </ul>
 * Bytes and logins are empty when the target can't count them.
 */
record Measurement(Duration wall, Duration controllerCpu, Optional<Duration> daemonCpu, Optional<Duration> targetCpu,
                   OptionalLong bytes, OptionalLong logins) {
}
