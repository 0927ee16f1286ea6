package dev.spindle.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The one table both {@code spindle bench ansible} and {@code spindle demo} print: medians for
 * vanilla ssh and spindle_ssh, their ratio, and the goal next to it; then the distance of each
 * to Ansible's own per-task floor.
 */
final class ComparisonTable {

    private static final double WALL_GOAL = 3.5;
    private static final double BYTES_GOAL = 30;
    private static final String ROW = "  %-22s %14s %14s %10s   %s%n";

    private ComparisonTable() {
    }

    static void print(PrintStream out, String title, AnsibleComparison.Results results) {
        List<Measurement> vanilla = results.vanilla();
        List<Measurement> spindle = results.spindle();
        out.println(title);
        out.printf(ROW, "", Transport.VANILLA_SSH.label(), Transport.SPINDLE_SSH.label(), "ratio", "goal");
        long vanillaWall = medianMillis(vanilla, Measurement::wall);
        long spindleWall = medianMillis(spindle, Measurement::wall);
        out.printf(ROW, "wall time", seconds(vanillaWall), seconds(spindleWall), ratio(vanillaWall, spindleWall),
                goal(">= " + WALL_GOAL + "x less", (double) vanillaWall / spindleWall >= WALL_GOAL));
        long vanillaCpu = medianMillis(vanilla, Measurement::cpu);
        long spindleCpu = medianMillis(spindle, Measurement::cpu);
        out.printf(ROW, "controller CPU", seconds(vanillaCpu), seconds(spindleCpu), ratio(vanillaCpu, spindleCpu), "");
        OptionalLong vanillaBytes = median(vanilla, Measurement::bytes);
        OptionalLong spindleBytes = median(spindle, Measurement::bytes);
        if (vanillaBytes.isPresent() && spindleBytes.isPresent()) {
            long v = vanillaBytes.getAsLong();
            long s = spindleBytes.getAsLong();
            out.printf(ROW, "bytes on the wire", bytes(v), bytes(s), ratio(v, s), goal(">= " + (int) BYTES_GOAL + "x fewer",
                    s > 0 && (double) v / s >= BYTES_GOAL));
        } else {
            out.printf(ROW, "bytes on the wire", "not counted", "not counted", "", "(no proxy in front of a real host)");
        }
        OptionalLong vanillaLogins = median(vanilla, Measurement::logins);
        OptionalLong spindleLogins = median(spindle, Measurement::logins);
        if (vanillaLogins.isPresent() && spindleLogins.isPresent()) {
            out.printf(ROW, "SSH logins per run", vanillaLogins.getAsLong(), spindleLogins.getAsLong(), "",
                    goal("1", spindleLogins.getAsLong() == 1));
        } else {
            out.printf(ROW, "SSH logins per run", "not counted", "not counted", "", "(no server log for a real host)");
        }
        long floor = medianMillis(results.floor(), Measurement::wall);
        out.printf("  Ansible's own floor, %d x debug (no remote work): %s. Above it: vanilla ssh %s (%s per task),"
                        + " spindle_ssh %s (%s per task).%n", AnsibleComparison.TASKS, seconds(floor),
                seconds(vanillaWall - floor), perTask(vanillaWall - floor), seconds(spindleWall - floor), perTask(spindleWall - floor));
        out.printf("  Controller CPU counts ansible-playbook's process tree plus vanilla's ControlPersist master or the"
                + " Spindle daemon; the daemon starts before the clock, like a long-lived service.%n");
    }

    private static long medianMillis(List<Measurement> runs, Function<Measurement, Duration> metric) {
        return median(runs, m -> OptionalLong.of(metric.apply(m).toMillis())).orElseThrow();
    }

    /** The median, or empty when any run could not count the metric. */
    private static OptionalLong median(List<Measurement> runs, Function<Measurement, OptionalLong> metric) {
        if (runs.stream().anyMatch(m -> metric.apply(m).isEmpty())) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Sample.of(runs.stream().mapToLong(m -> metric.apply(m).getAsLong()).toArray()).median());
    }

    static String seconds(Duration duration) {
        return seconds(duration.toMillis());
    }

    private static String seconds(long millis) {
        return String.format("%.2f s", millis / 1000.0);
    }

    private static String perTask(long millis) {
        return String.format("%.1f ms", (double) millis / AnsibleComparison.TASKS);
    }

    private static String bytes(long count) {
        if (count < 10 * 1024) {
            return count + " B";
        }
        return count < 1024L * 1024 ? String.format("%.1f KiB", count / 1024.0) : String.format("%.1f MiB", count / (1024.0 * 1024));
    }

    private static String ratio(long vanilla, long spindle) {
        return spindle <= 0 ? "-" : String.format("%.1fx", (double) vanilla / spindle);
    }

    private static String goal(String goal, boolean met) {
        return goal + (met ? "  met" : "  MISSED");
    }
}
