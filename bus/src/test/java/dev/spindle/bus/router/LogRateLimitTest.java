package dev.spindle.bus.router;

import dev.spindle.bus.router.LogRateLimit.Decision;
import dev.spindle.bus.router.LogRateLimit.Source;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LogRateLimitTest {

    private long now;
    private final LogRateLimit limit = new LogRateLimit(new LogLimits(2, Duration.ofSeconds(10), 4), () -> now);

    @Test
    void linesPastTheLimitAreCountedBySourceAndSummarisedOnce() {
        assertEquals(Decision.WRITE, limit.admit(Source.LOG_RECORD));
        assertEquals(Decision.WRITE, limit.admit(Source.DROPPED_FRAME));
        assertEquals(Decision.COUNT, limit.admit(Source.LOG_RECORD));
        assertEquals(Decision.COUNT, limit.admit(Source.REFUSED_SOURCE));

        assertEquals("2 more lines not logged (1 log records, 1 refused source requests) over the limit of 2 per 10 s",
                limit.takeSummary());
        assertNull(limit.takeSummary());
    }

    @Test
    void aNewWindowWritesAgain() {
        limit.admit(Source.LOG_RECORD);
        limit.admit(Source.LOG_RECORD);
        assertEquals(Decision.COUNT, limit.admit(Source.LOG_RECORD));

        now += Duration.ofSeconds(10).toNanos();

        assertEquals(Decision.WRITE, limit.admit(Source.LOG_RECORD));
    }

    @Test
    void morePastTheThresholdWithinOneWindowCloses() {
        for (int i = 0; i < 4; i++) {
            limit.admit(Source.DROPPED_FRAME);
        }

        assertEquals(Decision.CLOSE, limit.admit(Source.DROPPED_FRAME));
        assertEquals("3 more lines not logged (3 dropped frames) over the limit of 2 per 10 s", limit.takeSummary());
    }
}
