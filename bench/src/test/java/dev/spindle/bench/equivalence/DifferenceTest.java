package dev.spindle.bench.equivalence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DifferenceTest {

    @TempDir
    Path dir;

    private RecordedRun run(String label, String... lines) throws IOException {
        Path file = Files.write(dir.resolve(label + ".jsonl"), List.of(lines));
        return RecordedRun.read(label, file, dir.resolve(label));
    }

    private static String record(String task, String event, JsonObject result) {
        return new JsonObject().put("play", "play").put("task", task).put("path", "x.yml:" + task.length())
                .put("host", "target").put("event", event).put("result", result).encode();
    }

    @Test
    void runsThatDifferOnlyInPerRunValuesAreEqual() throws IOException {
        RecordedRun a = run("a", record("echo", "ok", new JsonObject().put("rc", 0).put("start", "2026-11-26 02:32:57.950693")));
        RecordedRun b = run("b", record("echo", "ok", new JsonObject().put("rc", 0).put("start", "2026-11-26 02:40:00.000001")));
        assertEquals(List.of(), Difference.between(a, b));
    }

    @Test
    void reportNamesTaskHostKeyAndBothValues() throws IOException {
        RecordedRun a = run("vanilla", record("raw", "ok", new JsonObject().put("stdout", "out\r\n")));
        RecordedRun b = run("spindle", record("raw", "ok", new JsonObject().put("stdout", "out\n")));
        String report = Difference.report(Difference.between(a, b), "vanilla", "spindle");
        assertTrue(report.contains("x.yml:3 \"raw\" on target\n    stdout\n"), report);
        assertTrue(report.contains("vanilla: \"out\\r\\n\"\n"), report);
        assertTrue(report.contains("spindle: \"out\\n\"\n"), report);
    }

    @Test
    void aDifferentEventIsADifference() throws IOException {
        RecordedRun a = run("a", record("cmd", "ok", new JsonObject()));
        RecordedRun b = run("b", record("cmd", "failed", new JsonObject()));
        assertEquals(List.of(new Difference(new RecordedRun.TaskOnHost("x.yml:3", "cmd", "target"), RecordedRun.EVENT, "ok", "failed")),
                Difference.between(a, b));
    }

    @Test
    void aResultOnlyOneRunHasIsADifference() throws IOException {
        RecordedRun a = run("a", record("ping", "ok", new JsonObject()), record("echo", "ok", new JsonObject()));
        RecordedRun b = run("b", record("ping", "ok", new JsonObject()));
        List<Difference> differences = Difference.between(a, b);
        assertEquals(1, differences.size(), differences.toString());
        assertEquals("(result)", differences.get(0).key());
        assertEquals(Difference.ABSENT, differences.get(0).actual());
    }

    @Test
    void loopResultsAreComparedItemByItem() throws IOException {
        RecordedRun a = run("a", record("loop", "item_ok", new JsonObject().put("stdout", "1")),
                record("loop", "item_ok", new JsonObject().put("stdout", "2")));
        RecordedRun b = run("b", record("loop", "item_ok", new JsonObject().put("stdout", "1")),
                record("loop", "item_ok", new JsonObject().put("stdout", "two")));
        List<Difference> differences = Difference.between(a, b);
        assertEquals(1, differences.size(), differences.toString());
        assertEquals("result 2 of 2: stdout", differences.get(0).key());
    }

    @Test
    void factListsBuiltFromSetsCompareEqualInAnyOrder() throws IOException {
        JsonObject lo = new JsonObject().put("ansible_facts", new JsonObject().put("ansible_interfaces", List.of("lo", "eth0")));
        JsonObject eth = new JsonObject().put("ansible_facts", new JsonObject().put("ansible_interfaces", List.of("eth0", "lo")));
        assertEquals(List.of(), Difference.between(run("a", record("facts", "ok", lo)), run("b", record("facts", "ok", eth))));
    }

    @Test
    void emptyContainersAreComparedToo() throws IOException {
        RecordedRun a = run("a", record("cmd", "ok", new JsonObject().put("warnings", List.of())));
        RecordedRun b = run("b", record("cmd", "ok", new JsonObject()));
        assertEquals("[]", Difference.between(a, b).get(0).expected());
    }
}
