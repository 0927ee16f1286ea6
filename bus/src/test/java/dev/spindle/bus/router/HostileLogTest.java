package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.codec.FrameEncoder;
import dev.spindle.bus.source.SourceService;
import dev.spindle.bus.testing.Await;
import dev.spindle.bus.testing.LogCapture;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compromised target's agent attacking the controller's log: forging lines with line breaks,
 * driving the operator's terminal with escapes, and flooding it with records and bad frames.
 */
class HostileLogTest {

    /** A window far longer than any test, so what the limit lets through doesn't depend on timing. */
    private static final LogLimits LIMITS = new LogLimits(100, Duration.ofHours(1), 10_000);
    private static final String FORGED = "done\n2025-01-01 00:00:00.000 [main] INFO Daemon - spindle daemon 1 listening";
    private static final String AGENT_LOGGER = "spindle.agent";
    private static final String ROUTER_LOGGER = Router.class.getName();

    @RegisterExtension
    final LogCapture logs = new LogCapture();
    private RouterHarness harness;

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void logRecordCannotForgeALineOrDriveTheTerminal() {
        Connection db1 = start();

        db1.agent().send(logFrame(db1.id(), "evil\u001b[2J", FORGED + "\u001b]0;pwned\u0007"));

        Await.until(() -> !logs.messagesOf(AGENT_LOGGER).isEmpty(), "the record is logged");
        String line = logs.messagesOf(AGENT_LOGGER).get(0);
        assertPrintable(line);
        assertTrue(line.contains("evil\\x1b[2J: done\\n2025-01-01 00:00:00.000 [main] INFO"), line);
        assertTrue(line.endsWith("\\x1b]0;pwned\\x07"), line);
    }

    @Test
    void loginNoiseCannotForgeALine() {
        harness = new RouterHarness(RouterOptions.defaults());
        harness.router.logHandler(new Slf4jAgentLogs());
        Connection db1 = harness.attach("db1");

        db1.agent().sendBytes(Buffer.buffer("motd \u001b[31mred\r2025-01-01 forged\n" + Protocol.READY_MARKER));

        Await.result(db1.stream().readyMarkerSeen());
        Await.until(() -> !logs.messagesOf(AGENT_LOGGER).isEmpty(), "the preamble line is logged");
        assertTrue(logs.messagesOf(AGENT_LOGGER).get(0).endsWith("preamble: motd \\x1b[31mred\\r2025-01-01 forged"));
    }

    @Test
    void floodOfLogRecordsIsCutToTheLimitSummarisedAndClosesTheStream() {
        Connection db1 = start();

        db1.agent().sendBytes(repeated(logFrame(db1.id(), "spam", "again"), 100_000));

        String reason = Await.result(db1.stream().closed());
        assertTrue(reason.contains("more than 10000 log lines"), reason);
        assertEquals(LIMITS.linesPerWindow(), logs.messagesOf(AGENT_LOGGER).size());
        assertEquals(List.of("stream 'db1': 9901 more lines not logged (9901 log records) over the limit of 100 per 3600 s"),
                summaries());
        assertTrue(db1.agent().closedByController());
    }

    @Test
    void floodOfBadFramesIsCutToTheLimitSummarisedAndClosesTheStream() {
        Connection db1 = start();
        Frame toAnotherHost = Frame.json(5000, db1.id(), Protocol.HANDLE_LOG, 0, new JsonObject());

        db1.agent().sendBytes(repeated(toAnotherHost, 100_000));

        String reason = Await.result(db1.stream().closed());
        assertTrue(reason.contains("more than 10000 log lines"), reason);
        assertEquals(LIMITS.linesPerWindow(), logs.messagesOf(ROUTER_LOGGER).stream()
                .filter(line -> line.startsWith("dropped frame")).count());
        assertEquals(List.of("stream 'db1': 9901 more lines not logged (9901 dropped frames) over the limit of 100 per 3600 s"),
                summaries());
    }

    @Test
    void refusedSourceRequestsAreCutToTheLimitAndSummarisedWhenTheStreamCloses() {
        harness = new RouterHarness(RouterOptions.defaults().withLogLimits(new LogLimits(5, Duration.ofHours(1), 1000)));
        harness.router.sourceService(SourceService.none());
        Connection db1 = harness.connect("db1");

        for (int i = 0; i < 30; i++) {
            db1.agent().send(Frame.json(Protocol.CONTROLLER_ID, db1.id(), Protocol.HANDLE_GET_SOURCE, 7000 + i,
                    new JsonObject().put("fullname", "x\n\u009b" + i)));
        }
        for (int i = 0; i < 30; i++) {
            db1.agent().nextFrame(); // every request is still answered
        }
        Await.result(harness.router.detach(db1.stream()));

        List<String> refusals = logs.messagesOf(SourceRequests.class.getName());
        assertEquals(5, refusals.size());
        refusals.forEach(HostileLogTest::assertPrintable);
        assertEquals(List.of("stream 'db1': 25 more lines not logged (25 refused source requests) over the limit of 5 per 3600 s"),
                summaries());
    }

    private Connection start() {
        harness = new RouterHarness(RouterOptions.defaults().withLogLimits(LIMITS));
        harness.router.logHandler(new Slf4jAgentLogs());
        return harness.connect("db1");
    }

    private List<String> summaries() {
        return logs.messages().stream().filter(line -> line.contains("more lines not logged")).toList();
    }

    private static Frame logFrame(int src, String name, String msg) {
        return Frame.json(Protocol.CONTROLLER_ID, src, Protocol.HANDLE_LOG, 0,
                new JsonObject().put("name", name).put("level", 30).put("msg", msg));
    }

    private static Buffer repeated(Frame frame, int times) {
        Buffer one = FrameEncoder.encode(frame);
        Buffer all = Buffer.buffer(one.length() * times);
        for (int i = 0; i < times; i++) {
            all.appendBuffer(one);
        }
        return all;
    }

    private static void assertPrintable(String line) {
        assertFalse(line.chars().anyMatch(Character::isISOControl), "control character in: " + line);
    }
}
