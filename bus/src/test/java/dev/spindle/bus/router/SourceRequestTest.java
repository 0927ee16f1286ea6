package dev.spindle.bus.router;

import dev.spindle.bus.Frame;
import dev.spindle.bus.Protocol;
import dev.spindle.bus.source.SourceRoot;
import dev.spindle.bus.source.SourceService;
import dev.spindle.bus.testing.PythonTree;
import dev.spindle.bus.testing.RouterHarness;
import dev.spindle.bus.testing.RouterHarness.Connection;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** GET_SOURCE through the router: answered to the asking context, from allowed roots only. */
class SourceRequestTest {

    private static final int REPLY_HANDLE = 7000;

    @TempDir
    Path tempDir;
    private RouterHarness harness;

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void sourceUnderAnAllowedRootIsSentToTheAskingContext() {
        Connection db1 = start(RouterOptions.defaults());

        Frame answer = ask(db1, db1.id() + 1, "ansible.module_utils.basic");

        assertEquals(db1.id() + 1, answer.dst());
        assertEquals(Protocol.CONTROLLER_ID, answer.src());
        assertEquals(REPLY_HANDLE, answer.handle());
        assertEquals(0, answer.replyTo());
        assertEquals(new JsonObject().put("fullname", "ansible.module_utils.basic").put("found", true)
                .put("is_pkg", false).put("source", "def main(): pass\n"), answer.json());
    }

    @Test
    void sourceOutsideTheAllowedRootsIsNotFound() {
        Connection db1 = start(RouterOptions.defaults());

        assertEquals(notFound("os"), ask(db1, db1.id(), "os").json());
    }

    @Test
    void pathTraversalIsNotFound() {
        Connection db1 = start(RouterOptions.defaults());

        assertEquals(notFound(null), ask(db1, db1.id(), "../secret").json());
    }

    @Test
    void symlinkEscapeIsNotFound() {
        Connection db1 = start(RouterOptions.defaults());

        assertEquals(notFound("ansible.leak"), ask(db1, db1.id(), "ansible.leak").json());
    }

    @Test
    void sourceTooLargeForAFrameIsNotFound() {
        Connection db1 = start(RouterOptions.defaults().withMaxFrame(60));

        assertEquals(notFound("ansible.module_utils.basic"), ask(db1, db1.id(), "ansible.module_utils.basic").json());
    }

    @Test
    void withoutASourceServiceEverythingIsNotFound() {
        harness = new RouterHarness();
        Connection db1 = harness.connect("db1");

        assertEquals(notFound("ansible"), ask(db1, db1.id(), "ansible").json());
    }

    private Connection start(RouterOptions options) {
        PythonTree tree = new PythonTree(tempDir);
        harness = new RouterHarness(options);
        harness.router.sourceService(new SourceService(List.of(new SourceRoot("ansible", tree.ansible))));
        return harness.connect("db1");
    }

    private static Frame ask(Connection connection, int asker, String fullname) {
        connection.agent().send(Frame.json(Protocol.CONTROLLER_ID, asker, Protocol.HANDLE_GET_SOURCE, REPLY_HANDLE,
                new JsonObject().put("fullname", fullname)));
        return connection.agent().nextFrame();
    }

    private static JsonObject notFound(String fullname) {
        return new JsonObject().put("fullname", fullname).put("found", false);
    }
}
