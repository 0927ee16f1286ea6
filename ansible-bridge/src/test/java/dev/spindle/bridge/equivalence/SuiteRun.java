package dev.spindle.bridge.equivalence;

import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;

import dev.spindle.bridge.bench.Transport;

/**
 * What one transport's run of the whole suite produced: the recorded results, and per
 * playbook the exit status, the SSH logins sshd accepted meanwhile, and the output file.
 * {@code tmpBefore}/{@code tmpAfter} bracket the pipelined-only playbook.
 */
record SuiteRun(Transport transport, RecordedRun results, Map<String, Integer> exitStatus, Map<String, Long> logins,
                Map<String, Path> outputs, SortedMap<String, String> tmpBefore, SortedMap<String, String> tmpAfter) {

    long totalLogins() {
        return logins.values().stream().mapToLong(Long::longValue).sum();
    }
}
