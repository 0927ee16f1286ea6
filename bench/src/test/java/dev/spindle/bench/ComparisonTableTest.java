package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class ComparisonTableTest {

    private static final Column VANILLA = Column.vanilla();
    private static final Column SPINDLE = Column.spindleSsh();
    private static final Scenario HUNDRED = new Scenario("hostname", "100 x hostname", "p.yml", List.of(), 100, false);
    private static final Scenario FIVE = new Scenario("cold", "5 tasks", "q.yml", List.of(), 5, true);

    @Test
    void eachScenarioShowsTheMediansOfEveryMetricPerColumn() {
        List<List<String>> rows = ComparisonTable.rows(results(), HUNDRED, 2_000);
        assertEquals(List.of("", "vanilla ssh", "spindle_ssh"), rows.get(0));
        assertEquals(List.of("wall time", "22.00 s", "6.00 s"), rows.get(1)); // medians of 3, whatever the order
        assertEquals(List.of("wall time / vanilla ssh", "1.00x", "0.27x"), rows.get(2));
        assertEquals(List.of("above the floor, per task", "200.0 ms", "40.0 ms"), rows.get(3));
        assertEquals(List.of("controller CPU", "5.00 s", "3.00 s"), rows.get(4));
        assertEquals(List.of("daemon CPU", "-", "1.50 s"), rows.get(5));
        assertEquals(List.of("target CPU", "9.00 s", "2.00 s"), rows.get(6));
        assertEquals(List.of("bytes on the wire", "9.0 MiB", "130.0 KiB"), rows.get(7));
        assertEquals(List.of("SSH logins", "1", "1"), rows.get(8));
        assertEquals(9, rows.size());
    }

    @Test
    void whatATargetCannotCountIsSaidSoAndShortScenariosHaveNoPerTaskRow() {
        List<List<String>> rows = ComparisonTable.rows(results(), FIVE, 2_000);
        assertTrue(rows.stream().noneMatch(row -> row.get(0).startsWith("above the floor")));
        assertTrue(rows.contains(List.of("target CPU", "not counted", "not counted")), rows.toString());
        assertTrue(rows.contains(List.of("bytes on the wire", "not counted", "not counted")), rows.toString());
        assertTrue(rows.contains(List.of("SSH logins", "not counted", "not counted")), rows.toString());
    }

    @Test
    void cellsAreRightAlignedUnderTheirHeaders() {
        assertEquals("  wall time                                 22.00 s         6.00 s",
                ComparisonTable.format(List.of("wall time", "22.00 s", "6.00 s")));
        assertEquals("                                        vanilla ssh    spindle_ssh",
                ComparisonTable.format(List.of("", "vanilla ssh", "spindle_ssh")));
    }

    @Test
    void unitsScaleWithTheValue() {
        assertEquals("900 B", ComparisonTable.bytes(900));
        assertEquals("12.0 KiB", ComparisonTable.bytes(12 * 1024));
        assertEquals("20.0 MiB", ComparisonTable.bytes(20 * 1024 * 1024));
        assertEquals("-", ComparisonTable.ratio(5, 0));
        assertEquals("1.50 s", ComparisonTable.seconds(Duration.ofMillis(1_500)));
    }

    @Test
    void theWholeTableNamesTheFloorAndEveryScenario() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ComparisonTable.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), results());
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Ansible's own floor, 100 x debug (no remote work): 2.00 s\n"), text);
        assertTrue(text.contains("\n100 x hostname\n"), text);
        assertTrue(text.contains("\n5 tasks (cold: no daemon before the run)\n"), text);
    }

    @Test
    void everyRoundStartsAtTheNextColumn() {
        Column third = Column.strategy("Mitogen", "mitogen_linear", List.of(), false);
        List<Column> columns = List.of(VANILLA, SPINDLE, third);
        assertEquals(columns, AnsibleComparison.rotated(columns, 0));
        assertEquals(List.of(SPINDLE, third, VANILLA), AnsibleComparison.rotated(columns, 1));
        assertEquals(List.of(third, VANILLA, SPINDLE), AnsibleComparison.rotated(columns, 2));
        assertEquals(columns, AnsibleComparison.rotated(columns, 3));
    }

    private static AnsibleComparison.Results results() {
        Map<Scenario, Map<Column, List<Measurement>>> runs = new LinkedHashMap<>();
        Map<Column, List<Measurement>> hundred = new LinkedHashMap<>();
        hundred.put(VANILLA, List.of(counted(25_000, 5_000, 0, 9_000, 9L << 20), counted(22_000, 4_000, 0, 8_000, 9L << 20),
                counted(21_000, 6_000, 0, 10_000, 9L << 20)));
        hundred.put(SPINDLE, List.of(counted(6_000, 3_000, 1_500, 2_000, 130 << 10), counted(7_000, 3_000, 1_400, 2_000, 130 << 10),
                counted(5_000, 3_000, 1_600, 2_000, 130 << 10)));
        runs.put(HUNDRED, hundred);
        Map<Column, List<Measurement>> five = new LinkedHashMap<>();
        five.put(VANILLA, List.of(uncounted(3_000, 1_000, Optional.empty())));
        five.put(SPINDLE, List.of(uncounted(5_000, 1_000, Optional.of(Duration.ofMillis(1_700)))));
        runs.put(FIVE, five);
        List<Measurement> floor = List.of(uncounted(2_000, 2_000, Optional.empty()));
        return new AnsibleComparison.Results(List.of(VANILLA, SPINDLE), List.of(HUNDRED, FIVE), runs, floor);
    }

    private static Measurement counted(long wall, long cpu, long daemon, long target, long bytes) {
        return new Measurement(Duration.ofMillis(wall), Duration.ofMillis(cpu),
                daemon == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(daemon)),
                Optional.of(Duration.ofMillis(target)), OptionalLong.of(bytes), OptionalLong.of(1));
    }

    private static Measurement uncounted(long wall, long cpu, Optional<Duration> daemon) {
        return new Measurement(Duration.ofMillis(wall), Duration.ofMillis(cpu), daemon, Optional.empty(),
                OptionalLong.empty(), OptionalLong.empty());
    }
}
