package dev.spindle.bench.equivalence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.spindle.bench.Transport;

/**
 * What one transport's run of the whole suite produced: the recorded results, and per
 * playbook the exit status, the SSH logins sshd accepted meanwhile, and the output file.
 * {@code tmpBefore}/{@code tmpAfter} bracket the pipelined-only playbook.
 */
record SuiteRun(Transport transport, RecordedRun results, Map<String, Integer> exitStatus, Map<String, Long> logins,
                Map<String, Path> outputs, SortedMap<String, String> tmpBefore, SortedMap<String, String> tmpAfter) {

    /** What changed under ~/.ansible/tmp while the pipelined-only playbook ran, one line per path. */
    List<String> tmpChanges() {
        Set<String> paths = new TreeSet<>(tmpBefore.keySet());
        paths.addAll(tmpAfter.keySet());
        List<String> changes = new ArrayList<>();
        for (String path : paths) {
            String before = tmpBefore.get(path);
            String after = tmpAfter.get(path);
            if (before == null) {
                changes.add("created " + path + " (" + after + ")");
            } else if (after == null) {
                changes.add("removed " + path);
            } else if (!before.equals(after)) {
                changes.add("changed " + path + ": " + before + " -> " + after);
            }
        }
        return changes;
    }

    /** What spindle_ssh prints at -vv when a pipelined module can't run warm (connection_base). */
    static final String FALLBACK_LINE = "SPINDLE: module payload falls back to spindle.exec";
    /** A spindle.exec request line that runs an AnsiballZ file put by the action (see moduleFilesRunAsCommands). */
    private static final Pattern MODULE_FILE_COMMAND =
            Pattern.compile("SPINDLE: spindle\\.exec .* cmd=.*/python[\\w.]* \\S*/AnsiballZ_\\w+\\.py(?: && sleep 0)?['\"]* stdin=");

    /** What discover_interpreter prints at -vvv before it probes a host (2.14 and 2.19 alike). */
    private static final String DISCOVERY_ATTEMPT = "Attempting python interpreter discovery";
    /** spindle_ssh's request for discovery's shell bootstrap (`echo FOUND; command -v ...; echo ENDFOUND`). */
    private static final Pattern DISCOVERY_BOOTSTRAP_REQUEST = Pattern.compile("SPINDLE: spindle\\.exec .* cmd=.*echo ENDFOUND");
    /**
     * A request that runs a bare interpreter on its stdin, as 2.14's discovery runs its platform script
     * (`/bin/sh -c '<python> && sleep 0'`, which the request log shows in Python's repr).
     */
    private static final Pattern PLATFORM_SCRIPT_REQUEST =
            Pattern.compile("SPINDLE: spindle\\.exec .* cmd=\"/bin/sh -c '/\\S*python[\\w.]* && sleep 0'\" stdin=");

    /** How often one playbook's run discovered an interpreter and with which requests. */
    record Discoveries(long attempts, long bootstrapRequests, long platformScriptRequests) { }

    Discoveries discoveries(String playbook) throws IOException {
        List<String> lines = Files.readAllLines(outputs.get(playbook), StandardCharsets.UTF_8);
        return new Discoveries(lines.stream().filter(line -> line.contains(DISCOVERY_ATTEMPT)).count(),
                lines.stream().filter(line -> DISCOVERY_BOOTSTRAP_REQUEST.matcher(line).find()).count(),
                lines.stream().filter(line -> PLATFORM_SCRIPT_REQUEST.matcher(line).find()).count());
    }

    /** The fallback lines of every playbook's output: pipelined modules that ran in a fresh interpreter. */
    List<String> fallbacks() throws IOException {
        List<String> lines = new ArrayList<>();
        for (var output : outputs.entrySet()) {
            for (String line : Files.readAllLines(output.getValue(), StandardCharsets.UTF_8)) {
                if (line.contains(FALLBACK_LINE)) {
                    lines.add(output.getKey() + ": " + line.strip());
                }
            }
        }
        return lines;
    }

    /** How many module requests the plugin sent (a need_zip answer makes one task send two). */
    /**
     * spindle_ssh's requests at -vvv that run an AnsiballZ file the action put (ActionBase without
     * pipelining: `<interpreter> .../AnsiballZ_x.py`) in a fresh interpreter instead of warm. An
     * async_wrapper command names the module file too, but never last.
     */
    List<String> moduleFilesRunAsCommands() throws IOException {
        List<String> lines = new ArrayList<>();
        for (var output : outputs.entrySet()) {
            for (String line : Files.readAllLines(output.getValue(), StandardCharsets.UTF_8)) {
                if (MODULE_FILE_COMMAND.matcher(line).find()) {
                    lines.add(output.getKey() + ": " + line.strip());
                }
            }
        }
        return lines;
    }

    long moduleRequests() throws IOException {
        long count = 0;
        for (Path output : outputs.values()) {
            count += Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.contains("SPINDLE: spindle.module ") && !line.contains(" replied ")).count();
        }
        return count;
    }

    long totalLogins() {
        return logins.values().stream().mapToLong(Long::longValue).sum();
    }
}
