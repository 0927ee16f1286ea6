package dev.spindle.bench.equivalence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import io.vertx.core.json.JsonObject;

/**
 * The results one run recorded with {@code callback_plugins/spindle_record.py}, grouped by task
 * and host in the order the tasks ran. A loop's item results and its final result share a
 * group, in the order Ansible reported them.
 */
record RecordedRun(String label, Map<TaskOnHost, List<SortedMap<String, String>>> results) {

    /** A task by its playbook file and line (names alone repeat), and the host it ran on. */
    record TaskOnHost(String where, String task, String host) {

        @Override
        public String toString() {
            return where + " \"" + task + "\" on " + host;
        }
    }

    /** The pseudo-key under which the callback event (ok, failed, skipped, unreachable, item_ok...) is compared. */
    static final String EVENT = "(event)";

    static RecordedRun read(String label, Path recordFile, Path runDir) throws IOException {
        Map<TaskOnHost, List<SortedMap<String, String>>> results = new LinkedHashMap<>();
        for (String line : Files.readAllLines(recordFile, StandardCharsets.UTF_8)) {
            JsonObject record = new JsonObject(line);
            TaskOnHost key = new TaskOnHost(record.getString("path"), record.getString("task"), record.getString("host"));
            SortedMap<String, String> flat = new TreeMap<>(FlatResult.of(record.getJsonObject("result"), runDir.toString()));
            flat.put(EVENT, record.getString("event"));
            results.computeIfAbsent(key, k -> new ArrayList<>()).add(flat);
        }
        return new RecordedRun(label, results);
    }

    int resultCount() {
        return results.values().stream().mapToInt(List::size).sum();
    }
}
