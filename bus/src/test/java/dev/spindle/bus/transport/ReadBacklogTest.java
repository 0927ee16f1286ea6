package dev.spindle.bus.transport;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadBacklogTest {

    private final ReadBacklog backlog = new ReadBacklog(100);
    private final AtomicInteger resumed = new AtomicInteger();

    @Test
    void readerMayReadUpToTheLimitAndWaitsBeyondIt() {
        backlog.delivered(100);
        assertTrue(backlog.mayRead(resumed::incrementAndGet));

        backlog.delivered(1);
        assertFalse(backlog.mayRead(resumed::incrementAndGet));
        assertEquals(0, resumed.get());
    }

    @Test
    void waitingReaderResumesOnceWhenHalfTheLimitIsLeft() {
        backlog.delivered(150);
        assertFalse(backlog.mayRead(resumed::incrementAndGet));

        backlog.consumed(99); // 51 left: still more than half
        assertEquals(0, resumed.get());
        backlog.consumed(1);
        assertEquals(1, resumed.get());
        backlog.consumed(50);
        assertEquals(1, resumed.get());
        assertEquals(0, backlog.unconsumed());
    }

    @Test
    void consumingMoreThanWasDeliveredIsABug() {
        backlog.delivered(10);

        assertThrows(IllegalArgumentException.class, () -> backlog.consumed(11));
        assertEquals(10, backlog.unconsumed());
    }
}
