package dev.spindle.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The table {@code spindle bench ansible} and {@code spindle demo} print: per scenario, the
 * median of every metric under every column, wall time and bytes also as a ratio to the first
 * column (vanilla), and for 100-task scenarios the cost per task above Ansible's own floor
 * (100 x {@code debug}, measured in the same rounds). "-" marks what a column doesn't have
 * (no daemon) and "not counted" what the target can't count (a real host).
 */
final class ComparisonTable {

    private static final int LABEL_WIDTH = 34;
    private static final int COLUMN_WIDTH = 15;

    private ComparisonTable() {
    }

    static void print(PrintStream out, AnsibleComparison.Results results) {
        long floor = medianMillis(results.floor(), Measurement::wall);
        out.printf("Ansible's own floor, %d x debug (no remote work): %s%n", AnsibleComparison.FLOOR_TASKS, seconds(floor));
        for (Scenario scenario : results.scenarios()) {
            out.println();
            out.println(scenario.title() + (scenario.cold() ? " (cold: no daemon before the run)" : ""));
            for (List<String> row : rows(results, scenario, floor)) {
                out.println(format(row));
            }
        }
        out.println();
        out.println("""
                Controller CPU: ansible-playbook's process tree, plus vanilla's ControlPersist master.
                Daemon CPU: the Spindle daemon's (warm runs: started before the clock, like a service).
                Target CPU: sshd and everything it ran for the run's logins (shells, sudo, the agent and its forks).""");
    }

    /** The rows of one scenario's block: a header, then one per metric; each row a label and one cell per column. */
    static List<List<String>> rows(AnsibleComparison.Results results, Scenario scenario, long floorMillis) {
        List<Column> columns = results.columns();
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of(""));
        columns.forEach(column -> header.add(column.label()));
        rows.add(header);
        List<Long> walls = new ArrayList<>();
        List<OptionalLong> bytes = new ArrayList<>();
        for (Column column : columns) {
            walls.add(medianMillis(results.of(scenario, column), Measurement::wall));
            bytes.add(median(results.of(scenario, column), Measurement::bytes));
        }
        rows.add(row("wall time", columns, column -> seconds(walls.get(columns.indexOf(column)))));
        rows.add(row("wall time / " + columns.get(0).label(), columns,
                column -> ratio(walls.get(columns.indexOf(column)), walls.get(0))));
        if (scenario.tasks() == AnsibleComparison.FLOOR_TASKS) {
            rows.add(row("above the floor, per task", columns,
                    column -> perTask(walls.get(columns.indexOf(column)) - floorMillis, scenario.tasks())));
        }
        rows.add(row("controller CPU", columns,
                column -> seconds(medianMillis(results.of(scenario, column), Measurement::controllerCpu))));
        rows.add(row("daemon CPU", columns, column -> column.usesSpindleDaemon()
                ? optionalSeconds(results.of(scenario, column), Measurement::daemonCpu) : "-"));
        rows.add(row("target CPU", columns, column -> optionalSeconds(results.of(scenario, column), Measurement::targetCpu)));
        rows.add(row("bytes on the wire", columns, column -> {
            OptionalLong count = bytes.get(columns.indexOf(column));
            return count.isPresent() ? bytes(count.getAsLong()) : "not counted";
        }));
        rows.add(row("SSH logins", columns, column -> {
            OptionalLong logins = median(results.of(scenario, column), Measurement::logins);
            return logins.isPresent() ? Long.toString(logins.getAsLong()) : "not counted";
        }));
        return rows;
    }

    private static List<String> row(String label, List<Column> columns, Function<Column, String> cell) {
        List<String> row = new ArrayList<>(List.of(label));
        columns.forEach(column -> row.add(cell.apply(column)));
        return row;
    }

    static String format(List<String> row) {
        StringBuilder line = new StringBuilder("  ").append(pad(row.get(0), LABEL_WIDTH, false));
        row.subList(1, row.size()).forEach(cell -> line.append(pad(cell, COLUMN_WIDTH, true)));
        return line.toString().stripTrailing();
    }

    private static String pad(String text, int width, boolean right) {
        String padding = " ".repeat(Math.max(1, width - text.length()));
        return right ? padding + text : text + padding;
    }

    private static long medianMillis(List<Measurement> runs, Function<Measurement, Duration> metric) {
        return median(runs, m -> OptionalLong.of(metric.apply(m).toMillis())).orElseThrow();
    }

    private static String optionalSeconds(List<Measurement> runs, Function<Measurement, Optional<Duration>> metric) {
        OptionalLong millis = median(runs, m -> metric.apply(m).map(d -> OptionalLong.of(d.toMillis())).orElse(OptionalLong.empty()));
        return millis.isPresent() ? seconds(millis.getAsLong()) : "not counted";
    }

    /** The median, or empty when any run could not count the metric. */
    private static OptionalLong median(List<Measurement> runs, Function<Measurement, OptionalLong> metric) {
        if (runs.isEmpty() || runs.stream().anyMatch(m -> metric.apply(m).isEmpty())) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Sample.of(runs.stream().mapToLong(m -> metric.apply(m).getAsLong()).toArray()).median());
    }

    static String seconds(Duration duration) {
        return seconds(duration.toMillis());
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }

    static String perTask(long millis, int tasks) {
        return String.format(Locale.ROOT, "%.1f ms", (double) millis / tasks);
    }

    static String bytes(long count) {
        if (count < 10 * 1024) {
            return count + " B";
        }
        return count < 1024L * 1024 ? String.format(Locale.ROOT, "%.1f KiB", count / 1024.0) : String.format(Locale.ROOT, "%.1f MiB", count / (1024.0 * 1024));
    }

    /** {@code value} as a multiple of {@code base}: 0.50x is half the base. */
    static String ratio(long value, long base) {
        return base <= 0 ? "-" : String.format(Locale.ROOT, "%.2fx", (double) value / base);
    }
}
