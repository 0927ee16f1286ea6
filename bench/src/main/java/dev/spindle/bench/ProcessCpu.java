package dev.spindle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU time from a {@code /proc/<pid>/stat} line: user + system of the process itself and of the
 * children it has waited for, which is how a process tree's cost survives its short-lived
 * members (Ansible's workers and their ssh clients are all reaped before the run ends).
 */
final class ProcessCpu {

    /** USER_HZ ({@code getconf CLK_TCK}): 100 on x86 and ARM Linux, the only controllers Spindle targets. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    static Duration ofPid(long pid) throws IOException {
        return ofStatLine(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    static Duration ofStatLine(String stat) {
        // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = 0;
        for (int field = 14; field <= 17; field++) { // utime, stime, cutime, cstime
            ticks += Long.parseLong(fields[field - 3]);
        }
        return Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND);
    }
}
