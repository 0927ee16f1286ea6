package dev.spindle.bench.equivalence;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

import dev.spindle.bench.equivalence.RecordedRun.TaskOnHost;

/** One key of one task result on which two runs disagree, and how to find all of them. */
record Difference(TaskOnHost task, String key, String expected, String actual) {

    static final String ABSENT = "<absent>";
    private static final int LONGEST_VALUE = 3000;

    /** Every difference, tasks in the order the reference run ran them, keys sorted. */
    static List<Difference> between(RecordedRun reference, RecordedRun candidate) {
        Set<TaskOnHost> tasks = new LinkedHashSet<>(reference.results().keySet());
        tasks.addAll(candidate.results().keySet());
        List<Difference> differences = new ArrayList<>();
        for (TaskOnHost task : tasks) {
            List<SortedMap<String, String>> expected = reference.results().getOrDefault(task, List.of());
            List<SortedMap<String, String>> actual = candidate.results().getOrDefault(task, List.of());
            int count = Math.max(expected.size(), actual.size());
            for (int i = 0; i < count; i++) {
                String prefix = count == 1 ? "" : "result " + (i + 1) + " of " + count + ": ";
                compare(task, prefix, i < expected.size() ? expected.get(i) : Map.of(),
                        i < actual.size() ? actual.get(i) : Map.of(), differences);
            }
        }
        return differences;
    }

    private static void compare(TaskOnHost task, String prefix, Map<String, String> expected, Map<String, String> actual,
                                List<Difference> into) {
        if (expected.isEmpty() || actual.isEmpty()) {
            // one run has no such result at all: show which event the other one recorded
            into.add(new Difference(task, prefix + "(result)", expected.getOrDefault(RecordedRun.EVENT, ABSENT),
                    actual.getOrDefault(RecordedRun.EVENT, ABSENT)));
            return;
        }
        Set<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        for (String key : keys) {
            String left = expected.getOrDefault(key, ABSENT);
            String right = actual.getOrDefault(key, ABSENT);
            if (!left.equals(right)) {
                into.add(new Difference(task, prefix + key, left, right));
            }
        }
    }

    /** The differences as a report: grouped by task, one key per line pair, long values cut. */
    static String report(List<Difference> differences, String referenceLabel, String candidateLabel) {
        StringBuilder report = new StringBuilder();
        report.append(differences.size()).append(" difference(s) between ").append(referenceLabel)
                .append(" and ").append(candidateLabel).append(" (values normalized by PerRunValues):\n");
        int width = Math.max(referenceLabel.length(), candidateLabel.length()) + 1;
        TaskOnHost current = null;
        for (Difference difference : differences) {
            if (!difference.task.equals(current)) {
                current = difference.task;
                report.append('\n').append(current).append('\n');
            }
            report.append("    ").append(difference.key).append('\n')
                    .append("        ").append(pad(referenceLabel + ":", width)).append(' ').append(cut(difference.expected)).append('\n')
                    .append("        ").append(pad(candidateLabel + ":", width)).append(' ').append(cut(difference.actual)).append('\n');
        }
        return report.toString();
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }

    private static String cut(String value) {
        return value.length() <= LONGEST_VALUE ? value
                : value.substring(0, LONGEST_VALUE) + "… (" + (value.length() - LONGEST_VALUE) + " more characters)";
    }
}
