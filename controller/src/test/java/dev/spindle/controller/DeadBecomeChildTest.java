package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.spindle.bus.call.DeadContextException;
import dev.spindle.push.AgentContext;
import dev.spindle.push.Become;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A become child killed between two tasks or during one: the call fails at once with the cause
 * instead of waiting for its deadline, and the next task gets a new child. A real local login
 * agent spawns a real child through a stand-in "sudo" that just runs the command, so no system
 * account is needed.
 */
@Timeout(60)
class DeadBecomeChildTest {

    /** Far beyond the test's timeout: a call that waits for its deadline fails the test. */
    private static final Duration NO_DEADLINE = Duration.ofHours(12);

    @TempDir
    Path dir;
    private Controller controller;
    private ContextSpec becomeSpec;

    @BeforeEach
    void start() throws Exception {
        Path sudo = dir.resolve("sudo");
        Files.writeString(sudo, "#!/bin/sh\n# runs what follows --, as the same user\n"
                + "while [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n");
        Files.setPosixFilePermissions(sudo, PosixFilePermissions.fromString("rwx------"));
        controller = Controller.start();
        Become become = new Become("sudo", "root", Optional.empty(), Optional.of(sudo.toString()), List.of());
        becomeSpec = new ContextSpec(new Login.Local(Optional.empty()), Optional.of(become));
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    @Test
    void childKilledBetweenTwoTasksFailsTheNextCallAndIsReplaced() {
        AgentContext child = child();
        long pid = pidOf(child);

        kill(pid);
        DeadContextException e = assertThrows(DeadContextException.class,
                () -> await(child.call(new AgentCall.Ping(), NO_DEADLINE)));

        assertTrue(e.getMessage().contains("is gone: its channel closed") && e.getMessage().contains("reported by its parent"),
                e.getMessage());
        assertTrue(!child.isAlive(), "the child is marked dead");
        assertNewChildWorks(child, pid);
    }

    @Test
    void childKilledDuringATaskFailsThatTaskAndIsReplaced() throws Exception {
        AgentContext child = child();
        long pid = pidOf(child);
        Path started = dir.resolve("started");
        Future<Object> running = child.call(AgentCall.Exec.of(
                List.of("sh", "-c", "echo $$ > " + started + "; exec sleep 50")), NO_DEADLINE);
        long sleeper = awaitPid(started);

        try {
            kill(pid);
            DeadContextException e = assertThrows(DeadContextException.class, () -> await(running));
            assertTrue(e.getMessage().contains("is gone: its channel closed"), e.getMessage());
        } finally {
            kill(sleeper);
        }
        assertNewChildWorks(child, pid);
    }

    private AgentContext child() {
        return await(controller.contexts().get(becomeSpec));
    }

    private void assertNewChildWorks(AgentContext dead, long deadPid) {
        AgentContext next = child();
        assertNotEquals(dead.id(), next.id(), "a new child with a fresh id");
        assertNotEquals(deadPid, pidOf(next));
        assertSame(next, child(), "and it is reused");
        assertEquals(dead.stream(), next.stream(), "through the same login agent");
    }

    private static long pidOf(AgentContext context) {
        JsonObject info = await(context.callForObject(new AgentCall.Info(), Duration.ofSeconds(20)));
        assertEquals(context.id(), info.getInteger("context_id"));
        return info.getLong("pid");
    }

    private static long awaitPid(Path file) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(file) ? Files.readString(file).trim() : "";
            if (!text.isEmpty()) {
                return Long.parseLong(text);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the command did not start: " + file + " is still empty");
    }

    /** The future's result; its failure as thrown, so assertThrows sees the call's own exception. */
    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new AssertionError(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("no outcome within 20 s, the call is waiting for its deadline", e);
        }
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
    }
}
